"""End-to-end benchmark: the scenario apps under gunicorn, loaded by ``wrk``.

For each scenario, every framework's app is served by its own gunicorn (2 sync workers,
``--no-control-socket``, a free port on 127.0.0.1), all up at once, and ``wrk -t2 -c16 -d5s
--latency`` loads one after the other, round after round (A B C, B C A, ...). Reported per cell:
the median requests per second, p50 and p99 latency, and the ratio to Flask as the median of
the per-round ratios. Each server's answer is fetched once first and compared across frameworks.

Run from the project root::

    python -m bench.e2e                  # S1..S5, 3 rounds of 5 s each: about 5 minutes
    python -m bench.e2e --only S1,S3 --rounds 3
    python -m bench.e2e --quick          # 1 s per run, S1 only, for the smoke test

Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from bench.apps import FRAMEWORKS, framework_module
from bench.scenarios import SESSION_COOKIE, Scenario, select
from bench.server import Server, gunicorn

REFERENCE = "flask"
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNIT_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """The figures of ``wrk --latency``'s report."""

    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            return match[1]
        if default is None:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{output}")
        return default

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_duration_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_duration_ms(find(r"^\s+99%\s+(\S+)")),
        requests=int(find(r"^\s+(\d+) requests in")),
        non_2xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _lua_string(value: str) -> str:
    # A long bracket string whose level cannot occur in the value.
    level = "=" * (max((len(m) for m in re.findall(r"=+", value)), default=0) + 1)
    return f"[{level}[{value}]{level}]"


def wrk_script(scenario: Scenario, cookie: str | None) -> str:
    """The Lua that makes wrk send the scenario's request (method, body, headers)."""
    lines = [f"wrk.method = {_lua_string(scenario.method)}"]
    if scenario.body:
        lines.append(f"wrk.body = {_lua_string(scenario.body.decode())}")
    if scenario.content_type:
        lines.append(f'wrk.headers["Content-Type"] = {_lua_string(scenario.content_type)}')
    if cookie:
        lines.append(f'wrk.headers["Cookie"] = {_lua_string(f"{SESSION_COOKIE}={cookie}")}')
    return "\n".join(lines) + "\n"


def run_wrk(
    server: Server,
    scenario: Scenario,
    cookie: str | None,
    seconds: float,
    threads: int,
    connections: int,
) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(wrk_script(scenario, cookie))
        script.flush()
        command = [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
            "--timeout", "5s", "-s", script.name, server.url(scenario.path),
        ]  # fmt: skip
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=True
        )
    return parse_wrk(completed.stdout)


def answer(server: Server, scenario: Scenario, cookie: str | None) -> tuple[int, str, bytes]:
    """The server's answer to one scenario request: status, content type, body."""
    headers = {"Content-Type": scenario.content_type} if scenario.content_type else {}
    if cookie:
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    status, response_headers, body = server.request(
        scenario.method, scenario.path, scenario.body, headers
    )
    return status, response_headers.get("content-type", ""), body


def paired_ratio(runs: Sequence[WrkResult], reference: Sequence[WrkResult]) -> float:
    """Median over rounds of req/s over the reference's req/s in the same round: runs of one
    round are seconds apart, so a busy spell on a shared machine mostly cancels out."""
    return statistics.median(
        a.requests_per_second / b.requests_per_second for a, b in zip(runs, reference, strict=True)
    )


