"""Compression benchmark: bytes and µs of gzip on twitapp's timelines.

twitapp runs on a fresh SQLite file with seed data (``--users`` users, ``--messages``
messages, each user following ``--follows`` others); one user is logged in. For the home,
public and a user's timeline, as HTML and as JSON (a full page of 30 messages each), three
ways of serving the same page are timed in interleaved rounds, through the whole stack
(``create_app`` + test client):

* ``off``: ``COMPRESS=False``, the plain app;
* ``on, plain``: ``Compress`` switched on, the client sends no ``Accept-Encoding`` (the
  step decides and adds ``Vary``, nothing else);
* ``on, gzip``: switched on, ``Accept-Encoding: gzip, deflate, br`` (what browsers send).

Each cell is the median over rounds of the mean µs per request in a round. The page's bytes
are shown plain and gzipped. On a busy machine the whole-stack figures move by more than the
step costs, so a second table times the step alone (``compress_response`` on each page, for a
browser and for a client without Accept-Encoding), and a third ``gzip.compress`` alone at
levels 1, 6 (the default) and 9: bytes and µs.

A last table is the in-process benchmark's S1 ("Hello, World!", ``bench.framework``'s
harness) in one run: wsgi_stack as it is (compression off: nothing registered), wsgi_stack
with ``Compress`` on (the body is too small, so this is the cost of deciding), Flask and raw
Werkzeug, interleaved batches, µs and the ratio to Flask.

Run from the project root::

    python -m bench.compression
    python -m bench.compression --quick       # seconds, for the smoke test
"""

from __future__ import annotations

import argparse
import gzip
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from io import StringIO
from pathlib import Path
from typing import Any

BROWSER_ENCODINGS = "gzip, deflate, br"
PAGES = {"home": "/", "public": "/public", "user": None}  # the user page is picked from the data
KINDS = {"html": "text/html", "json": "application/json"}
MODES = ("off", "on, plain", "on, gzip")


def _fast_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def build(url: str, compress: bool) -> Any:
    from twitapp import create_app

    return create_app({
        "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "CSRF_ENABLED": False,
        "CREATE_SCHEMA": False, "TESTING": True, "COMPRESS": compress,
    })  # fmt: skip


def logged_in_client(app: Any, username: str) -> Any:
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": "password"})
    if answer.status_code not in (302, 303):
        raise AssertionError(f"login as {username} answered {answer.status_code}")
    client.get("/")  # consumes the login flash, so every timed page is the same
    return client


def seed_database(url: str, args: argparse.Namespace) -> tuple[str, str]:
    """Fill the database; return (who logs in, whose page is the user timeline)."""
    from twitapp import db
    from twitapp.seed import seed

    db.ensure_schema(url)
    conn = db.Connection(url)
    try:
        seed(conn, args.users, args.messages, args.users * args.follows, out=StringIO(), hasher=_fast_hash)
        busiest = conn.query(
            "SELECT u.username FROM user u JOIN message m ON m.author_id = u.user_id"
            " GROUP BY u.username ORDER BY COUNT(*) DESC LIMIT 1"
        )[0]["username"]
        follower = conn.query(
            "SELECT u.username FROM user u JOIN follower f ON f.who_id = u.user_id"
            " GROUP BY u.username ORDER BY COUNT(*) DESC LIMIT 1"
        )[0]["username"]
    finally:
        conn.close()
        db.close_thread_connections()
    return follower, busiest


Samples = dict[tuple[str, str, str], list[float]]
Bodies = dict[tuple[str, str], tuple[bytes, bytes]]


