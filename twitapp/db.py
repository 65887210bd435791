"""twitapp's data access: connections, transactions and every SQL statement of the app.

Two backends are supported, chosen by the ``DATABASE_URL`` setting:

* ``sqlite:///PATH`` (three slashes and a relative path, four for an absolute one, or
  ``:memory:``), through the standard library's :mod:`sqlite3`;
* ``mysql://USER:PASSWORD@HOST:PORT/DB`` through PyMySQL, always ``utf8mb4``. TLS is off
  unless the URL asks for it with ``?ssl=true`` (and optionally ``ssl_ca=PATH``): on a loopback
  server the TLS attempt alone costs more than the query. ``connect_timeout``,
  ``read_timeout`` and ``write_timeout`` (seconds) may be given the same way.

The SQL is written once, with ``?`` placeholders, in the subset both backends accept. The
few places where they differ are the :class:`Dialect` records below, and nowhere else.

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
import heapq
import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql

from wsgi_stack import current_app, g

from . import cluster
from .queries import SocialQueries

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


# --------------------------------------------------------------------------- dialects


@dataclasses.dataclass(frozen=True)
class Dialect:
    """Everything that differs between the two backends' SQL, in one record each."""

    name: str
    #: The driver's placeholder; statements are written with ``?``.
    placeholder: str
    #: Column definition of an auto-numbered primary key.
    serial_key: str
    #: Column definition of a big integer that refers to such a key.
    user_ref: str
    #: Collation clause making user names unique and matched without regard to case.
    nocase: str
    #: Appended to every ``CREATE TABLE``.
    table_options: str
    #: ``INSERT`` that silently skips rows whose key already exists.
    insert_ignore: str
    #: Upsert counting one login failure in a bucket, restarting an expired window.
    #: Parameters: bucket, now, window start limit (now - window), now.
    count_failure: str
    #: One ``ORDER BY ... LIMIT`` select as a member of a ``UNION ALL``: MySQL takes it in
    #: parentheses; SQLite allows no parentheses there and needs a subquery instead.
    union_member: str
    #: Table hint after ``FROM message``: read it by primary key, ignoring the author index
    #: (the home timeline's short-window scan; see :meth:`Connection.home_timeline`).
    by_primary_key: str


SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    serial_key="INTEGER PRIMARY KEY AUTOINCREMENT",
    user_ref="INTEGER NOT NULL",
    nocase="COLLATE NOCASE",
    table_options="",
    insert_ignore="INSERT OR IGNORE",
    count_failure=(
        "INSERT INTO login_failure (bucket, failures, window_start) VALUES (?, 1, ?) "
        "ON CONFLICT (bucket) DO UPDATE SET "
        "failures = CASE WHEN login_failure.window_start <= ? THEN 1 "
        "ELSE login_failure.failures + 1 END, "
        "window_start = CASE WHEN login_failure.window_start <= ? THEN excluded.window_start "
        "ELSE login_failure.window_start END"
    ),
    union_member="SELECT message_id FROM ({select}) AS r{index}",
    # The rowid range is still used; only the indexes are not.
    by_primary_key="NOT INDEXED",
)

MYSQL = Dialect(
    name="mysql",
    placeholder="%s",
    serial_key="BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
    user_ref="BIGINT NOT NULL",
    # The table's utf8mb4_unicode_ci already compares without case; user names are ASCII.
    nocase="",
    table_options=" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    insert_ignore="INSERT IGNORE",
    # MySQL applies SET assignments left to right, so ``failures`` is decided while
    # ``window_start`` still holds the old value, exactly as in the SQLite statement.
    count_failure=(
        "INSERT INTO login_failure (bucket, failures, window_start) VALUES (?, 1, ?) "
        "ON DUPLICATE KEY UPDATE "
        "failures = CASE WHEN window_start <= ? THEN 1 ELSE failures + 1 END, "
        "window_start = CASE WHEN window_start <= ? THEN VALUES(window_start) "
        "ELSE window_start END"
    ),
    union_member="({select})",
    by_primary_key="FORCE INDEX (PRIMARY)",
)


