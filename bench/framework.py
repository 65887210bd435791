"""In-process benchmark: the cost of one request in wsgi_stack, Flask and raw Werkzeug.

Every app is called directly as a WSGI callable with a prebuilt environ (a fresh copy and a
fresh ``wsgi.input`` per call), so the figures are the framework's work and nothing else: no
server, no socket. For each scenario the frameworks run in interleaved batches (A B C A B C
...) so that the machine's drift hits all of them alike, and each cell is the median of its
batches. Before anything is timed, every framework must give the same answer (status,
content type, body) to every scenario, or the run stops: a fast wrong answer is no result.

Run from the project root::

    python -m bench.framework                       # all scenarios, all frameworks
    python -m bench.framework --quick               # a few seconds, for CI's smoke test
    python -m bench.framework --only S1,S3
    python -m bench.framework --against HEAD~1      # also the commit before, same run
    python -m bench.framework --profile S4 --framework wsgi_stack
    python -m bench.framework --profile-import wsgi_stack
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import gc
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from bench.apps import FRAMEWORKS, build_app, framework_module
from bench.scenarios import Scenario, WSGIApp, base_environ, call, select

REFERENCE = "flask"
BASELINE = "werkzeug"

# What each framework's benchmark apps import, timed in a fresh interpreter.
IMPORT_STATEMENTS = {
    "wsgi_stack": "import wsgi_stack",
    "flask": "import flask",
    "werkzeug": "import werkzeug.wrappers, werkzeug.routing, werkzeug.exceptions, jinja2",
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Cell:
    """One framework serving one scenario, ready to be called again and again."""

    framework: str
    scenario: Scenario
    app: WSGIApp
    environ: dict[str, Any]
    samples: list[float] = field(default_factory=list)  # µs per request, one per batch

    @property
    def body(self) -> bytes:
        return self.scenario.body


def make_cell(framework: str, scenario: Scenario) -> Cell:
    """Build the app; for a session scenario, send the cookie the app itself issued."""
    app = build_app(framework, [scenario.name])
    environ = base_environ(scenario)
    if scenario.uses_session:
        # A first request without a cookie gets one; every timed request then carries it,
        # so each one verifies, reads, increments and re-signs the session.
        first = call(app, environ, scenario.body)
        cookie = first.cookie()
        if cookie is None:
            raise RuntimeError(f"{framework} set no session cookie on {scenario.path}")
        environ = base_environ(scenario, cookie)
    return Cell(framework, scenario, app, environ)


def null_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The least a WSGI app can do: measures what the harness itself costs."""
    start_response("200 OK", [])
    return [b""]


def _ignore(data: bytes) -> None:
    return None


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _ignore


def run_requests(app: WSGIApp, environ: dict[str, Any], body: bytes, n: int) -> None:
    """Serve ``n`` requests the way a WSGI server would, minus the socket."""
    copy = environ.copy
    new_input = BytesIO
    for _ in range(n):
        env = copy()
        env["wsgi.input"] = new_input(body)
        result = app(env, _start_response)
        b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()


#: The clock batches are timed with. ``time.thread_time_ns`` (``--clock cpu``) counts only the
#: time this thread ran, so the minutes the scheduler gives other processes on a shared
#: machine stay out of the figures; ``--clock wall`` uses ``time.perf_counter_ns``.
CLOCKS = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}
clock = CLOCKS["wall"]


def time_batch(app: WSGIApp, environ: dict[str, Any], body: bytes, n: int) -> float:
    """Microseconds per request over one batch of ``n`` requests."""
    # Collect the previous batch's garbage (maybe another framework's) outside the clock;
    # the collections this batch's own allocations trigger stay inside it.
    gc.collect()
    start = clock()
    run_requests(app, environ, body, n)
    return (clock() - start) / n / 1000


