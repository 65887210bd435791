"""What the layer trace costs when it is off (issue 8: under 3 % of S1).

With tracing off, a request pays for exactly two things: one call to ``App._make_trace()``
(a few config reads, answering ``None``) and a fixed number of ``trace is not None`` /
``span is not None`` checks in the layers. There is no build of wsgi_stack without those
lines to race against, so this script measures the two parts and counts the second:

1. the time of one S1 request (best of several runs, in-process, as ``bench.framework``);
2. the time of ``app._make_trace()`` alone;
3. the time of one ``x is not None`` check, and how many trace-check lines one S1 request
   executes (counted with ``sys.settrace`` over wsgi_stack's own lines).

The cost is (2 + count x 3) / 1, printed as a percentage.

    python -m bench.trace_cost
"""

from __future__ import annotations

import io
import linecache
import sys
import timeit
from types import FrameType
from typing import Any

from bench.apps import build_app
from bench.scenarios import base_environ, select

TRACE_CHECK_WORDS = ("trace is not None", "span is not None", "trace is None")


def count_trace_checks(run_once: Any) -> int:
    """How many trace-check lines of wsgi_stack one request executes."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line" and "/wsgi_stack/" in frame.f_code.co_filename:
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
            if any(word in line for word in TRACE_CHECK_WORDS):
                count += 1
        return tracer

    sys.settrace(tracer)
    try:
        run_once()
    finally:
        sys.settrace(None)
    return count


def main() -> None:
    app = build_app("wsgi_stack", "S1")
    environ = base_environ(select("S1")[0])

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        return None

    def one_request() -> None:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(b"")
        b"".join(app(env, start_response))

    for _ in range(1000):
        one_request()
    request_us = min(timeit.repeat(one_request, number=20_000, repeat=9)) / 20_000 * 1e6
    make_trace_us = min(timeit.repeat(app._make_trace, number=200_000, repeat=9)) / 200_000 * 1e6
    check_us = (
        min(timeit.repeat("x is not None", globals={"x": None}, number=1_000_000, repeat=9))
        / 1_000_000
        * 1e6
    )
    checks = count_trace_checks(one_request)
    cost_us = make_trace_us + checks * check_us
    print("| part | µs per S1 request |")
    print("|---|---:|")
    print(f"| the whole request | {request_us:.2f} |")
    print(f"| `App._make_trace()` (answers None) | {make_trace_us:.3f} |")
    print(f"| {checks} trace checks x {check_us * 1000:.1f} ns | {checks * check_us:.3f} |")
    print(f"| **tracing off, in all** | **{cost_us:.3f} ({cost_us / request_us * 100:.2f} %)** |")


if __name__ == "__main__":
    main()