def _schema(d: Dialect) -> list[str]:
    """``CREATE`` statements of the schema, in dependency order.

    Every timeline reads index ranges bounded by the page size, never the table: the
    public one walks the primary key of ``message`` backwards, a user's one the
    ``(author_id, message_id)`` index, the home one a window of ids by primary key or
    through that index (see :meth:`Connection.home_timeline`).
    ``message_id`` grows with ``pub_date``, so it doubles as the time order.
    """
    return [
        f"CREATE TABLE IF NOT EXISTS user ("
        f" user_id {d.serial_key},"
        f" username VARCHAR(32) {d.nocase} NOT NULL,"
        f" email VARCHAR(254) NOT NULL,"
        f" pw_hash VARCHAR(255) NOT NULL"
        f"){d.table_options}",
        "CREATE UNIQUE INDEX IF NOT EXISTS user_by_name ON user (username)",
        f"CREATE TABLE IF NOT EXISTS follower ("
        f" who_id {d.user_ref} REFERENCES user (user_id),"
        f" whom_id {d.user_ref} REFERENCES user (user_id),"
        f" PRIMARY KEY (who_id, whom_id)"
        f"){d.table_options}",
        "CREATE INDEX IF NOT EXISTS follower_by_whom ON follower (whom_id, who_id)",
        f"CREATE TABLE IF NOT EXISTS message ("
        f" message_id {d.serial_key},"
        f" author_id {d.user_ref} REFERENCES user (user_id),"
        f" text VARCHAR(280) NOT NULL,"
        f" pub_date BIGINT NOT NULL"
        f"){d.table_options}",
        "CREATE INDEX IF NOT EXISTS message_by_author ON message (author_id, message_id)",
        f"CREATE TABLE IF NOT EXISTS login_failure ("
        f" bucket VARCHAR(200) NOT NULL PRIMARY KEY,"
        f" failures INTEGER NOT NULL,"
        f" window_start BIGINT NOT NULL"
        f"){d.table_options}",
        # Lets expired counters be deleted without reading the table.
        "CREATE INDEX IF NOT EXISTS login_failure_by_start ON login_failure (window_start)",
    ]


#: Tables in an order that drops cleanly (referring tables first).
_TABLES = ("login_failure", "message", "follower", "user")

#: Columns of a timeline row; ``m`` is ``message``, ``u`` its author.
_TIMELINE_COLUMNS = "m.message_id, m.author_id, m.text, m.pub_date, u.username, u.email"

#: At most this many authors go into one home-timeline statement (SQLite allows 500
#: terms in a compound SELECT; each id of an ``IN`` list costs MariaDB about 3 us).
HOME_AUTHORS_PER_STATEMENT = 200

#: The home timeline's first id window is this many times the ids a page spans on
#: average. A wide window costs little (a scan by primary key stops at the page's
#: end, the index reads only matches), a page it does not fill costs a statement more.
HOME_WINDOW_SLACK = 4

#: Windows tried (each twice as wide as the last) before the rest of a home page is
#: taken author by author.
HOME_WINDOW_ATTEMPTS = 4

#: A home window is read by primary key when a page is expected to span at most this
#: many ids per author, else through the author index. Measured at 10,000 users and a
#: million messages, 30 a page, the two cost the same at 60 to 125 authors on MariaDB
#: (half of an index range's cost there is its estimate at planning time) and at 30 to
#: 90 on SQLite, where a page spans 20 to 150 ids per author; away from that, the
#: wrong choice costs 2x to 5x.
HOME_SCAN_ROWS_PER_AUTHOR = 50


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