def total_calls(app: WSGIApp, environ: dict[str, Any], body: bytes, n: int) -> float:
    """Python and C function calls per request, as cProfile counts them, harness included."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_requests(app, environ, body, n)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / n


def harness_calls(n: int = 200) -> float:
    """Calls per request that are the harness's: the null app's total minus the two calls
    (the app itself and its ``start_response``) that a real app makes too."""
    environ = base_environ(select("S1")[0])
    return total_calls(null_app, environ, b"", n) - 2


# -- equivalence -------------------------------------------------------------------------


def check_equivalence(cells: dict[tuple[str, str], Cell], frameworks: Sequence[str]) -> list[str]:
    """Every framework must answer each scenario alike; returns what differs (empty: all same).

    Also checks that malformed requests get the same 4xx everywhere, and that wsgi_stack and
    Flask accept each other's session cookie (they share the secret key).
    """
    problems: list[str] = []
    scenarios = {cell.scenario.name: cell.scenario for cell in cells.values()}
    for name, scenario in scenarios.items():
        answers = {}
        for framework in frameworks:
            cell = cells[framework, name]
            answer = call(cell.app, cell.environ, scenario.body)
            answers[framework] = (answer.status, answer.header("Content-Type"), answer.body)
        if len(set(answers.values())) > 1:
            detail = "; ".join(
                f"{fw}: {a[0]!r} {a[1]!r} {a[2][:120]!r}" for fw, a in answers.items()
            )
            problems.append(f"{name} answers differ: {detail}")

    probes = {
        "S2": [("GET", "/user/alice/post/not-a-number", b"", None)],
        "S5": [
            ("POST", "/api/echo", b'{"user": ', "application/json"),
            ("GET", "/api/echo", b"", None),
        ],
    }
    for name, requests in probes.items():
        if name not in scenarios:
            continue
        for method, path, body, content_type in requests:
            probe = Scenario(name, "probe", method, path, body, content_type)
            statuses = {
                fw: call(cells[fw, name].app, base_environ(probe), body).status for fw in frameworks
            }
            if len(set(statuses.values())) > 1 or not all(s[0] == "4" for s in statuses.values()):
                problems.append(f"{method} {path} {body!r}: statuses {statuses} (want one 4xx)")

    if "S4" in scenarios and {"flask", "wsgi_stack"} <= set(frameworks):
        scenario = scenarios["S4"]
        for issuer, reader in (("flask", "wsgi_stack"), ("wsgi_stack", "flask")):
            cookie = call(cells[issuer, "S4"].app, base_environ(scenario), b"").cookie()
            answer = call(cells[reader, "S4"].app, base_environ(scenario, cookie), b"")
            if answer.body != b"count=2":
                problems.append(
                    f"S4: {reader} does not read {issuer}'s session cookie "
                    f"(answered {answer.status} {answer.body[:80]!r} to cookie {cookie!r})"
                )
    return problems


# -- import time -------------------------------------------------------------------------


def import_seconds(framework: str) -> float:
    """Seconds ``import`` takes for the framework, in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); "
        f"{IMPORT_STATEMENTS[framework]}; "
        "print(time.perf_counter() - t)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout
    return float(output.strip().splitlines()[-1])


def import_times(frameworks: Sequence[str], runs: int) -> dict[str, float]:
    """Fastest import seconds per framework over ``runs`` interleaved fresh interpreters.

    The minimum, not the median: an import does fixed work, and anything above its fastest
    run is the machine being busy with something else.
    """
    # Installed packages (Flask, Werkzeug) import from the bytecode pip compiled; compile the
    # project's own modules too, or their import would include compiling them from source
    # (this machine sets PYTHONDONTWRITEBYTECODE, so nothing else writes the .pyc files).
    compileall.compile_dir(PROJECT_ROOT / "wsgi_stack", quiet=1)
    samples: dict[str, list[float]] = {fw: [] for fw in frameworks}
    for _ in range(runs):
        for framework in frameworks:
            samples[framework].append(import_seconds(framework))
    return {fw: min(values) for fw, values in samples.items()}


