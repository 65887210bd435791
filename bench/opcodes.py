"""Python opcodes per request: a measure of a framework's Python work that the machine's load
cannot move (unlike time), for one scenario and framework of the in-process benchmark.

``sys.settrace`` with ``f_trace_opcodes`` counts every bytecode instruction executed in Python
code (work done inside C functions, such as HMAC or zlib, is not counted). Run from the project
root::

    python -m bench.opcodes S1 wsgi_stack            # total, by file, top functions
    python -m bench.opcodes S4 flask --top 20
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from bench.apps import FRAMEWORKS
from bench.framework import _short_path, make_cell, run_requests
from bench.scenarios import select


def count_opcodes(scenario: str, framework: str, requests: int = 200) -> collections.Counter[tuple[str, int, str]]:
    """Opcodes executed per (file, first line, function) over ``requests`` requests, after a warm-up."""
    cell = make_cell(framework, select(scenario)[0])
    run_requests(cell.app, cell.environ, cell.body, 50)  # first-call caches out of the count
    counts: collections.Counter[tuple[str, int, str]] = collections.Counter()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        if event == "opcode":
            code = frame.f_code
            counts[(_short_path(code.co_filename), code.co_firstlineno, code.co_name)] += 1
        return tracer

    sys.settrace(tracer)
    try:
        run_requests(cell.app, cell.environ, cell.body, requests)
    finally:
        sys.settrace(None)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.opcodes", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", help="S1 .. S5")
    parser.add_argument("framework", choices=FRAMEWORKS)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=15, help="rows of each table (default %(default)s)")
    args = parser.parse_args(argv)
    counts = count_opcodes(args.scenario, args.framework, args.requests)
    n = args.requests
    print(f"{args.framework} {args.scenario.upper()}: {sum(counts.values()) / n:.0f} opcodes per request (harness included)")
    by_file: collections.Counter[str] = collections.Counter()
    for (filename, _, _), count in counts.items():
        by_file[filename] += count
    print("\n| opcodes | file |\n|---:|---|")
    for filename, count in by_file.most_common(args.top):
        print(f"| {count / n:.0f} | `{filename}` |")
    print("\n| opcodes | function |\n|---:|---|")
    for (filename, line, name), count in counts.most_common(args.top):
        print(f"| {count / n:.0f} | `{filename}:{line}({name})` |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
