"""Timelines benchmark: twitapp's three timelines as the message table grows, against
MiniTwit's schema and queries on the same data.

For each backend (SQLite file, MariaDB database of its own), one database is filled with
twitapp's seed data: ``--users`` users and ``--follows`` follow pairs (10,000 users following
about 125 each by default), then messages are appended up to each ``--sizes`` step (10
thousand, 100 thousand, 1 million). At each step the same rows are copied into MiniTwit-shaped
tables (``minitwit_user``, ``minitwit_follower``, ``minitwit_message``: MiniTwit's columns,
primary keys, no other index), and measured:

* twitapp's queries (its own ``twitapp.db.Connection`` methods) for the public, a user's and
  the home timeline, for random users: p50 and p99 in ms;
* MiniTwit's three queries, verbatim but for the table names, on the copy (fewer samples:
  they scan the table);
* the same pages through the whole stack (``create_app`` + ``test_client``), HTML and JSON.

Each step also checks that twitapp and MiniTwit return the same first page (same message ids),
so the comparison is between two ways of getting one answer. Messages get increasing
``pub_date`` with their id, as in real use, which is what makes the answers equal.

Run from the project root::

    python -m bench.timelines                           # both backends, 10k/100k/1M (long)
    python -m bench.timelines --backends sqlite --sizes 10000,100000
    python -m bench.timelines --quick                   # seconds, SQLite, for the smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

PAGE = 30
# MiniTwit's tables: its columns and primary keys, none of its queries' indexes (it had none).
MINITWIT_SCHEMA = {
    "sqlite": [
        "CREATE TABLE minitwit_user (user_id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " username TEXT NOT NULL, email TEXT NOT NULL, pw_hash TEXT NOT NULL)",
        "CREATE TABLE minitwit_follower (who_id INTEGER, whom_id INTEGER)",
        "CREATE TABLE minitwit_message (message_id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " author_id INTEGER NOT NULL, text TEXT NOT NULL, pub_date INTEGER)",
    ],
    "mysql": [
        "CREATE TABLE minitwit_user (user_id INTEGER PRIMARY KEY AUTO_INCREMENT,"
        " username VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL,"
        " pw_hash VARCHAR(255) NOT NULL)",
        "CREATE TABLE minitwit_follower (who_id INTEGER, whom_id INTEGER)",
        "CREATE TABLE minitwit_message (message_id INTEGER PRIMARY KEY AUTO_INCREMENT,"
        " author_id INTEGER NOT NULL, text VARCHAR(280) NOT NULL, pub_date INTEGER)",
    ],
}
# MiniTwit's queries (Flask's examples/minitwit), its table names prefixed.
MINITWIT_PUBLIC = (
    "select minitwit_message.*, minitwit_user.* from minitwit_message, minitwit_user"
    " where minitwit_message.author_id = minitwit_user.user_id"
    " order by minitwit_message.pub_date desc limit ?"
)
MINITWIT_USER = (
    "select minitwit_message.*, minitwit_user.* from minitwit_message, minitwit_user"
    " where minitwit_user.user_id = minitwit_message.author_id and minitwit_user.user_id = ?"
    " order by minitwit_message.pub_date desc limit ?"
)
MINITWIT_HOME = (
    "select minitwit_message.*, minitwit_user.* from minitwit_message, minitwit_user"
    " where minitwit_message.author_id = minitwit_user.user_id and ("
    " minitwit_user.user_id = ? or"
    " minitwit_user.user_id in (select whom_id from minitwit_follower where who_id = ?))"
    " order by minitwit_message.pub_date desc limit ?"
)
_WORDS = "the a coffee code bug fix release timeline cache index query follow home public".split()


@dataclass
class Figures:
    """Latency samples in ms, keyed by (timeline, variant) per size."""

    samples: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)

    def add(self, size: int, what: str, variant: str, ms: float) -> None:
        self.samples.setdefault((size, what, variant), []).append(ms)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank), 0 < p <= 100."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    """A ``DATABASE_URL`` for an empty database of its own, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-timelines-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'timelines.sqlite'}"
    else:
        from tests.support.mariadb import temporary_database

        with temporary_database("bench_timelines") as url:
            # twitapp's default read timeout (10 s) would cut MiniTwit's scans short, and
            # whatever is slow should be measured, not turned into an error.
            yield f"{url}?read_timeout=600"


def append_messages(
    conn: Any, authors: Sequence[int], first_pub_date: int, count: int, rng: random.Random
) -> None:
    """Append ``count`` messages whose ``pub_date`` grows with their id, authors skewed as
    twitapp's seed skews them (a few prolific, a long tail)."""
    batch: list[tuple[int, str, int]] = []
    for index in range(count):
        author = authors[int(len(authors) * rng.random() ** 2)]
        text = " ".join(rng.choices(_WORDS, k=rng.randint(3, 20)))
        batch.append((author, text, first_pub_date + index))
        if len(batch) == 2000:
            conn.insert_rows("message", ("author_id", "text", "pub_date"), batch)
            batch = []
    conn.insert_rows("message", ("author_id", "text", "pub_date"), batch)
    conn.commit()