def profile_import(framework: str, top: int) -> None:
    """Print the modules that cost most when importing ``framework`` (``-X importtime``)."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORT_STATEMENTS[framework]],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    ).stderr
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, module = line[len("import time:") :].split("|")
        rows.append((int(own), int(cumulative), module.rstrip()))
    print(f"import of {framework}: {IMPORT_STATEMENTS[framework]!r}, {len(rows)} modules")
    for title, key in (("cumulative", 1), ("own", 0)):
        print(f"\ntop {top} by {title} time\n| µs own | µs cumulative | module |\n|---:|---:|---|")
        for own, cumulative, module in sorted(rows, key=lambda r: r[key], reverse=True)[:top]:
            print(f"| {own} | {cumulative} | `{module}` |")


# -- profile of one cell -----------------------------------------------------------------


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def profile_cell(framework: str, scenario: Scenario, requests: int, top: int) -> None:
    """Print where one framework's time goes on one scenario: top functions by cumulative
    and by own time, with calls per request."""
    cell = make_cell(framework, scenario)
    run_requests(cell.app, cell.environ, cell.body, min(requests, 500))  # warm caches
    profiler = cProfile.Profile()
    profiler.enable()
    run_requests(cell.app, cell.environ, cell.body, requests)
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(
        f"{framework} on {scenario.name} ({scenario.title}): {requests} requests, "
        f"{stats.total_calls / requests:.1f} calls/request (harness included), "
        f"{stats.total_tt / requests * 1e6:.1f} µs/request under the profiler"
    )
    rows = []
    for (filename, line, function), (_, ncalls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{_short_path(filename)}:{line}({function})" if line else function
        rows.append((ncalls / requests, own / requests * 1e6, cumulative / requests * 1e6, where))
    for title, key in (("cumulative", 2), ("own", 1)):
        print(f"\ntop {top} by {title} time (per request)")
        print("| calls | µs own | µs cumulative | function |\n|---:|---:|---:|---|")
        for ncalls, own, cumulative, where in sorted(rows, key=lambda r: r[key], reverse=True)[
            :top
        ]:
            print(f"| {ncalls:g} | {own:.2f} | {cumulative:.2f} | `{where}` |")


# -- the table ---------------------------------------------------------------------------


def batch_size(cells: Sequence[Cell], batch_ms: float) -> int:
    """Requests per batch so that the slowest framework's batch lasts about ``batch_ms``."""
    slowest = max(time_batch(c.app, c.environ, c.body, 20) for c in cells)
    return max(5, int(batch_ms * 1000 / slowest))


def spread(samples: list[float]) -> float:
    """Half the interquartile range, relative to the median: the noise of one cell."""
    if len(samples) < 4:
        return 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return (q3 - q1) / 2 / statistics.median(samples)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def paired_ratio(a: Cell, b: Cell) -> float:
    """Median over rounds of ``a``'s batch time over ``b``'s batch time in the same round.

    Batches of one round ran within a few tens of milliseconds of each other, so a slow
    spell on a shared machine slows both and cancels out of their ratio; the ratio of the
    two medians would keep it.
    """
    return statistics.median(x / y for x, y in zip(a.samples, b.samples, strict=True))


