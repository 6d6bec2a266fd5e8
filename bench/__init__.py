"""Benchmarks (`make bench`): they measure and report, and never fail a build."""