def copy_to_minitwit(conn: Any, backend: str, first: bool) -> None:
    """Bring the MiniTwit-shaped tables up to date with twitapp's (new messages only)."""
    if first:
        for statement in MINITWIT_SCHEMA["mysql" if backend == "mariadb" else "sqlite"]:
            conn.write(statement)
        conn.write(
            "INSERT INTO minitwit_user (user_id, username, email, pw_hash)"
            " SELECT user_id, username, email, pw_hash FROM user"
        )
        conn.write("INSERT INTO minitwit_follower SELECT who_id, whom_id FROM follower")
    copied = conn.query_one("SELECT COALESCE(MAX(message_id), 0) AS top FROM minitwit_message")
    conn.write(
        "INSERT INTO minitwit_message (message_id, author_id, text, pub_date)"
        " SELECT message_id, author_id, text, pub_date FROM message WHERE message_id > ?",
        (int(copied["top"]),),
    )
    conn.commit()


def sample(
    figures: Figures,
    size: int,
    what: str,
    variant: str,
    count: int,
    budget: float,
    run: Callable[[int], Any],
) -> None:
    """Time ``run(i)`` for i in ``range(count)``, stopping early once ``budget`` seconds are
    spent (after at least 3 samples): a table scan at a million rows must not take an hour."""
    started = time.monotonic()
    for i in range(count):
        ms, _ = timed(lambda i=i: run(i))
        figures.add(size, what, variant, ms)
        if i >= 2 and time.monotonic() - started > budget:
            break


def measure_queries(
    conn: Any,
    size: int,
    figures: Figures,
    rng: random.Random,
    users: Sequence[int],
    args: argparse.Namespace,
) -> None:
    """twitapp's and MiniTwit's timelines at this size; checks they agree on the page."""
    from twitapp import db

    before = db.NO_CURSOR
    chosen = [rng.choice(users) for _ in range(args.samples)]
    ours: dict[str, Callable[[int], list[dict[str, Any]]]] = {
        "public": lambda user: conn.public_timeline(before, PAGE),
        "user": lambda user: conn.user_timeline(user, before, PAGE),
        "home": lambda user: conn.home_timeline(user, before, PAGE),
    }
    theirs: dict[str, Callable[[int], list[dict[str, Any]]]] = {
        "public": lambda user: conn.query(MINITWIT_PUBLIC, (PAGE,)),
        "user": lambda user: conn.query(MINITWIT_USER, (user, PAGE)),
        "home": lambda user: conn.query(MINITWIT_HOME, (user, user, PAGE)),
    }
    for what in ours:
        sample(
            figures,
            size,
            what,
            "twitapp",
            args.samples,
            args.budget,
            lambda i, w=what: ours[w](chosen[i]),
        )

        # Timed: MiniTwit's query alone; twitapp's page is fetched (untimed) to compare.
        started = time.monotonic()
        for i in range(args.minitwit_samples):
            ms, rows = timed(lambda w=what, u=chosen[i]: theirs[w](u))
            figures.add(size, what, "minitwit", ms)
            mine = [int(r["message_id"]) for r in ours[what](chosen[i])]
            if [int(r["message_id"]) for r in rows] != mine:
                raise AssertionError(
                    f"{what} timeline of user {chosen[i]} at {size:,}: "
                    f"twitapp {mine[:5]}... != MiniTwit "
                    f"{[int(r['message_id']) for r in rows][:5]}..."
                )
            if i >= 2 and time.monotonic() - started > args.budget:
                break


def measure_pages(
    url: str,
    size: int,
    figures: Figures,
    rng: random.Random,
    users: Sequence[int],
    usernames: dict[int, str],
    args: argparse.Namespace,
) -> None:
    """The timelines through the whole stack (twitapp on wsgi_stack, test client)."""
    from twitapp import create_app

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "CSRF_ENABLED": False,
            "CREATE_SCHEMA": False,
            "TESTING": True,
        }
    )
    client = app.test_client()
    user = rng.choice(users)
    login = client.post("/login", data={"username": usernames[user], "password": "password"})
    if login.status_code not in (302, 303):
        raise AssertionError(f"login as {usernames[user]} answered {login.status_code}")
    client.get("/")  # consumes the login flash
    authors = [usernames[rng.choice(users)] for _ in range(args.page_samples)]
    for what in ("home", "public", "user"):
        for variant, accept in (("html page", "text/html"), ("json page", "application/json")):

            def get(i: int, w: str = what, a: str = accept) -> None:
                path = {"home": "/", "public": "/public", "user": f"/{authors[i]}"}[w]
                response = client.get(path, headers={"Accept": a})
                if response.status_code != 200:
                    raise AssertionError(f"GET {path} ({a}) answered {response.status_code}")

            sample(figures, size, what, variant, args.page_samples, args.budget, get)


