"""Load twitapp under gunicorn with simulated users, optionally break its database, and audit.

    .venv/bin/python -m tests.load.run                     # 40 users, 120 s, on the shared MariaDB
    .venv/bin/python -m tests.load.run --users 60 --seconds 300 --max-requests 200000
    .venv/bin/python -m tests.load.run --faults            # a private MariaDB, stopped and crashed
    .venv/bin/python -m tests.load.run --servers 2         # two gunicorns, one database

Each run gets a database of its own: a new one on the shared server (127.0.0.1:3306, or
``TEST_MYSQL_URL``) that is dropped afterwards, or with ``--faults`` a private ``mariadbd`` in
a temporary directory that is removed afterwards. ``--database-url`` uses a database you give
(its tables are re-created). Servers and traffic stay on 127.0.0.1.

The exit status is 0 when the run held: no 5xx other than the outages' 503s, every request
answered, every acknowledged write stored exactly once, no worker crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.live_server import WORKERS, running_server
from tests.support.mariadb import temporary_database
from tests.support.mariadb_instance import private_server

from . import faults
from .workload import Budget, run_load, audit

#: Timeouts the app is given on the private server: a stalled query ends well before
#: gunicorn's 30 s worker timeout would kill the worker.
READ_TIMEOUT = 3
CONNECT_TIMEOUT = 2


def fault_schedule(instance: object, base_url: str, every: float, down_for: float,
                   reports: list[faults.OutageReport]) -> Callable[[Budget], None]:
    """Outages, alternately a graceful stop and a crash, every ``every`` s of the run."""

    def inject(budget: Budget) -> None:
        kinds = ("stop", "crash")
        while True:
            wake = time.monotonic() + every
            if wake + down_for + 2 >= budget.deadline:
                return  # leave time to see the site recover under load
            time.sleep(every)
            if budget.stopped.is_set() or budget.remaining <= 0:
                return
            kind = kinds[len(reports) % 2]
            reports.append(faults.outage(instance, base_url, kind, down_for))  # type: ignore[arg-type]

    return inject


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load.run", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40, help="simulated people at once (default 40)")
    parser.add_argument("--seconds", type=float, default=120, help="run time limit (default 120)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="request limit (default 100000)")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn instances sharing the database")
    parser.add_argument("--faults", action="store_true",
                        help="private MariaDB; stop/crash it during the run, then KILL and lock tests")
    parser.add_argument("--fault-every", type=float, default=20, help="seconds between outages")
    parser.add_argument("--down-for", type=float, default=3, help="seconds each outage lasts")
    parser.add_argument("--database-url", help="use this mysql:// or sqlite:// database")
    parser.add_argument("--think", type=float, default=0.0, help="max pause after each request (s)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.users < 1 or args.servers < 1 or args.seconds <= 0 or args.max_requests < 1:
        parser.error("users, servers, seconds and max-requests must be positive")

    run_id = "L" + secrets.token_hex(6)
    secret_key = secrets.token_hex(32)
    problems: list[str] = []
    outages: list[faults.OutageReport] = []
    logs = Path(tempfile.mkdtemp(prefix="twitapp_load_"))
    with contextlib.ExitStack() as stack:
        instance = None
        database = ""
        if args.faults:
            instance = stack.enter_context(private_server())
            database = f"load_{run_id.lower()}"
            instance.create_database(database)
            url = instance.database_url(database, read_timeout=READ_TIMEOUT, connect_timeout=CONNECT_TIMEOUT)
        elif args.database_url:
            url = args.database_url
        else:
            url = stack.enter_context(temporary_database("twitapp_load"))
        servers = [
            stack.enter_context(running_server(url, secret_key, logs / f"gunicorn-{i}.log"))
            for i in range(args.servers)
        ]
        base_urls = [server.base_url for server in servers]
        print(f"run {run_id}: {args.users} users, {args.servers} x gunicorn -w {WORKERS}, "
              f"at most {args.seconds:.0f} s / {args.max_requests} requests, database {url}",
              flush=True)
        on_start = (fault_schedule(instance, base_urls[0], args.fault_every, args.down_for, outages)
                    if instance is not None else None)
        result = run_load(base_urls, users=args.users, seconds=args.seconds,
                          max_requests=args.max_requests, run_id=run_id, think=args.think,
                          seed=args.seed, on_start=on_start)
        print(result.summary.format())
        for report in outages:
            print(report.format())
            problems += report.problems()
        if instance is not None:
            poster = faults.signed_in(base_urls[0], "lockpost")
            for check in (
                lambda: faults.kill_app_connections(instance, database, base_urls[0]),
                lambda: faults.slow_write(instance, database, base_urls[0], READ_TIMEOUT, poster),
                lambda: faults.killed_while_waiting(instance, database, base_urls[0], READ_TIMEOUT, poster),
            ):
                report = check()
                print(report.format())
                problems += report.problems()
        checked = audit(url, result.ledger, run_id)
        print(checked.format())
        problems += checked.problems
        problems += [f"simulation error: {error!r}" for error in result.errors]
        allowed = {503} if instance is not None else set()
        bad = {s: n for s, n in result.summary.by_status.items() if (s >= 500 or s == 0) and s not in allowed}
        if bad:
            problems.append(f"server errors or unanswered requests: {bad}")
        if result.ledger.unread_writes:
            problems.append(f"{len(result.ledger.unread_writes)} acknowledged posts missing from the next page")
        for server in servers:
            problems += faults.gunicorn_health(server.log_path.read_text(errors="replace"), WORKERS)
    # The servers have stopped: their logs are complete now.
    print(f"gunicorn logs: {logs}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    print("held: no server errors, lost writes: 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
