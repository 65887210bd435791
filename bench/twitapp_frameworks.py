"""twitapp on real Flask and on wsgi_stack: the same application, page by page.

twitapp imports only names Flask also has, so it runs on Flask unchanged when ``import
wsgi_stack`` finds a shim instead: a package of that name, made in a temporary folder for the
run and put first on ``sys.path`` of the Flask processes only (by :func:`use_framework`, at the
top of each such process: ``PYTHONPATH`` is not enough, since ``python -m`` and gunicorn put the
working directory, with the real ``wsgi_stack`` in it, before it), that re-exports Flask. Every
process checks which framework it got and refuses to run on the other one. (The
shim also carries wsgi_stack's ``compression`` module, an after-request step built on public
APIs, so both apps do the same work; requests here send no ``Accept-Encoding``, so nothing is
compressed anyway.) Both apps read copies of one seeded SQLite file and sign in as the same
user.

Pages: the public timeline, a user's timeline, the signed-in home timeline (HTML), and a
posted message (a form with its CSRF token; 302 to the home page).

In process, each framework lives in a child process of its own (both are imported as
``wsgi_stack``); the parent asks them in turn for one timed batch of one page (A B, B A, ...),
timed by each child's CPU clock, and reports medians and the median of per-round ratios.
Under gunicorn (2 sync workers each, ``--no-control-socket``), ``wrk`` loads the two servers
in turn, page by page. Run from the project root::

    python -m bench.twitapp_frameworks                 # both parts, a few minutes
    python -m bench.twitapp_frameworks --quick         # seconds: tiny data, short runs
    python -m bench.twitapp_frameworks --no-e2e        # in process only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.scenarios import SESSION_COOKIE, Scenario, call, make_environ

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("wsgi_stack", "flask")
SECRET_KEY = "bench-twitapp-secret-key-of-32-bytes-or-more"
POST_TEXT = "Benchmarking the timeline, one message at a time."


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    path: str
    status: int
    form: bool = False  # a POST carrying the message form and its CSRF token


def pages(usernames: Sequence[str]) -> list[Page]:
    """The pages measured, for the seeded users (the best-connected one is signed in)."""
    return [
        Page("public timeline", "GET", "/public", 200),
        Page("user timeline", "GET", f"/{usernames[-1]}", 200),
        Page("home timeline", "GET", "/", 200),
        Page("post a message", "POST", "/add_message", 302, form=True),
    ]


def make_shim(folder: Path) -> Path:
    """A package named ``wsgi_stack`` that is Flask; returns the folder to put on sys.path."""
    package = folder / "wsgi_stack"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""Flask under wsgi_stack\'s name, so twitapp runs on it unchanged (bench only)."""\n'
        "from flask import *  # noqa: F403\n"
        "from flask import Blueprint, Flask, Request, Response  # noqa: F401\n"
    )
    (package / "globals.py").write_text("from flask.globals import _cv_app, _cv_request  # noqa: F401\n")
    (package / "cli.py").write_text("from flask.cli import *  # noqa: F403\nfrom flask.cli import with_appcontext  # noqa: F401\n")
    shutil.copy(PROJECT_ROOT / "wsgi_stack" / "compression.py", package / "compression.py")
    return folder


def child_environment(framework: str, shim: Path) -> dict[str, str]:
    """The environment of a process that runs twitapp on ``framework``: read by
    :func:`use_framework` when the process starts (see :mod:`bench.twitapp_server`)."""
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "BENCH_TWITAPP_FRAMEWORK": framework,
        "BENCH_TWITAPP_SHIM": str(shim),
    }


def running_framework() -> str:
    """Which framework ``import wsgi_stack`` gives this process: ``flask`` through the shim,
    else ``wsgi_stack``."""
    import wsgi_stack

    return "flask" if wsgi_stack.Flask.__module__.startswith("flask") else "wsgi_stack"


def use_framework(framework: str, shim: str | Path) -> None:
    """Make ``import wsgi_stack`` give ``framework`` in this process, before anything imports it.

    For Flask the shim goes first on ``sys.path``: ``PYTHONPATH`` alone loses to the working
    directory, which ``python -m`` and gunicorn put in front and which holds the real package.
    Raises if the process ends up on the other framework.
    """
    if "wsgi_stack" in sys.modules:
        raise RuntimeError("wsgi_stack was imported before the framework was chosen")
    if framework == "flask":
        sys.path.insert(0, str(shim))
    running = running_framework()
    if running != framework:
        raise RuntimeError(f"asked for {framework}, but `import wsgi_stack` gives {running}")


# -- a signed-in user, over any transport ---------------------------------------------------


