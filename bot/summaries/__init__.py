"""Summaries for facilitators, leaders and participants: report data, renderings, chart.

The report is built from frozen aggregates and shared texts only (see `bot.services.
summaries`); everything here is pure: data in, text or bytes out.
"""
