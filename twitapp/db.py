"""twitapp's data access: connections and transactions (the SQL is in :mod:`twitapp.queries`).

Two backends are supported, chosen by the ``DATABASE_URL`` setting:

* ``sqlite:///PATH`` (three slashes and a relative path, four for an absolute one, or
  ``:memory:``), through the standard library's :mod:`sqlite3`;
* ``mysql://USER:PASSWORD@HOST:PORT/DB`` through PyMySQL, always ``utf8mb4``. TLS is off
  unless the URL asks for it with ``?ssl=true`` (and optionally ``ssl_ca=PATH``): on a loopback
  server the TLS attempt alone costs more than the query. ``connect_timeout``,
  ``read_timeout`` and ``write_timeout`` (seconds) may be given the same way.

The SQL is written once, with ``?`` placeholders, in the subset both backends accept, as
the methods of :class:`twitapp.queries.Queries`, which :class:`Connection` inherits. The few
places where the backends differ are the :class:`~twitapp.dialects.Dialect` records of
:mod:`twitapp.dialects`, and nowhere else; here they only translate the placeholders.

Connections are kept per thread and per URL and reused across requests (one TCP
connection per worker thread instead of one per request). A kept connection is pinged
when a request first needs it and re-opened if the server went away. Within a request,
:func:`get_db` hands out that connection; the teardown hook installed by :func:`init_app`
commits it at the end of the request, or rolls it back when the request failed, so no
request leaves a transaction (and its snapshot) open for the next one.

Any failure to reach the database, or a connection lost mid-request, is raised as
:class:`DatabaseUnavailable`, which the app turns into a 503 answer.

A MySQL URL may name several servers of one cluster (``mysql://U:P@H1:P1,H2:P2,H3:P3/DB``,
e.g. MariaDB Galera): then a connection fails over to the next node when its own cannot
serve, a write transaction refused for a conflict is run again after a pause, and reads on
Galera wait for earlier commits (read-your-writes). :mod:`twitapp.cluster` holds those rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql

from wsgi_stack import current_app, g

from . import cluster
from .dialects import MYSQL, SQLITE, Dialect
from .queries import Queries

log = logging.getLogger(__name__)

#: Larger than any message id either backend hands out; "no ``before`` cursor".
NO_CURSOR = 2**63 - 1

Row = dict[str, Any]
T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or the connection broke while it was used."""


class DatabaseBusy(DatabaseUnavailable):
    """A write kept conflicting with concurrent ones until its retry budget was spent."""


class DuplicateUsername(Exception):
    """An insert into ``user`` hit the unique index on the user name."""


class BadDatabaseURL(ValueError):
    """``DATABASE_URL`` is not a URL this module understands."""


# --------------------------------------------------------------------------- URLs


@dataclasses.dataclass(frozen=True)
class Target:
    """A parsed ``DATABASE_URL``."""

    dialect: Dialect
    options: dict[str, Any]
    #: Every server a ``mysql://`` URL names (one, or a cluster's nodes); empty for SQLite.
    nodes: tuple[cluster.Node, ...] = ()