class WSGITransport:
    """``request(method, path, body, headers)`` against a WSGI app in this process, shaped like
    :meth:`bench.server.Server.request`, so :func:`bench.twitapp_load.sign_in` can use it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        answer = call(self.app, make_environ(method, path, body, headers), body)
        return int(answer.status.split()[0]), {k.lower(): v for k, v in answer.headers}, answer.body


def page_request(page: Page, cookie: str, csrf_token: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of ``page``'s request for the signed-in user."""
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", "Accept": "text/html"}
    body = b""
    if page.form:
        body = urlencode({"text": POST_TEXT, "csrf_token": csrf_token}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers, body


# -- in process: one child per framework ----------------------------------------------------


def child(database: str, usernames: list[str], clock: str) -> None:
    """Serve the parent's commands on stdin/stdout: ``check``, or ``PAGE_INDEX N`` (time N requests).
    The environment says which framework (:func:`child_environment`)."""
    import time

    use_framework(os.environ["BENCH_TWITAPP_FRAMEWORK"], os.environ["BENCH_TWITAPP_SHIM"])

    from bench import twitapp_load
    from bench.framework import run_requests
    from twitapp import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET_KEY})
    user = twitapp_load.sign_in(WSGITransport(app), usernames[0])
    requests = []
    for page in pages(usernames):
        headers, body = page_request(page, user.cookie, user.csrf_token)
        requests.append((make_environ(page.method, page.path, body, headers), body))
    timer = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}[clock]
    for line in sys.stdin:
        command = line.split()
        if command[0] == "check":
            answers = []
            for environ, body in requests:
                answer = call(app, environ, body)
                answers.append([answer.status, answer.header("Content-Type"), len(answer.body)])
            reply: Any = {"framework": running_framework(), "app": type(app).__module__, "answers": answers}
        else:
            environ, body = requests[int(command[0])]
            n = int(command[1])
            start = timer()
            run_requests(app, environ, body, n)
            reply = (timer() - start) / n / 1000
        print(json.dumps(reply), flush=True)


@contextlib.contextmanager
def children(
    shim: Path, databases: dict[str, Path], usernames: list[str], clock: str
) -> Iterator[dict[str, subprocess.Popen[str]]]:
    procs = {}
    try:
        for framework in FRAMEWORKS:
            procs[framework] = subprocess.Popen(
                [sys.executable, "-m", "bench.twitapp_frameworks", "--child", str(databases[framework]),
                 "--users", ",".join(usernames), "--clock", clock],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
                env=child_environment(framework, shim),
            )  # fmt: skip
        yield procs
    finally:
        for proc in procs.values():
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ask(proc: subprocess.Popen[str], command: str) -> Any:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the benchmark child stopped (exit {proc.wait()})")
    return json.loads(line)


def in_process(shim: Path, databases: dict[str, Path], usernames: list[str], args: argparse.Namespace) -> None:
    measured = pages(usernames)
    with children(shim, databases, usernames, args.clock) as procs:
        checks = {fw: ask(proc, "check") for fw, proc in procs.items()}
        for framework, check in checks.items():
            if check["framework"] != framework:
                raise RuntimeError(f"the {framework} child runs {check['framework']} ({check['app']})")
        answers = {fw: check["answers"] for fw, check in checks.items()}
        for index, page in enumerate(measured):
            statuses = {fw: answers[fw][index][0] for fw in FRAMEWORKS}
            if any(int(s.split()[0]) != page.status for s in statuses.values()):
                raise RuntimeError(f"{page.name}: statuses {statuses}, want {page.status}")
        samples: dict[tuple[str, int], list[float]] = {}
        for index in range(len(measured)):
            for proc in procs.values():  # warm-up, and the batch size from the slower one
                ask(proc, f"{index} 20")
            slowest = max(ask(proc, f"{index} 20") for proc in procs.values())
            n = max(3, int(args.batch_ms * 1000 / slowest))
            for round_number in range(args.batches):
                order = list(FRAMEWORKS) if round_number % 2 == 0 else list(reversed(FRAMEWORKS))
                for framework in order:
                    samples.setdefault((framework, index), []).append(
                        ask(procs[framework], f"{index} {n}")
                    )
    print(
        f"\n### twitapp in process ({args.clock} clock, {args.batches} interleaved batches of "
        f"~{args.batch_ms:g} ms per cell, one child process per framework)\n"
    )
    print("Apps checked: " + ", ".join(f"{fw} child runs {c['app']}.Flask" for fw, c in checks.items()) + "\n")
    print("| page | wsgi_stack µs | Flask µs | wsgi_stack / Flask | bytes (wsgi_stack, Flask) |")
    print("|---|---:|---:|---:|---:|")
    for index, page in enumerate(measured):
        ours, theirs = samples["wsgi_stack", index], samples["flask", index]
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        print(
            f"| {page.name} `{page.method} {page.path}` | {statistics.median(ours):.0f} | "
            f"{statistics.median(theirs):.0f} | {ratio:.2f}x | "
            f"{answers['wsgi_stack'][index][2]}, {answers['flask'][index][2]} |"
        )


# -- under gunicorn ---------------------------------------------------------------------------