def measure(args: argparse.Namespace) -> tuple[Samples, Bodies]:
    """µs samples per (page, kind, mode) and each page's (plain, gzip) bodies."""
    samples: Samples = {}
    bodies: Bodies = {}
    with tempfile.TemporaryDirectory(prefix="bench-compression-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'compression.sqlite'}"
        who, author = seed_database(url, args)
        paths = {**PAGES, "user": f"/{author}"}
        clients = {
            "off": logged_in_client(build(url, compress=False), who),
            "on": logged_in_client(build(url, compress=True), who),
        }
        calls: dict[str, Callable[[str, str], Any]] = {
            "off": lambda p, a: clients["off"].get(p, headers={"Accept": a}),
            "on, plain": lambda p, a: clients["on"].get(p, headers={"Accept": a}),
            "on, gzip": lambda p, a: clients["on"].get(
                p, headers={"Accept": a, "Accept-Encoding": BROWSER_ENCODINGS}
            ),
        }
        for page, path in paths.items():
            for kind, accept in KINDS.items():
                answers = {mode: calls[mode](path, accept) for mode in MODES}
                plain = answers["on, plain"].get_data()
                if answers["on, gzip"].headers.get("Content-Encoding") != "gzip":
                    raise AssertionError(f"{path} ({kind}) was not compressed")
                if gzip.decompress(answers["on, gzip"].get_data()) != plain:
                    raise AssertionError(f"{path} ({kind}): the gzip body is not the plain one")
                bodies[(page, kind)] = (plain, answers["on, gzip"].get_data())
                clock = time.thread_time if args.clock == "cpu" else time.perf_counter
                for _ in range(args.rounds):
                    for mode in MODES:  # interleaved: drift hits every mode alike
                        started = clock()
                        for _ in range(args.requests):
                            calls[mode](path, accept)
                        elapsed = clock() - started
                        samples.setdefault((page, kind, mode), []).append(elapsed / args.requests * 1e6)
    return samples, bodies


def step_table(bodies: Bodies, repeat: int) -> list[str]:
    """The compression step alone on each page: µs of ``compress_response`` for a browser, and
    for a client that sends no Accept-Encoding (the decision only), over making the response."""
    from wsgi_stack import Flask, Response
    from wsgi_stack.compression import compress_response

    app = Flask("bench_compression")
    rows = ["| page | step, gzip µs | step, plain µs |", "|---|---:|---:|"]
    for (page, kind), (body, _) in bodies.items():
        mimetype = KINDS[kind]
        cells = []
        for encoding in (BROWSER_ENCODINGS, None):
            headers = {"Accept-Encoding": encoding} if encoding else {}
            with app.test_request_context("/", headers=headers) as ctx:
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    Response(body, mimetype=mimetype)
                    made = time.perf_counter()
                    compress_response(Response(body, mimetype=mimetype), ctx.request)
                    done = time.perf_counter()
                    times.append(((done - made) - (made - started)) * 1e6)
            cells.append(f"{statistics.median(times):.0f}")
        rows.append(f"| {page} {kind} | " + " | ".join(cells) + " |")
    return rows


def level_table(bodies: Bodies, repeat: int) -> list[str]:
    rows = ["| page | plain bytes | " + " | ".join(f"level {lv}: bytes / µs" for lv in (1, 6, 9)) + " |",
            "|---|---:|" + "---:|" * 3]
    for (page, kind), (body, _) in bodies.items():
        cells = []
        for level in (1, 6, 9):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                packed = gzip.compress(body, compresslevel=level, mtime=0)
                times.append((time.perf_counter() - started) * 1e6)
            cells.append(f"{len(packed):,} / {statistics.median(times):.0f}")
        rows.append(f"| {page} {kind} | {len(body):,} | " + " | ".join(cells) + " |")
    return rows


def s1_table(batches: int) -> list[str]:
    """S1 with compression off and on, beside Flask and Werkzeug, in one interleaved run."""
    from bench.apps import build_app
    from bench.framework import time_batch
    from bench.scenarios import base_environ, call, select
    from wsgi_stack.compression import Compress

    scenario = select("S1")[0]
    with_compression = build_app("wsgi_stack", ["S1"])
    Compress(with_compression)  # type: ignore[arg-type]
    apps = {
        "wsgi_stack, compression off": build_app("wsgi_stack", ["S1"]),
        "wsgi_stack, compression on": with_compression,
        "flask": build_app("flask", ["S1"]),
        "werkzeug": build_app("werkzeug", ["S1"]),
    }
    environ = base_environ(scenario)
    environ["HTTP_ACCEPT_ENCODING"] = BROWSER_ENCODINGS
    answers = {name: call(app, environ).body for name, app in apps.items()}
    if len(set(answers.values())) != 1:
        raise AssertionError(f"S1 answers differ: {answers}")
    timings: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(batches):
        for name, app in apps.items():
            timings[name].append(time_batch(app, environ, b"", 300))
    flask = statistics.median(timings["flask"])
    rows = ["| S1 | µs | / Flask |", "|---|---:|---:|"]
    for name, values in timings.items():
        rows.append(f"| {name} | {statistics.median(values):.1f} | {statistics.median(values) / flask:.2f} |")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compression", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--follows", type=int, default=30, help="follows per user (default 30)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=20, help="requests per mode in a round")
    parser.add_argument("--batches", type=int, default=41, help="S1 batches per app (default 41)")
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall",
        help="whole-stack rounds in wall time, or this thread's CPU time (steadier on a busy machine)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny data, few rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.messages, args.follows, args.rounds, args.requests = 40, 400, 5, 2, 2
        args.batches = 3

    samples, bodies = measure(args)
    print(f"### twitapp timelines, {args.messages:,} messages: bytes and µs per request "
          f"({args.clock} time, median of {args.rounds} rounds of {args.requests})\n")
    print("| page | plain bytes | gzip bytes | ratio | off µs | on, plain µs | on, gzip µs | gzip cost µs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (page, kind), (body, packed_body) in bodies.items():
        med = {mode: statistics.median(samples[(page, kind, mode)]) for mode in MODES}
        packed = len(packed_body)
        print(f"| {page} {kind} | {len(body):,} | {packed:,} | {packed / len(body):.2f} | "
              f"{med['off']:.0f} | {med['on, plain']:.0f} | {med['on, gzip']:.0f} | "
              f"{med['on, gzip'] - med['off']:+.0f} |")
    print("\n### The compression step alone (compress_response, median µs over making the response)\n")
    print("\n".join(step_table(bodies, repeat=5 if args.quick else 300)))
    print("\n### gzip.compress alone on the same pages\n")
    print("\n".join(level_table(bodies, repeat=5 if args.quick else 200)))
    print(f"\n### S1 in-process with a browser's Accept-Encoding (median of {args.batches} batches)\n")
    print("\n".join(s1_table(args.batches)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