class Connection(SocialQueries):
    """One connection to the app's database, with every query the app makes."""

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

    # -- schema

    def create_schema(self) -> None:
        """Create the tables and indexes that do not exist yet."""
        for statement in _schema(self.dialect):
            self.write(statement)
        self.commit()

    def drop_schema(self) -> None:
        for table in _TABLES:
            self.write(f"DROP TABLE IF EXISTS {table}")
        self.commit()

    def delete_all(self) -> None:
        """Empty every table, keeping the schema (tests start over without slow DDL)."""
        for table in _TABLES:
            self.write(f"DELETE FROM {table}")
        self.commit()

    # -- users

    def user_by_name(self, username: str) -> Row | None:
        return self.query_one(
            "SELECT user_id, username, email, pw_hash FROM user WHERE username = ?", (username,)
        )

    def user_by_id(self, user_id: int) -> Row | None:
        return self.query_one(
            "SELECT user_id, username, email, pw_hash FROM user WHERE user_id = ?", (user_id,)
        )

    def create_user(self, username: str, email: str, pw_hash: str) -> int:
        """Insert a user; raises :class:`DuplicateUsername` if the name is taken."""
        return self.write(
            "INSERT INTO user (username, email, pw_hash) VALUES (?, ?, ?)",
            (username, email, pw_hash),
        )

    # -- following

    def is_following(self, who_id: int, whom_id: int) -> bool:
        row = self.query_one(
            "SELECT 1 AS yes FROM follower WHERE who_id = ? AND whom_id = ?", (who_id, whom_id)
        )
        return row is not None

    def follow(self, who_id: int, whom_id: int) -> None:
        """Record that ``who_id`` follows ``whom_id``; following twice is not an error."""
        self.write(
            f"{self.dialect.insert_ignore} INTO follower (who_id, whom_id) VALUES (?, ?)",
            (who_id, whom_id),
        )

    def unfollow(self, who_id: int, whom_id: int) -> None:
        self.write("DELETE FROM follower WHERE who_id = ? AND whom_id = ?", (who_id, whom_id))

    def followee_ids(self, who_id: int) -> list[int]:
        rows = self.query("SELECT whom_id FROM follower WHERE who_id = ?", (who_id,))
        return [int(row["whom_id"]) for row in rows]

    # -- messages

    def add_message(self, author_id: int, text: str, pub_date: int) -> int:
        return self.write(
            "INSERT INTO message (author_id, text, pub_date) VALUES (?, ?, ?)",
            (author_id, text, pub_date),
        )

    def public_timeline(self, before: int, limit: int) -> list[Row]:
        """Everyone's latest messages older than message ``before``, newest first.

        The ids come first, from the primary key read backwards, and only then are their
        rows and authors joined. Written as one plain join, MariaDB's optimiser may (from
        about 100,000 messages on) drive it from ``user`` instead, join every message of
        every author and sort them all: seconds at a million messages.
        """
        return self._page(
            "SELECT message_id FROM message WHERE message_id < ?"
            " ORDER BY message_id DESC LIMIT ?",
            (before, limit),
        )

    def user_timeline(self, author_id: int, before: int, limit: int) -> list[Row]:
        """One author's messages older than message ``before``, newest first.

        A plain join is safe here: ``u.user_id`` equals the constant ``author_id``, so
        ``user`` is one row read first, and ``message`` a range of the author index. (The
        derived-table form costs a materialisation more: 0.2 ms at a million messages.)
        """
        return self.query(
            f"SELECT {_TIMELINE_COLUMNS} FROM message m JOIN user u ON u.user_id = m.author_id"
            " WHERE m.author_id = ? AND m.message_id < ? ORDER BY m.message_id DESC LIMIT ?",
            (author_id, before, limit),
        )

    def home_timeline(self, user_id: int, before: int, limit: int) -> list[Row]:
        """Messages of ``user_id`` and of everyone they follow, newest first.

        The page is looked for in windows of message ids below ``before``, each twice as
        wide as the last, with ``author_id IN (the authors)``. If the authors write as much
        as the average user, a page spans ``limit * users / authors`` ids; the first window
        is :data:`HOME_WINDOW_SLACK` times that. It is read one of two ways, whichever is
        expected to cost less (both are bounded by the window, whatever the table's size):

        * by primary key, newest first, stopping at the page's last message: about
          ``limit * users / authors`` rows, cheap when many authors are followed;
        * through the ``(author_id, message_id)`` index, one short range per author
          (each also costs an estimate at planning time on MariaDB), cheap when few are.

        A window that did not fill the page means quieter authors than average: the
        wider windows after it go through the index, which reads only their messages.
        Authors who wrote nothing lately would make the windows grow without end, so
        after :data:`HOME_WINDOW_ATTEMPTS` windows the rest of the page comes from at
        most ``limit`` index entries per author (:meth:`_home_per_author`). Either way
        the cost depends on the page size and the number of authors, not on the table.
        """
        authors, users, newest = self._home_plan(user_id)
        span = max(limit, limit * users // len(authors))
        by_key = span <= HOME_SCAN_ROWS_PER_AUTHOR * len(authors)
        window = HOME_WINDOW_SLACK * span
        upper = min(before, newest + 1)  # ids in [lower, upper) are still to be read
        rows: list[Row] = []
        for _ in range(HOME_WINDOW_ATTEMPTS):
            if len(rows) >= limit or upper <= 0:
                return rows
            lower = max(upper - window, 0)
            rows += self._home_window(authors, lower, upper, limit - len(rows), by_key)
            upper, window, by_key = lower, window * 2, False
        if len(rows) < limit and upper > 0:
            rows += self._home_per_author(authors, upper, limit - len(rows))
        return rows

    def _home_plan(self, user_id: int) -> tuple[list[int], int, int]:
        """The home timeline's authors (``user_id`` first), the highest user id and the
        highest message id, in one round trip.

        The followed ids come back as one comma-separated string: on MariaDB, 125 ids as
        rows take 0.6 ms (PyMySQL decodes each row), as one value 0.3 ms, round trip
        included; the two maxima ride along instead of costing a round trip of their own.
        MariaDB cuts that string at ``group_concat_max_len`` bytes (1 MiB by default);
        the count and the sum of the ids come along to notice, and then the list is
        read again row by row.
        """
        row = self.query_one(
            "SELECT COUNT(*) AS followed, SUM(whom_id) AS id_sum,"
            " GROUP_CONCAT(whom_id) AS followees,"
            " (SELECT MAX(user_id) FROM user) AS users,"
            " (SELECT MAX(message_id) FROM message) AS newest"
            " FROM follower WHERE who_id = ?",
            (user_id,),
        )
        assert row is not None  # an aggregate without GROUP BY always has its row
        joined = row["followees"] or ""
        if isinstance(joined, bytes):  # MySQL may type GROUP_CONCAT as a blob
            joined = joined.decode("ascii")
        parts = joined.split(",") if joined else []
        whole = len(parts) == int(row["followed"]) and all(part.isdigit() for part in parts)
        followees = [int(part) for part in parts] if whole else []
        if not whole or sum(followees) != int(row["id_sum"] or 0):
            followees = self.followee_ids(user_id)
        return [user_id, *followees], int(row["users"] or 0), int(row["newest"] or 0)

    def _home_window(self, authors: Sequence[int], lower: int, upper: int, limit: int,
                     by_key: bool) -> list[Row]:
        """The newest ``limit`` messages of ``authors`` with ``lower <= id < upper``.

        ``authors[0]`` is the reader, the others whom they follow. A scan by primary key
        for more authors than one statement takes gets them from ``follower`` itself
        (read once per statement, then looked up per row): at 1,000 followed on MariaDB
        1 ms against 4 ms for the list sent as parameters, at 10,000 0.6 ms against 24.
        """
        if by_key and len(authors) > HOME_AUTHORS_PER_STATEMENT:
            return self._page(
                f"SELECT message_id FROM message {self.dialect.by_primary_key}"
                " WHERE message_id >= ? AND message_id < ? AND (author_id = ?"
                " OR author_id IN (SELECT whom_id FROM follower WHERE who_id = ?))"
                " ORDER BY message_id DESC LIMIT ?",
                (lower, upper, authors[0], authors[0], limit),
            )
        hint = f" {self.dialect.by_primary_key}" if by_key else ""
        pages = []
        for start in range(0, len(authors), HOME_AUTHORS_PER_STATEMENT):
            chunk = authors[start : start + HOME_AUTHORS_PER_STATEMENT]
            marks = ", ".join("?" for _ in chunk)
            pages.append(self._page(
                f"SELECT message_id FROM message{hint} WHERE author_id IN ({marks})"
                " AND message_id >= ? AND message_id < ? ORDER BY message_id DESC LIMIT ?",
                (*chunk, lower, upper, limit),
            ))  # fmt: skip
        return _newest(pages, limit)

    def _home_per_author(self, authors: Sequence[int], before: int, limit: int) -> list[Row]:
        """The newest ``limit`` messages of ``authors`` below ``before``, from at most
        ``limit`` entries of each author's index range (a merge of short lists)."""
        one_range = (
            "SELECT message_id FROM message"
            " WHERE author_id = ? AND message_id < ? ORDER BY message_id DESC LIMIT ?"
        )
        pages = []
        for start in range(0, len(authors), HOME_AUTHORS_PER_STATEMENT):
            chunk = authors[start : start + HOME_AUTHORS_PER_STATEMENT]
            ranges = " UNION ALL ".join(
                self.dialect.union_member.format(select=one_range, index=index)
                for index in range(len(chunk))
            )
            params: list[Any] = []
            for author in chunk:
                params += (author, before, limit)
            params.append(limit)
            pages.append(self._page(f"{ranges} ORDER BY message_id DESC LIMIT ?", params))
        return _newest(pages, limit)

    def _page(self, ids: str, params: Sequence[Any]) -> list[Row]:
        """Timeline rows, newest first, of the message ids that the query ``ids`` selects.

        ``ids`` is run on its own, as a derived table, so its plan is the index range
        it was written for; only the page's few rows are then read and joined with
        their authors (a join the optimiser cannot start from ``user``).
        """
        return self.query(
            f"SELECT {_TIMELINE_COLUMNS} FROM ({ids}) AS recent"
            " JOIN message m ON m.message_id = recent.message_id"
            " JOIN user u ON u.user_id = m.author_id"
            " ORDER BY m.message_id DESC",
            params,
        )

    # -- login throttling

    def count_login_failure(self, bucket: str, now: int, window: int) -> None:
        """Count one failed login in ``bucket``; a window older than ``window`` s restarts."""
        expired = now - window
        self.write(self.dialect.count_failure, (bucket, now, expired, expired))

    def login_failures(self, buckets: Iterable[str]) -> list[Row]:
        """The failure counters (bucket, failures, window_start) of ``buckets`` that exist."""
        names = list(buckets)
        marks = ", ".join("?" for _ in names)
        return self.query(
            f"SELECT bucket, failures, window_start FROM login_failure WHERE bucket IN ({marks})",
            names,
        )

    def forget_expired_login_failures(self, now: int, window: int) -> None:
        """Delete counters whose window ended, so the table stays small."""
        self.write("DELETE FROM login_failure WHERE window_start <= ?", (now - window,))

    def clear_login_failures(self, bucket: str) -> None:
        self.write("DELETE FROM login_failure WHERE bucket = ?", (bucket,))

    # -- bulk loading (the seed command)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    ignore_duplicates: bool = False) -> None:
        """Insert ``rows`` with one multi-row ``INSERT`` (the caller sizes the batch)."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        if not rows:
            return
        one = "(" + ", ".join("?" for _ in columns) + ")"
        verb = self.dialect.insert_ignore if ignore_duplicates else "INSERT"
        statement = f"{verb} INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(one for _ in rows)
        # Bulk statements differ in length each time: skip the placeholder cache.
        sql = statement if self.dialect is SQLITE else statement.replace("?", "%s")
        params = [value for row in rows for value in row]
        try:
            self._raw.cursor().execute(sql, params)
        except _UNAVAILABLE as exc:
            raise DatabaseUnavailable(f"bulk insert failed: {exc}") from exc

    def user_ids(self, above: int = 0) -> list[int]:
        """Ids of the users whose id is greater than ``above``, ascending."""
        rows = self.query("SELECT user_id FROM user WHERE user_id > ? ORDER BY user_id", (above,))
        return [int(row["user_id"]) for row in rows]

    def max_id(self, table: str, column: str) -> int:
        if (table, column) not in (("user", "user_id"), ("message", "message_id")):
            raise ValueError(f"no id column {table}.{column}")
        row = self.query_one(f"SELECT MAX({column}) AS top FROM {table}")
        return int(row["top"] or 0) if row else 0

    def count(self, table: str) -> int:
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = self.query_one(f"SELECT COUNT(*) AS n FROM {table}")
        return int(row["n"]) if row else 0

    def explain(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """The backend's plan for ``statement`` (EXPLAIN / EXPLAIN QUERY PLAN)."""
        prefix = "EXPLAIN QUERY PLAN " if self.dialect is SQLITE else "EXPLAIN "
        return self.query(prefix + statement, params)


def _newest(pages: list[list[Row]], limit: int) -> list[Row]:
    """The first ``limit`` rows of the merge of ``pages``, each sorted newest first."""
    if len(pages) == 1:
        return pages[0][:limit]
    merged = heapq.merge(*pages, key=lambda row: row["message_id"], reverse=True)
    return list(itertools.islice(merged, limit))


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


def now() -> int:
    """The current time as stored in ``message.pub_date`` (Unix seconds)."""
    return int(time.time())