def under_gunicorn(shim: Path, databases: dict[str, Path], usernames: list[str], args: argparse.Namespace) -> None:
    from bench import twitapp_load
    from bench.e2e import run_wrk
    from bench.server import gunicorn

    measured = pages(usernames)
    results: dict[tuple[str, int], list[Any]] = {}
    with contextlib.ExitStack() as stack:
        targets = {}
        for framework in FRAMEWORKS:
            env = child_environment(framework, shim)
            env.update(DATABASE_URL=f"sqlite:///{databases[framework]}", SECRET_KEY=SECRET_KEY)
            # bench.twitapp_server refuses to load on the other framework, so a worker that
            # would run the wrong one never boots and gunicorn fails to start.
            server = stack.enter_context(gunicorn("bench.twitapp_server:app", env=env, workers=args.workers))
            user = twitapp_load.sign_in(server, usernames[0])
            targets[framework] = (server, user)
        for index, page in enumerate(measured):
            scenarios = {}
            for framework, (server, user) in targets.items():
                headers, body = page_request(page, user.cookie, user.csrf_token)
                content_type = headers.get("Content-Type")
                scenarios[framework] = (
                    Scenario(page.name, page.name, page.method, page.path, body, content_type),
                    user.cookie,
                )
                status, _, _ = server.request(page.method, page.path, body, headers)
                if status != page.status:
                    raise RuntimeError(f"{framework} {page.name}: {status}, want {page.status}")
                run_wrk(server, scenarios[framework][0], user.cookie, args.warmup, 2, args.connections)
            for round_number in range(args.rounds):
                order = list(FRAMEWORKS) if round_number % 2 == 0 else list(reversed(FRAMEWORKS))
                for framework in order:
                    server, _ = targets[framework]
                    scenario, cookie = scenarios[framework]
                    results.setdefault((framework, index), []).append(
                        run_wrk(server, scenario, cookie, args.seconds, 2, args.connections)
                    )
    print(
        f"\n### twitapp under gunicorn ({args.workers} sync workers each, wrk -t2 -c{args.connections} "
        f"-d{args.seconds:g}s, {args.rounds} interleaved rounds)\n"
    )
    print("| page | wsgi_stack req/s | Flask req/s | wsgi_stack / Flask | p99 ms (wsgi_stack, Flask) | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for index, page in enumerate(measured):
        ours, theirs = results["wsgi_stack", index], results["flask", index]
        ratio = statistics.median(
            a.requests_per_second / b.requests_per_second for a, b in zip(ours, theirs, strict=True)
        )
        errors = sum(r.socket_errors + r.non_2xx for r in ours + theirs)
        print(
            f"| {page.name} `{page.method} {page.path}` | "
            f"{statistics.median(r.requests_per_second for r in ours):.0f} | "
            f"{statistics.median(r.requests_per_second for r in theirs):.0f} | {ratio:.2f}x | "
            f"{statistics.median(r.p99_ms for r in ours):.1f}, "
            f"{statistics.median(r.p99_ms for r in theirs):.1f} | {errors} |"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.twitapp_frameworks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data and short runs, for the smoke test")
    parser.add_argument("--no-e2e", action="store_true", help="skip the gunicorn part")
    parser.add_argument("--no-in-process", action="store_true", help="skip the in-process part")
    parser.add_argument("--seed", default="300,30000,6000", help="USERS,MESSAGES,FOLLOWS (default %(default)s)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="in process (default %(default)s)")
    parser.add_argument("--batches", type=int, default=21, help="in process, per page (default %(default)s)")
    parser.add_argument("--batch-ms", type=float, default=30.0, help="in process (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="gunicorn rounds per page (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=1.0, help="wrk seconds before measuring (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--child", metavar="DATABASE", help=argparse.SUPPRESS)
    parser.add_argument("--users", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.seed, args.batches, args.batch_ms = "40,400,200", 3, 5.0
        args.rounds, args.seconds, args.warmup = 1, 1.0, 1.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(args.child, args.users.split(","), args.clock)
        return 0
    from bench import twitapp_load

    with tempfile.TemporaryDirectory(prefix="bench-twitapp-frameworks-") as tmp:
        folder = Path(tmp)
        shim = make_shim(folder / "shim")
        seeded = folder / "seeded.sqlite"
        users, messages, follows = (int(n) for n in args.seed.split(","))
        usernames = twitapp_load.seed_sqlite(seeded, users, messages, follows)
        print(
            f"twitapp on SQLite ({users} users, {messages} messages, {follows} follows), signed in "
            f"as {usernames[0]}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} at start"
        )

        def copies(part: str) -> dict[str, Path]:
            result = {}
            for framework in FRAMEWORKS:
                result[framework] = folder / f"{part}-{framework}.sqlite"
                shutil.copy(seeded, result[framework])
            return result

        if not args.no_in_process:
            in_process(shim, copies("in-process"), usernames, args)
        if not args.no_e2e:
            under_gunicorn(shim, copies("gunicorn"), usernames, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
