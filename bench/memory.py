"""Memory benchmark: resident size of a gunicorn worker as requests accumulate.

Each framework's app serving all five scenarios runs under gunicorn with one sync worker (so
every request lands in the process that is measured). A plain socket client sends S1..S5 in
turn, one connection per request as gunicorn's sync worker wants, and checks every answer is
a 200. The worker's ``VmRSS`` is read after a warm-up and at each checkpoint; a leak shows as
growth between checkpoints, which a healthy worker keeps near zero.

Run from the project root::

    python -m bench.memory                              # 10,000 and 100,000 requests
    python -m bench.memory --checkpoints 2000,20000 --frameworks wsgi_stack,flask
    python -m bench.memory --quick                      # a few seconds, for the smoke test
    python -m bench.memory --twitapp                    # and twitapp's mixed workload on SQLite
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from bench.apps import FRAMEWORKS, framework_module
from bench.scenarios import SCENARIOS
from bench.server import HOST, Server, gunicorn, rss_kib


class BadAnswer(RuntimeError):
    """The server answered something other than 200 OK."""


def send(port: int, payload: bytes) -> bytes:
    """Send one raw request on a new connection; return the whole answer."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def mixed_requests(server: Server) -> list[tuple[bytes, int]]:
    """One raw request per scenario; the session one carries the cookie the app issued."""
    requests = []
    for scenario in SCENARIOS.values():
        cookie = server.session_cookie(scenario.path) if scenario.uses_session else None
        requests.append((scenario.request_bytes(server.address, cookie), 200))
    return requests


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 if it is not one)."""
    head = answer[:12]
    return int(head[9:12]) if head.startswith(b"HTTP/1.") and head[9:12].isdigit() else 0


def drive(port: int, requests: list[tuple[bytes, int]], count: int, clients: int = 2) -> None:
    """Send ``count`` requests, cycling through ``requests`` (raw request, expected status).

    ``clients`` threads send at once, so that the worker has the next request waiting while
    a client reads the last answer (the sockets release the GIL).
    """

    def client(start: int) -> None:
        for i in range(start, count, clients):
            payload, expected = requests[i % len(requests)]
            answer = send(port, payload)
            if status_of(answer) != expected:
                raise BadAnswer(f"request {i}, expected {expected}: {answer[:300]!r}")

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client, start) for start in range(clients)]:
            future.result()


def measure(
    server: Server, requests: list[tuple[bytes, int]], warmup: int, checkpoints: Sequence[int]
) -> list[tuple[int, int, float]]:
    """RSS in KiB after the warm-up and at each checkpoint: ``(requests, kib, seconds)`` rows."""
    (worker,) = server.worker_pids()
    drive(server.port, requests, warmup)
    rows = [(warmup, rss_kib(worker), 0.0)]
    sent = warmup
    start = time.monotonic()
    for checkpoint in checkpoints:
        drive(server.port, requests, checkpoint - sent)
        sent = checkpoint
        rows.append((checkpoint, rss_kib(worker), time.monotonic() - start))
    if server.worker_pids() != [worker]:
        raise RuntimeError("the worker was replaced during the run")
    return rows


def measure_framework(
    framework: str, warmup: int, checkpoints: Sequence[int]
) -> list[tuple[int, int, float]]:
    """The framework's app with all five scenarios, driven by S1..S5 in turn."""
    env = {"BENCH_FRAMEWORK": framework, "BENCH_SCENARIOS": ""}
    with gunicorn(env=env, workers=1) as server:
        return measure(server, mixed_requests(server), warmup, checkpoints)


def measure_twitapp(
    warmup: int, checkpoints: Sequence[int], seed: tuple[int, int, int]
) -> list[tuple[int, int, float]]:
    """twitapp (``server:app``) on a freshly seeded SQLite file, driven by a signed-in user."""
    from bench import twitapp_load

    with tempfile.TemporaryDirectory(prefix="bench-twitapp-") as tmp:
        database = Path(tmp) / "twitapp.sqlite"
        usernames = twitapp_load.seed_sqlite(database, *seed)
        env = {"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": secrets.token_hex(32)}
        with gunicorn("server:app", env=env, workers=1) as server:
            return measure(
                server, twitapp_load.mixed_requests(server, usernames), warmup, checkpoints
            )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="default: %(default)s")
    parser.add_argument(
        "--checkpoints", help="request counts at which RSS is read (default 10000,100000)"
    )
    parser.add_argument(
        "--warmup", type=int, help="requests before the baseline reading (default 1000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="checkpoints 500,2000 after 100 warm-up requests"
    )
    parser.add_argument(
        "--twitapp", action="store_true", help="also twitapp's mixed workload (needs twitapp/)"
    )
    parser.add_argument(
        "--seed", default="1000,20000,20000",
        help="twitapp data: USERS,MESSAGES,FOLLOWS (default %(default)s; quick 100,1000,1000)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    default_checkpoints = "500,2000" if args.quick else "10000,100000"
    try:
        args.checkpoints = sorted(
            int(n) for n in (args.checkpoints or default_checkpoints).split(",")
        )
    except ValueError:
        parser.error("--checkpoints takes request counts, e.g. 10000,100000")
    args.warmup = args.warmup if args.warmup is not None else (100 if args.quick else 1000)
    if args.checkpoints[0] <= args.warmup:
        parser.error("every checkpoint must be above the warm-up count")
    if args.quick and args.seed == parser.get_default("seed"):
        args.seed = "100,1000,1000"
    try:
        users, messages, follows = (int(n) for n in args.seed.split(","))
    except ValueError:
        parser.error("--seed takes USERS,MESSAGES,FOLLOWS, e.g. 1000,20000,20000")
    args.seed = (users, messages, follows)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    if unknown := set(args.frameworks) - set(FRAMEWORKS):
        parser.error(f"unknown framework(s) {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"load average {os.getloadavg()[0]:.1f} at start; gunicorn, 1 sync worker; "
        f"RSS after {args.warmup:,} warm-up requests and at "
        f"{', '.join(f'{c:,}' for c in args.checkpoints)}."
    )
    header = ["app", f"RSS after warm-up ({args.warmup:,})"]
    header += [f"RSS at {c:,}" for c in args.checkpoints]
    header += [
        f"growth {args.checkpoints[0]:,} -> {args.checkpoints[-1]:,}",
        "req/s (client included)",
    ]
    print("\n| " + " | ".join(header) + " |\n|---|" + "---:|" * (len(header) - 1))
    status = 0
    runs: list[tuple[str, Callable[[], list[tuple[int, int, float]]]]] = []
    for framework in args.frameworks:
        try:
            framework_module(framework)
        except ImportError as exc:
            print(f"note: {framework} left out, it does not import: {exc}", file=sys.stderr)
            continue
        runs.append(
            (
                f"{framework} (S1..S5)",
                partial(measure_framework, framework, args.warmup, args.checkpoints),
            )
        )
    if args.twitapp:
        seed = "/".join(f"{n:,}" for n in args.seed)
        runs.append(
            (
                f"twitapp (mixed, users/messages/follows {seed})",
                partial(measure_twitapp, args.warmup, args.checkpoints, args.seed),
            )
        )
    for label, run in runs:
        try:
            rows = run()
        except BadAnswer as exc:
            print(f"error: {label}: {exc}", file=sys.stderr)
            status = 2
            continue
        cells = [label] + [f"{kib / 1024:.1f} MiB" for _, kib, _ in rows]
        growth = rows[-1][1] - rows[1][1]
        rate = (rows[-1][0] - rows[0][0]) / rows[-1][2]
        cells += [f"{growth:+,} KiB", f"{rate:,.0f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
