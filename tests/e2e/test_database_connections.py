"""Under gunicorn, each worker keeps its MariaDB connection across requests.

Opening a connection per request would cost more than the queries; what the server itself
sees (its process list) is the honest measure, since nothing inside the app can be asked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

import pymysql
from pymysql.cursors import Cursor

from .http_client import HttpClient
from .live_server import WORKERS, LiveServer


def connections_to(database_url: str) -> dict[int, int]:
    """The server's connections to the database in ``database_url``: id -> id of its last query.

    MariaDB numbers queries server-wide, so a connection's last query id grows exactly when
    that connection is used.
    """
    database = unquote(urlsplit(database_url).path.lstrip("/"))
    with _admin(database_url) as cursor:
        cursor.execute(
            "SELECT ID, QUERY_ID FROM information_schema.PROCESSLIST"
            " WHERE DB = %s AND ID <> CONNECTION_ID()",
            (database,),
        )
        return {int(row[0]): int(row[1]) for row in cursor.fetchall()}


def _kill(database_url: str, connections: dict[int, int]) -> None:
    """Make the server close ``connections``, as a restart or an idle timeout would."""
    with _admin(database_url) as cursor:
        for conn in connections:
            cursor.execute(f"KILL CONNECTION {int(conn)}")


@contextlib.contextmanager
def _admin(database_url: str) -> Iterator[Cursor]:
    """A cursor on a connection of the suite's own to the server in ``database_url``."""
    parts = urlsplit(database_url)
    admin = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        ssl_disabled=True,
        connect_timeout=5,
    )
    try:
        with admin.cursor() as cursor:
            yield cursor
    finally:
        admin.close()


def test_workers_reuse_their_connections(
    live_server: LiveServer, new_client: Callable[[], HttpClient]
) -> None:
    reader = new_client()
    for _ in range(20):
        assert reader.get("/public").status == 200
    before = connections_to(live_server.database_url)
    for _ in range(20):
        assert reader.get("/public").status == 200
    after = connections_to(live_server.database_url)

    # One connection per serving thread at most (twitapp keeps one per thread; gthread has several).
    limit = WORKERS * live_server.threads
    assert 1 <= len(after) <= limit, f"more than one connection per worker thread ({limit}): {after}"
    # No connection was replaced (a worker idle until now may have added one) ...
    assert before.keys() <= after.keys(), f"connections were replaced: {before} -> {after}"
    # ... and the kept ones did the work: had each request opened a connection of its
    # own, the kept ones would have sat idle.
    assert any(after[conn] > before[conn] for conn in before), f"kept connections idle: {before}"


def test_a_connection_the_server_dropped_is_replaced(
    live_server: LiveServer, new_client: Callable[[], HttpClient]
) -> None:
    reader = new_client()
    for _ in range(10):
        assert reader.get("/public").status == 200
    dropped = connections_to(live_server.database_url)
    assert dropped
    _kill(live_server.database_url, dropped)

    # Every request still succeeds: each worker notices its dead connection and opens another.
    for _ in range(20):
        reply = reader.get("/public")
        assert reply.status == 200, f"after the server dropped the connections: {reply.status}"
    now = connections_to(live_server.database_url)
    assert now and not (now.keys() & dropped.keys())