def measure_scenario(
    scenario: Scenario, frameworks: Sequence[str], args: argparse.Namespace
) -> tuple[dict[str, list[WrkResult]], dict[str, tuple[int, str, bytes]]]:
    """wrk runs of every framework on one scenario, interleaved round by round.

    All the frameworks' servers are up at once (an idle sync worker costs no CPU), so the
    rounds can alternate between them without a restart in between. Returns the runs per
    framework, and the answers if the frameworks did not all answer alike (else empty).
    """
    results: dict[str, list[WrkResult]] = {fw: [] for fw in frameworks}
    answers: dict[str, tuple[int, str, bytes]] = {}
    with contextlib.ExitStack() as stack:
        targets = {}
        for framework in frameworks:
            env = {"BENCH_FRAMEWORK": framework, "BENCH_SCENARIOS": scenario.name}
            server = stack.enter_context(gunicorn(env=env, workers=args.workers))
            cookie = server.session_cookie(scenario.path) if scenario.uses_session else None
            answers[framework] = answer(server, scenario, cookie)
            if args.warmup:  # first-request work (imports, template compiling) in every worker
                run_wrk(server, scenario, cookie, args.warmup, args.threads, args.connections)
            targets[framework] = (server, cookie)
        for round_number in range(args.rounds):
            order = frameworks[round_number % len(frameworks) :]
            order += frameworks[: round_number % len(frameworks)]
            for framework in order:
                server, cookie = targets[framework]
                results[framework].append(
                    run_wrk(server, scenario, cookie, args.seconds, args.threads, args.connections)
                )
    return results, ({} if len(set(answers.values())) <= 1 else answers)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.e2e", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--only", help="scenarios, e.g. S1,S3 (default: all; --quick: S1)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="default: %(default)s")
    parser.add_argument("--seconds", type=float, help="wrk duration per run (default 5, quick 1)")
    parser.add_argument(
        "--warmup", type=int, help="seconds of wrk before each measured run (default 1, quick 0)"
    )
    parser.add_argument(
        "--rounds", type=int, help="interleaved runs per cell, median shown (default 3, quick 1)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default %(default)s)")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections (default %(default)s)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (default %(default)s)"
    )
    parser.add_argument("--quick", action="store_true", help="1 s runs of S1, for the smoke test")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (1.0 if args.quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    args.rounds = args.rounds or (1 if args.quick else 3)
    try:
        args.scenarios = select(args.only or ("S1" if args.quick else None))
    except ValueError as exc:
        parser.error(str(exc))
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    if unknown := set(args.frameworks) - set(FRAMEWORKS):
        parser.error(f"unknown framework(s) {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 1
    frameworks = []
    for framework in args.frameworks:
        try:
            framework_module(framework)
        except ImportError as exc:
            print(f"note: {framework} left out, it does not import: {exc}", file=sys.stderr)
        else:
            frameworks.append(framework)

    print(
        f"load average {os.getloadavg()[0]:.1f} at start; gunicorn, {args.workers} sync workers; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s --latency after a "
        f"{args.warmup} s warm-up; {args.rounds} round(s), median shown."
    )
    results: dict[tuple[str, str], list[WrkResult]] = {}
    failed = False
    for scenario in args.scenarios:
        rounds, disagree = measure_scenario(scenario, frameworks, args)
        for framework, runs in rounds.items():
            results[framework, scenario.name] = runs
            failed |= any(r.non_2xx or r.requests == 0 for r in runs)
        if disagree:
            failed = True
            print(
                f"error: {scenario.name} answers differ across frameworks: {disagree}",
                file=sys.stderr,
            )

    columns = ("scenario", "framework", "req/s", "/ flask", "p50 ms", "p99 ms", "requests")
    print("\n| " + " | ".join(columns) + " | non-2xx | socket errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in args.scenarios:
        for framework in frameworks:
            runs = results[framework, scenario.name]
            vs = "-"
            if REFERENCE in frameworks:
                reference = results[REFERENCE, scenario.name]
                vs = f"{paired_ratio(runs, reference):.2f}x"
            rps = statistics.median(r.requests_per_second for r in runs)
            p50 = statistics.median(r.p50_ms for r in runs)
            p99 = statistics.median(r.p99_ms for r in runs)
            print(
                f"| {scenario.name} | {framework} | {rps:,.0f} | {vs} | {p50:.2f} | {p99:.2f} "
                f"| {sum(r.requests for r in runs):,} | {sum(r.non_2xx for r in runs)} "
                f"| {sum(r.socket_errors for r in runs)} |"
            )
    if failed:
        print(
            "error: some runs answered non-2xx, served nothing, or the frameworks disagreed",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