def run_backend(backend: str, args: argparse.Namespace) -> Figures:
    from twitapp import db
    from twitapp.seed import seed

    figures = Figures()
    rng = random.Random(7)
    with database(backend) as url:
        db.ensure_schema(url)
        conn = db.Connection(url)
        try:
            started = time.monotonic()
            seed(conn, args.users, 0, args.follows, out=StringIO(), hasher=_fast_hash)
            users = conn.user_ids()
            usernames = {
                int(r["user_id"]): r["username"]
                for r in conn.query("SELECT user_id, username FROM user")
            }
            print(
                f"  {backend}: {len(users):,} users, {conn.count('follower'):,} follows "
                f"in {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            have = 0
            base_date = int(time.time()) - 10 * max(args.sizes)
            for step, size in enumerate(args.sizes):
                started = time.monotonic()
                append_messages(conn, users, base_date + have, size - have, rng)
                have = size
                copy_to_minitwit(conn, backend, first=step == 0)
                print(
                    f"  {backend}: {size:,} messages ready in {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                measure_queries(conn, size, figures, rng, users, args)
                measure_pages(url, size, figures, rng, users, usernames, args)
        finally:
            conn.close()
            db.close_thread_connections()
    return figures


def _fast_hash(password: str) -> str:
    """The seed's users log in with 'password'; pbkdf2 with few rounds keeps seeding quick."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def print_tables(backend: str, figures: Figures, sizes: Sequence[int]) -> None:
    variants = ("twitapp", "minitwit", "html page", "json page")
    print(f"\n### {backend}: p50 / p99 in ms ({PAGE} messages a page)\n")
    print("| timeline | messages | " + " | ".join(variants) + " | MiniTwit p50 / twitapp p50 |")
    print("|---|---:|" + "---:|" * (len(variants) + 1))
    for what in ("public", "user", "home"):
        for size in sizes:
            cells = []
            for variant in variants:
                values = figures.samples.get((size, what, variant))
                cells.append(
                    f"{statistics.median(values):.2f} / {percentile(values, 99):.2f}"
                    if values
                    else "-"
                )
            ours = figures.samples.get((size, what, "twitapp"))
            theirs = figures.samples.get((size, what, "minitwit"))
            speedup = "-"
            if ours and theirs:
                times = statistics.median(theirs) / statistics.median(ours)
                speedup = f"{times:,.0f}x" if times >= 10 else f"{times:.2f}x"
            print(f"| {what} | {size:,} | " + " | ".join(cells) + f" | {speedup} |")
    print(f"\nGrowth of twitapp's p99 from {sizes[0]:,} to {sizes[-1]:,} messages:")
    for what in ("public", "user", "home"):
        first = percentile(figures.samples[(sizes[0], what, "twitapp")], 99)
        last = percentile(figures.samples[(sizes[-1], what, "twitapp")], 99)
        print(f"- {what}: {last / first:.2f}x ({first:.2f} -> {last:.2f} ms)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.timelines", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--backends", default="sqlite,mariadb", help="default: %(default)s")
    parser.add_argument("--sizes", help="message counts (default 10000,100000,1000000)")
    parser.add_argument("--users", type=int, help="default 10000")
    parser.add_argument("--follows", type=int, help="follow pairs in all (default 1250000)")
    parser.add_argument("--samples", type=int, help="twitapp queries per timeline and size (200)")
    parser.add_argument("--minitwit-samples", type=int, help="MiniTwit queries, at most (10)")
    parser.add_argument(
        "--budget", type=float, default=30.0,
        help="seconds per timeline, variant and size after which sampling stops (at least 3)",
    )  # fmt: skip
    parser.add_argument("--page-samples", type=int, help="whole-stack requests per page (30)")
    parser.add_argument("--quick", action="store_true", help="tiny data, SQLite, for smoke tests")
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = sorted(
        int(n) for n in (args.sizes or ("500,2000" if quick else "10000,100000,1000000")).split(",")
    )
    args.users = args.users or (50 if quick else 10_000)
    args.follows = args.follows if args.follows is not None else (500 if quick else 1_250_000)
    args.samples = args.samples or (5 if quick else 200)
    args.minitwit_samples = args.minitwit_samples or (3 if quick else 10)
    args.page_samples = args.page_samples or (2 if quick else 30)
    if quick and args.backends == parser.get_default("backends"):
        args.backends = "sqlite"
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - {"sqlite", "mariadb"}:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: sqlite or mariadb")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"load average {os.getloadavg()[0]:.1f} at start; {args.users:,} users, "
        f"{args.follows:,} follow pairs; sizes {', '.join(f'{s:,}' for s in args.sizes)}; "
        f"{args.samples} twitapp samples, at most {args.minitwit_samples} MiniTwit samples, "
        f"{args.page_samples} page samples per timeline and size."
    )
    for backend in args.backends:
        if backend == "mariadb":
            from tests.support.mariadb import server_available

            ok, why = server_available()
            if not ok:
                print(f"error: {why}", file=sys.stderr)
                return 1
        print_tables(backend, run_backend(backend, args), args.sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