def parse_url(url: str) -> Target:
    """Parse ``url`` into the dialect and the driver's ``connect()`` arguments."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise BadDatabaseURL(f"DATABASE_URL has no scheme: {url!r}")
    scheme = scheme.lower()
    if scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute.db
        path = unquote(rest[1:] if rest.startswith("/") else rest)
        if not path:
            raise BadDatabaseURL("sqlite URL names no file: use sqlite:///PATH")
        return Target(SQLITE, {"database": path})
    if scheme in ("mysql", "mysql+pymysql", "mariadb"):
        try:
            options = _mysql_options(url)
            nodes = cluster.parse_hosts(urlsplit(url).netloc.rpartition("@")[2])
            return Target(MYSQL, options, nodes)
        except ValueError as exc:  # a port or a timeout that is not a number
            raise BadDatabaseURL(f"bad mysql DATABASE_URL: {exc}") from exc
    raise BadDatabaseURL(f"DATABASE_URL scheme {scheme!r} is neither sqlite nor mysql")


def _mysql_options(url: str) -> dict[str, Any]:
    """PyMySQL ``connect()`` arguments for a ``mysql://`` URL."""
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise BadDatabaseURL("mysql URL names no database: use mysql://USER:PASS@HOST:PORT/DB")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    first = cluster.parse_hosts(parts.netloc.rpartition("@")[2])[0]  # the others: Target.nodes
    options: dict[str, Any] = {
        "host": first.host,
        "port": first.port,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": database,
        "charset": "utf8mb4",
        "connect_timeout": float(query.get("connect_timeout", 5)),
        # Below gunicorn's 30 s worker timeout, so a stuck query ends in a 503, not a killed worker.
        "read_timeout": float(query.get("read_timeout", 10)),
        "write_timeout": float(query.get("write_timeout", 30)),
        "autocommit": False,
        # Each statement sees the latest commits, and inserts take no gap locks: fewer
        # lock conflicts between concurrent follows and posts than REPEATABLE READ.
        "init_command": "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    }
    if query.get("ssl", "false").lower() in ("1", "true", "yes", "required"):
        options["ssl"] = {"ca": query["ssl_ca"]} if "ssl_ca" in query else {}
        options["ssl_verify_cert"] = "ssl_ca" in query
    else:
        options["ssl_disabled"] = True
    return options


# --------------------------------------------------------------------------- connections

# Errors that mean "the database is not there (now)", as opposed to a bug in a statement.
# (SQLite reports a missing table the same way; MySQL as a ProgrammingError, mapped below.)
_UNAVAILABLE = (pymysql.OperationalError, pymysql.InterfaceError, sqlite3.OperationalError)
_MYSQL_NO_SUCH_TABLE = 1146


class Connection(Queries):
    """One connection to the app's database; every query the app makes comes from :class:`Queries`."""

    def __init__(self, url: str) -> None:
        target = parse_url(url)
        self.url = url
        self.dialect = target.dialect
        self._statements: dict[str, str] = {}
        self._target = target
        #: The server this connection reaches, and whether it is a Galera node (MySQL only).
        self.node: cluster.Node | None = None
        self.galera = False
        self._opened_at = 0.0
        #: Whether a statement since the last commit or rollback may have changed data: then
        #: a lost connection cannot be replaced under the caller's feet (its work is gone).
        self._wrote = False
        try:
            if self.dialect is SQLITE:
                self._raw: Any = self._open_sqlite(target.options["database"])
            else:
                self._open_mysql()
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"cannot connect to the {self.dialect.name} database: {exc}") from exc

    def _open_mysql(self, avoid: cluster.Node | None = None) -> None:
        opened = cluster.connect(self._target.nodes, self._target.options, avoid)
        self._raw, self.node, self.galera = opened.raw, opened.node, opened.galera
        self._opened_at = time.monotonic()

    def should_go_back(self) -> bool:
        """Whether this connection failed over a while ago and its process's own node is back."""
        return (self._clustered and self.node is not None
                and cluster.nodes_for(self._target.nodes).should_go_back(self.node, self._opened_at))

    @property
    def _clustered(self) -> bool:
        return len(self._target.nodes) > 1

    def _fail_over(self) -> None:
        """Give up this connection's node (for a while) and connect to another one."""
        failed = self.node
        if failed is not None:
            cluster.nodes_for(self._target.nodes).failed(failed, "a query failed there")
        self.close()
        self._wrote = False
        try:
            self._open_mysql(avoid=failed)
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"no database node can serve: {exc}") from exc
        log.warning("database node %s failed; moved to %s", failed, self.node)

    @staticmethod
    def _open_sqlite(path: str) -> sqlite3.Connection:
        raw = sqlite3.connect(path, timeout=10)
        raw.row_factory = _dict_row
        # WAL lets readers work while a writer commits (gunicorn runs several processes).
        if path != ":memory:":
            raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA synchronous = NORMAL")
        return raw

    # -- plumbing

    def _sql(self, statement: str) -> str:
        """``statement`` with the driver's placeholders (translated once, then cached)."""
        translated = self._statements.get(statement)
        if translated is None:
            if self.dialect.placeholder == "?":
                translated = statement
            else:
                translated = statement.replace("%", "%%").replace("?", self.dialect.placeholder)
            self._statements[statement] = translated
        return translated

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._execute_here(statement, params)
        except DatabaseUnavailable as exc:
            # Nothing of this transaction is lost by moving: it has read, never written.
            if not (self._clustered and not self._wrote and cluster.is_failover_error(exc)):
                raise
            self._fail_over()
            return self._execute_here(statement, params)

    def _execute_here(self, statement: str, params: Sequence[Any] = ()) -> Any:
        try:
            cursor = self._raw.cursor()
            cursor.execute(self._sql(statement), tuple(params))
        except pymysql.IntegrityError as exc:
            raise _integrity(exc) from exc
        except sqlite3.IntegrityError as exc:
            raise _integrity(exc) from exc
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"{self.dialect.name} database failed: {exc}") from exc
        except pymysql.ProgrammingError as exc:
            if exc.args and exc.args[0] == _MYSQL_NO_SUCH_TABLE:  # as SQLite's OperationalError
                raise DatabaseUnavailable(f"the schema is missing: {exc}") from exc
            raise
        return cursor

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a ``SELECT`` as dicts."""
        cursor = self._execute(statement, params)
        try:
            return list(cursor.fetchall())
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"{self.dialect.name} database failed: {exc}") from exc

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def write(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run a data-changing statement; returns the new row id of an insert."""
        self._wrote = True
        cursor = self._execute(statement, params)
        return int(cursor.lastrowid or 0)

    def bulk_write(self, statement: str, params: Sequence[Any]) -> None:
        """Run a one-off data-changing statement such as a multi-row insert of the seed command.

        Such statements differ in length each time, so they skip the placeholder cache;
        they are loading, not a request's work, so they do not fail over either.
        """
        sql = statement if self.dialect is SQLITE else statement.replace("?", "%s")
        try:
            self._raw.cursor().execute(sql, params)
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"bulk insert failed: {exc}") from exc

    def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` if a MySQL server closed this connection."""
        try:
            if self.dialect is MYSQL:
                self._raw.ping(reconnect=False)
        except _UNAVAILABLE as exc:
            if self._clustered and self.node is not None:
                cluster.nodes_for(self._target.nodes).failed(self.node, exc)
            raise DatabaseUnavailable(f"{self.dialect.name} database gone: {exc}") from exc

    def commit(self) -> None:
        self._wrote = False
        try:
            self._raw.commit()
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"commit failed: {exc}") from exc

    def rollback(self) -> None:
        self._wrote = False
        try:
            self._raw.rollback()
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"rollback failed: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()

    def write_transaction(self, work: Callable[[Connection], T], attempts: int | None = None,
                          policy: cluster.RetryPolicy | None = None) -> T:
        """Run ``work(self)`` and commit; roll back if it raises.

        Views call this before they acknowledge a write, so what they acknowledge is
        committed, once. When the server refused the transaction for a conflict (a deadlock,
        Galera's certification failure, a lock wait timeout), nothing was written: the work
        is run again after a pause (see :class:`~twitapp.cluster.RetryPolicy`; ``attempts``
        caps the runs), and :class:`DatabaseBusy` is raised when the budget is spent. On a
        cluster, a node lost *before* ``COMMIT`` means the same, so the work runs again on
        another node; one lost *during* ``COMMIT`` leaves the outcome unknown, and that
        error is raised as it is (the write is not acknowledged, and never run twice).
        """
        policy = policy or cluster.DEFAULT_RETRY
        if attempts is not None:
            policy = dataclasses.replace(policy, attempts=attempts)
        pauses = policy.pauses()
        moves = len(self._target.nodes)
        runs = 0
        while True:
            committing = False
            runs += 1
            try:
                result = work(self)
                committing = True
                self.commit()
                return result
            except BaseException as exc:
                with contextlib.suppress(DatabaseUnavailable):
                    self.rollback()
                if cluster.is_conflict(exc):
                    pause = next(pauses, None)
                    if pause is None:
                        raise DatabaseBusy(f"a write still conflicted after {runs} attempts: {exc}") from exc
                    time.sleep(pause)
                    continue
                if self._clustered and not committing and moves and cluster.is_failover_error(exc):
                    moves -= 1
                    self._fail_over()
                    continue
                raise

def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, row)}


def _integrity(exc: Exception) -> Exception:
    text = str(exc)
    if "user_by_name" in text or "user.username" in text:
        return DuplicateUsername(text)
    return exc


# --------------------------------------------------------------------------- per-thread reuse


class _Kept(threading.local):
    def __init__(self) -> None:
        self.by_url: dict[str, Connection] = {}


_kept = _Kept()


def acquire(url: str) -> Connection:
    """This thread's connection to ``url``: the kept one if it still works, else a new one."""
    conn = _kept.by_url.get(url)
    if conn is not None:
        try:
            conn.ping()
            if not conn.should_go_back():
                return conn
        except DatabaseUnavailable:
            pass
        discard(conn)
    conn = Connection(url)
    _kept.by_url[url] = conn
    return conn


def discard(conn: Connection) -> None:
    """Close ``conn`` and forget it, so the next :func:`acquire` opens a fresh one."""
    if _kept.by_url.get(conn.url) is conn:
        del _kept.by_url[conn.url]
    conn.close()


def close_thread_connections() -> None:
    """Close every connection this thread keeps (tests, and the end of CLI commands)."""
    for conn in list(_kept.by_url.values()):
        discard(conn)


# --------------------------------------------------------------------------- request integration


def database_url() -> str:
    """The URL the current app names right now (read at every connect, never frozen)."""
    url = current_app.config.get("DATABASE_URL")
    if not url:
        raise BadDatabaseURL("DATABASE_URL is not configured")
    return str(url)


def get_db() -> Connection:
    """The connection of the current request (or app context), acquired on first use."""
    conn = getattr(g, "_twitapp_db", None)
    if conn is None:
        conn = acquire(database_url())
        g._twitapp_db = conn
    return conn


def end_request(exc: BaseException | None = None) -> None:
    """Teardown hook: commit what the request did, or roll it back if it failed.

    Views that acknowledge a write commit it themselves before answering (see
    :meth:`Connection.write_transaction`), so a failure here can lose nothing that was
    acknowledged; it only means the connection is unusable and is dropped.
    """
    conn = getattr(g, "_twitapp_db", None)
    if conn is None:
        return
    g._twitapp_db = None
    try:
        if exc is None:
            conn.commit()
        else:
            conn.rollback()
    except DatabaseUnavailable:
        log.warning("dropping a database connection that failed at the end of a request")
        discard(conn)


def forget_request_connection() -> None:
    """Drop the current request's connection after it failed (it may be half-broken)."""
    conn = getattr(g, "_twitapp_db", None)
    if conn is not None:
        g._twitapp_db = None
        discard(conn)


def init_app(app: Any) -> None:
    app.teardown_appcontext(end_request)


def init_db() -> None:
    """Drop and re-create the schema in the database the current app names."""
    conn = get_db()
    conn.drop_schema()
    conn.create_schema()


def ensure_schema(url: str) -> None:
    """Create whatever part of the schema is missing in the database at ``url``."""
    conn = acquire(url)
    try:
        conn.create_schema()
    except Exception:
        discard(conn)
        raise
    if not _is_in_memory(url):
        # Start-up runs in a thread that may never serve a request (gunicorn's gthread worker), so the
        # connection is not kept: it would sit idle for the life of the worker. An in-memory database
        # lives only as long as its connection, so that one stays.
        discard(conn)


def _is_in_memory(url: str) -> bool:
    return parse_url(url).options.get("database") == ":memory:"


def now() -> int:
    """The current time as stored in ``message.pub_date`` (Unix seconds)."""
    return int(time.time())
