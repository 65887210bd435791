"""Database faults under load, on a private MariaDB server (never the shared one).

While simulated users work, the database is stopped gracefully and later killed outright;
afterwards the app's connections are KILLed from an admin connection, and a post is held
behind a table lock, once past the app's read timeout and once killed while it waits. The
site must answer every request (503 with a readable body while the database is away, never a
500, never a hang), come back within seconds without restarting gunicorn, and lose nothing it
acknowledged. The long version is ``python -m tests.load.run --faults``.

The schedule follows the run's progress, not the clock: each outage waits until every user
has signed in and fresh posts have been acknowledged since the last one (so the crash has
commits to keep), and the load goes on until posts are acknowledged again after the last
outage. A busy machine makes the run longer (up to ``CEILING``), never emptier.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

from tests.e2e.live_server import WORKERS, running_server
from tests.support.mariadb_instance import MariaDBInstance

from . import faults
from .workload import Budget, Progress, audit, run_load

pytestmark = pytest.mark.mysql

#: The app's timeouts on this server (DATABASE_URL options); gunicorn's worker timeout is 30 s.
READ_TIMEOUT = 3
CONNECT_TIMEOUT = 2

USERS = 10
SECONDS = 17  # the load's length when the machine keeps up
CEILING = 38  # its length at most, when the schedule takes longer
#: Acknowledged posts before each outage (since the one before) and after the last one.
POSTS_BETWEEN = 10


def test_outages_kills_and_slow_queries_give_503_and_lose_nothing(
    private_mariadb: tuple[MariaDBInstance, str], tmp_path: Path
) -> None:
    instance, database = private_mariadb
    began = time.monotonic()
    url = instance.database_url(database, read_timeout=READ_TIMEOUT, connect_timeout=CONNECT_TIMEOUT)
    run_id = "L" + secrets.token_hex(6)
    outages: list[faults.OutageReport] = []
    #: acknowledged posts when each outage began, and when the last one was over
    posts_at: dict[str, int] = {}

    def break_the_database(budget: Budget) -> None:
        progress = budget.progress
        since = 0
        for kind in ("stop", "crash"):
            if not progress.wait_for(
                lambda p, since=since: p.signed_in == USERS and p.posts >= since + POSTS_BETWEEN,
                budget.left(),
            ):
                return  # the run ended first: the assertions below say so
            posts_at[kind] = progress.posts
            outages.append(faults.outage(instance, server.base_url, kind, down_for=2.5))
            since = progress.posts
        posts_at["recovered"] = since

    def recovered_under_load(progress: Progress) -> bool:
        return "recovered" in posts_at and progress.posts >= posts_at["recovered"] + POSTS_BETWEEN

    with running_server(url, secrets.token_hex(32), tmp_path / "gunicorn.log") as server:
        started = time.monotonic()
        result = run_load([server.base_url], users=USERS, seconds=SECONDS, max_requests=5000,
                          run_id=run_id, on_start=break_the_database,
                          until=recovered_under_load, ceiling=CEILING)
        loaded = time.monotonic()
        killed = faults.kill_app_connections(instance, database, server.base_url)
        poster = faults.signed_in(server.base_url, "lockpost")
        slow = faults.slow_write(instance, database, server.base_url, READ_TIMEOUT, poster)
        waiting = faults.killed_while_waiting(instance, database, server.base_url, READ_TIMEOUT, poster)
        checked = audit(url, result.ledger, run_id)
        health = faults.gunicorn_health(server.log_path.read_text(errors="replace"), WORKERS)
        checks_done = time.monotonic()

    print(f"times: server up {started - began:.1f} s, load {loaded - started:.1f} s, checks after it "
          f"{checks_done - loaded:.1f} s, server stopped {time.monotonic() - checks_done:.1f} s")
    print(result.summary.format())
    print(result.progress.format(), "; when the outages began and the last ended:", posts_at)
    for report in (*outages, killed, slow, waiting):
        print(report.format())
    print(checked.format())

    assert result.errors == []
    assert result.reached, f"the schedule did not finish in {CEILING} s: {result.progress.format()}, {posts_at}"
    assert [report.kind for report in outages] == ["stop", "crash"]
    for report in outages:
        assert report.problems() == []
    # Under load too: every request answered, and the only server error is the 503.
    assert result.summary.unanswered == 0, result.summary.by_status
    assert {s for s in result.summary.by_status if s >= 500} == {503}
    assert killed.problems() == []
    assert slow.problems() == [] and slow.status == 503 and not slow.stored
    assert waiting.problems() == [] and waiting.status == 503
    assert checked.problems == [] and checked.lost_writes == 0
    assert checked.acknowledged_messages > 0
    assert health == []
