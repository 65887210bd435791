"""The short CI version of the load run: gunicorn (2 workers) on MariaDB, simulated users, audit.

The long version is ``python -m tests.load.run`` (see docs/RELIABILITY.md); this one runs for
15 s, longer if the machine is too busy for every user to have signed in, posted and followed by
then (scrypt makes signing up CPU-heavy), and asks the same questions of the result.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.e2e.live_server import WORKERS, running_server

from .faults import gunicorn_health
from .workload import Progress, audit, run_load

pytestmark = pytest.mark.mysql

USERS = 12
SECONDS = 15  # the run's length when the machine keeps up
CEILING = 40  # its length at most, when the goal takes longer
MAX_REQUESTS = 5000
FOLLOWS = 6  # acknowledged follows/unfollows the goal asks for


def _goal(progress: Progress) -> bool:
    """Every user signed in and had a post acknowledged, and some follows were."""
    return (progress.signed_in == progress.posters == USERS
            and progress.follows >= FOLLOWS)


def test_load_holds_and_every_acknowledged_write_is_stored_once(
    shared_database: str, tmp_path: Path
) -> None:
    run_id = "L" + secrets.token_hex(6)
    with running_server(shared_database, secrets.token_hex(32), tmp_path / "gunicorn.log") as server:
        result = run_load([server.base_url], users=USERS, seconds=SECONDS,
                          max_requests=MAX_REQUESTS, run_id=run_id, until=_goal, ceiling=CEILING)
        checked = audit(shared_database, result.ledger, run_id)
        health = gunicorn_health(server.log_path.read_text(errors="replace"), WORKERS)
    print(result.summary.format())
    print(result.progress.format())
    print(checked.format())

    assert result.errors == []
    assert result.reached, f"the goal was not reached in {CEILING} s: {result.progress.format()}"
    summary = result.summary
    assert summary.requests > 0
    assert summary.server_errors == 0, summary.by_status
    assert summary.unanswered == 0, summary.by_status
    # The only refusals are the losers of the registration races.
    refused = {(action, status) for action, counts in summary.by_action.items()
               for status in counts if status >= 400}
    assert refused <= {("register", 400)}, refused
    assert set(result.ledger.contested.values()) == {1}, result.ledger.contested

    assert checked.problems == []
    assert checked.lost_writes == 0
    assert checked.acknowledged_messages > 0 and checked.known_follows > 0
    assert checked.users_in_db == USERS
    assert result.ledger.unread_writes == []
    assert health == []
