"""`make bench`: run every benchmark in this folder and report what each measured.

Every module `bench/<name>.py` that defines `main()` (plain or async) is a benchmark; they
run one after another, in name order. `python -m bench fanout digest` runs only those.
A benchmark that breaks is reported and the others still run: benchmarks measure, they
never fail a build.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    """Names of the modules here that define a `main()`."""
    found: list[str] = []
    for path in sorted(HERE.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        if callable(getattr(module, "main", None)):
            found.append(path.stem)
    return found


def run(name: str) -> Any:
    """Run one benchmark's `main()`, awaiting it when it is a coroutine function."""
    main = importlib.import_module(f"bench.{name}").main
    if inspect.iscoroutinefunction(main):
        return asyncio.run(main())
    return main()


def summary(results: dict[str, Any]) -> str:
    return json.dumps(results, indent=2, default=str, ensure_ascii=False)


def cli(argv: list[str]) -> int:
    chosen = argv or benchmarks()
    unknown = sorted(set(chosen) - set(benchmarks()))
    if unknown:
        print(f"No such benchmark: {', '.join(unknown)}; there are: {', '.join(benchmarks())}")
        return 2
    results: dict[str, Any] = {}
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        began = time.perf_counter()
        try:
            outcome = run(name)
        except Exception:
            traceback.print_exc()
            results[name] = {"error": traceback.format_exc(limit=1).strip().splitlines()[-1]}
            continue
        results[name] = {
            "seconds": round(time.perf_counter() - began, 1),
            **({"result": outcome} if outcome is not None else {}),
        }
    print("\n=== summary ===")
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
