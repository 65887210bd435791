"""Two app servers, one database: two gunicorns sharing the database and the secret key."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from tests.e2e.http_client import HttpClient
from tests.e2e.live_server import WORKERS, running_server

from .faults import gunicorn_health
from .workload import Progress, audit, run_load

pytestmark = pytest.mark.mysql

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: The load part runs 8 s, or on to this many seconds until the goal is reached.
CEILING = 35
#: Acknowledged posts the goal asks of each server.
POSTS_PER_SERVER = 3


def _goal(progress: Progress) -> bool:
    """Every user signed in, and each server acknowledged posts (so both did part of the work)."""
    return (progress.signed_in == progress.users
            and min(progress.posts_by_server) >= POSTS_PER_SERVER)


def _token(client: HttpClient, path: str) -> str:
    reply = client.get(path)
    assert reply.status == 200, (path, reply.status)
    found = _CSRF.search(reply.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def test_two_servers_share_sessions_and_timelines(shared_database: str, tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    with running_server(shared_database, key, tmp_path / "a.log") as a, \
            running_server(shared_database, key, tmp_path / "b.log") as b:
        # One person, one cookie jar, two servers.
        on_a = HttpClient(a.base_url)
        on_b = HttpClient(b.base_url)
        on_b.cookies = on_a.cookies
        password = "two servers password"
        register = {"username": "duo", "email": "duo@example.org", "password": password,
                    "password2": password, "csrf_token": _token(on_a, "/register")}
        assert on_a.post("/register", register).location_path == "/login"
        # The form comes from A, the answer goes to B: the CSRF token is valid on both.
        login = {"username": "duo", "password": password, "csrf_token": _token(on_a, "/login")}
        assert on_b.post("/login", login).location_path == "/"

        # Logged in through B, logged in through A.
        home = on_a.get("/")
        assert home.status == 200 and "duo" in home.text and "My Timeline" in home.text
        token = _CSRF.search(home.text).group(1)  # type: ignore[union-attr]
        assert on_a.post("/add_message", {"text": "from A", "csrf_token": token}).status == 302
        assert on_b.post("/add_message", {"text": "from B", "csrf_token": token}).status == 302
        for client in (on_a, on_b):
            timeline = client.get("/", headers={"Accept": "application/json"}).json()
            assert [m["text"] for m in timeline["messages"]][:2] == ["from B", "from A"]

        # Logged out through A, logged out on B too (the cookie is the session).
        assert on_a.post("/logout", {"csrf_token": token}).status == 302
        assert on_b.get("/").location_path == "/public"

        # And many people at once, each request to either server.
        run_id = "L" + secrets.token_hex(6)
        result = run_load([a.base_url, b.base_url], users=8, seconds=8, max_requests=3000,
                          run_id=run_id, until=_goal, ceiling=CEILING)
        checked = audit(shared_database, result.ledger, run_id)
        logs = [server.log_path.read_text(errors="replace") for server in (a, b)]
    print(result.summary.format())
    print(result.progress.format())
    print(checked.format())
    assert result.errors == []
    assert result.reached, f"the goal was not reached in {CEILING} s: {result.progress.format()}"
    assert result.summary.server_errors == 0 and result.summary.unanswered == 0
    assert checked.problems == [] and checked.acknowledged_messages > 0
    assert result.ledger.unread_writes == []
    # Both servers did part of the work.
    for log in logs:
        assert log.count('"POST /add_message') > 0
        assert gunicorn_health(log, WORKERS) == []