def print_report(
    scenarios: Sequence[Scenario],
    frameworks: Sequence[str],
    cells: dict[tuple[str, str], Cell],
    calls: dict[tuple[str, str], float],
    harness: tuple[float, float],
    imports: dict[str, float],
) -> None:
    median = {key: statistics.median(cell.samples) for key, cell in cells.items()}
    earlier = [fw for fw in frameworks if fw.startswith("wsgi_stack@")]
    pairs = [
        (a, b)
        for a, b in (
            *(("wsgi_stack", fw) for fw in earlier),
            ("wsgi_stack", REFERENCE),
            ("wsgi_stack", BASELINE),
            (REFERENCE, BASELINE),
        )
        if a in frameworks and b in frameworks
    ]

    print(
        "\n### Time per request (µs, median of batches ± half the interquartile range; "
        "ratios are medians of per-round ratios)\n"
    )
    header = ["scenario"] + [f"{fw} µs" for fw in frameworks] + [f"{a} / {b}" for a, b in pairs]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for scenario in scenarios:
        row = [f"{scenario.name} {scenario.method} {scenario.path}"]
        for fw in frameworks:
            cell = cells[fw, scenario.name]
            row.append(f"{median[fw, scenario.name]:.1f} ±{spread(cell.samples):.0%}")
        row += [
            f"{paired_ratio(cells[a, scenario.name], cells[b, scenario.name]):.2f}x"
            for a, b in pairs
        ]
        print("| " + " | ".join(row) + " |")
    print(f"\nHarness (null WSGI app, included above): {harness[0]:.2f} µs/request.")

    print("\n### Function calls per request (cProfile, harness excluded)\n")
    print("| scenario | " + " | ".join(frameworks) + " |\n|---|" + "---:|" * len(frameworks))
    for scenario in scenarios:
        print(
            f"| {scenario.name} | "
            + " | ".join(f"{calls[fw, scenario.name]:.0f}" for fw in frameworks)
            + " |"
        )
    print(f"\nHarness calls subtracted: {harness[1]:.0f} per request.")

    if imports:
        print("\n### Import time (fresh interpreter, fastest of the runs)\n")
        print(f"| framework | statement | ms | / {REFERENCE} |\n|---|---|---:|---:|")
        for fw, seconds in imports.items():
            vs = ratio(seconds, imports.get(REFERENCE))
            print(f"| {fw} | `{IMPORT_STATEMENTS[fw]}` | {seconds * 1000:.1f} | {vs} |")

    if "wsgi_stack" in frameworks:
        print_targets(scenarios, frameworks, cells, calls, imports)


def print_targets(
    scenarios: Sequence[Scenario],
    frameworks: Sequence[str],
    cells: dict[tuple[str, str], Cell],
    calls: dict[tuple[str, str], float],
    imports: dict[str, float],
) -> None:
    """Issue 18's in-process targets for wsgi_stack, each met or missed in this run."""
    names = {s.name for s in scenarios}
    checks: list[tuple[str, float, float]] = []  # (what, measured, limit): met if measured <= limit
    if BASELINE in frameworks:
        for name, limit in (("S1", 1.05), ("S2", 1.05), ("S3", 1.05), ("S5", 1.15)):
            if name in names:
                ratio_to_baseline = paired_ratio(cells["wsgi_stack", name], cells[BASELINE, name])
                checks.append((f"{name} time / raw Werkzeug", ratio_to_baseline, limit))
    if REFERENCE in frameworks and "S4" in names:
        checks.append(
            (
                "S4 time / Flask",
                paired_ratio(cells["wsgi_stack", "S4"], cells[REFERENCE, "S4"]),
                0.45,
            )
        )
    if "S1" in names:
        checks.append(("S1 calls per request", calls["wsgi_stack", "S1"], 200))
    if "wsgi_stack" in imports and REFERENCE in imports:
        checks.append(("import time / Flask", imports["wsgi_stack"] / imports[REFERENCE], 1.0))
    print(
        "\n### Issue 18 targets (this run)\n\n| target | measured | limit | |\n|---|---:|---:|---|"
    )
    for what, measured, limit in checks:
        print(
            f"| {what} | {measured:.2f} | {limit:g} | {'met' if measured <= limit else 'MISSED'} |"
        )


def available(frameworks: Sequence[str]) -> list[str]:
    """The frameworks that import; the others are reported on stderr and left out."""
    found = []
    for framework in frameworks:
        try:
            framework_module(framework)
        except ImportError as exc:
            print(f"note: {framework} left out, it does not import: {exc}", file=sys.stderr)
        else:
            found.append(framework)
    return found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.framework", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--only", help="scenarios to run, e.g. S1,S3 (default: all)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="default: %(default)s")
    parser.add_argument(
        "--quick", action="store_true", help="a few seconds: tiny batches, for smoke tests"
    )
    parser.add_argument("--batches", type=int, help="batches per cell (default 41, quick 3)")
    parser.add_argument(
        "--batch-ms",
        type=float,
        help="length of the slowest framework's batch (default 15, quick 3)",
    )
    parser.add_argument(
        "--import-runs", type=int, help="fresh interpreters per framework (default 7, quick 1)"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall time, or this thread's CPU time (steadier on a busy machine); default: %(default)s",
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also time wsgi_stack as of this git commit, interleaved (e.g. HEAD~1)",
    )
    parser.add_argument(
        "--profile", metavar="SCENARIO", help="profile one scenario instead of the table"
    )
    parser.add_argument(
        "--framework", default="wsgi_stack", help="framework for --profile (default: %(default)s)"
    )
    parser.add_argument(
        "--requests", type=int, default=5000, help="requests under --profile (default: %(default)s)"
    )
    parser.add_argument(
        "--profile-import", metavar="FRAMEWORK", help="which modules its import spends time in"
    )
    parser.add_argument(
        "--top", type=int, default=25, help="rows of each profile table (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    args.batches = args.batches or (3 if args.quick else 41)
    args.batch_ms = args.batch_ms or (3.0 if args.quick else 15.0)
    args.import_runs = (
        args.import_runs if args.import_runs is not None else (1 if args.quick else 7)
    )
    try:
        args.scenarios = select(args.profile or args.only)
    except ValueError as exc:
        parser.error(str(exc))
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = set(args.frameworks + [args.framework]) - set(FRAMEWORKS)
    if unknown:
        parser.error(
            f"unknown framework(s) {', '.join(sorted(unknown))}; known: {', '.join(FRAMEWORKS)}"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile_import:
        profile_import(args.profile_import, args.top)
        return 0
    if args.profile:
        profile_cell(args.framework, args.scenarios[0], args.requests, args.top)
        return 0

    if args.against:
        from bench.revision import add_revision

        args.frameworks.insert(1, add_revision(args.against))
    global clock
    clock = CLOCKS[args.clock]
    frameworks = available(args.frameworks)
    if not frameworks:
        print("no framework imports; nothing to measure", file=sys.stderr)
        return 1
    scenarios = args.scenarios
    cells = {(fw, s.name): make_cell(fw, s) for s in scenarios for fw in frameworks}
    problems = check_equivalence(cells, frameworks)
    if problems:
        print("The frameworks do not answer alike; not timing them:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2

    print(
        f"Python {sys.version.split()[0]} on {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at start; {args.clock} clock; {args.batches} interleaved batches "
        f"of ~{args.batch_ms:g} ms per cell; answers checked equal across {', '.join(frameworks)}."
    )
    calls_n = 20 if args.quick else 300
    calls: dict[tuple[str, str], float] = {}
    harness_env = base_environ(scenarios[0])
    harness_us = statistics.median(time_batch(null_app, harness_env, b"", 2000) for _ in range(5))
    harness_n = harness_calls()
    for scenario in scenarios:
        row = [cells[fw, scenario.name] for fw in frameworks]
        for cell in row:  # warm up: first-call caches (templates, adapters, keys)
            run_requests(cell.app, cell.environ, cell.body, 50)
        n = batch_size(row, args.batch_ms)
        for round_number in range(args.batches):
            # A B C, then B C A, ...: every framework in turn, and none always first.
            start = round_number % len(row)
            for cell in row[start:] + row[:start]:
                cell.samples.append(time_batch(cell.app, cell.environ, cell.body, n))
        for cell in row:
            calls[cell.framework, scenario.name] = (
                total_calls(cell.app, cell.environ, cell.body, calls_n) - harness_n
            )
    importable = [fw for fw in frameworks if fw in IMPORT_STATEMENTS]
    imports = import_times(importable, args.import_runs) if args.import_runs > 0 else {}
    print_report(scenarios, frameworks, cells, calls, (harness_us, harness_n), imports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
