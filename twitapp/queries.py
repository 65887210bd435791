"""Every SQL statement of the app, as the methods of :class:`Queries`, a part of :class:`db.Connection`.

:class:`Queries` is mixed into :class:`twitapp.db.Connection`, so its statements run on the
connection and transaction that module manages (connecting, failover, retries, commits);
they use its ``query``/``query_one``/``write``. The statements are written once, with ``?``
placeholders; where the backends differ they take a fragment of the connection's
:class:`~twitapp.dialects.Dialect`.

Every read here is bounded by an index range, never the table: the public timeline walks
the primary key of ``message`` backwards, a user's one the ``(author_id, message_id)``
index, the home one a window of ids (see :meth:`Queries.home_timeline`); counts read
``message_by_author``, ``follower``'s primary key and ``follower_by_whom``; the people lists
walk one of the two follower indexes from a user id on; a newer page reads at most
``limit`` entries per author.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .dialects import SQLITE, TABLES, Dialect, schema

Row = dict[str, Any]

#: Columns of a timeline row; ``m`` is ``message``, ``u`` its author.
TIMELINE_COLUMNS = "m.message_id, m.author_id, m.text, m.pub_date, u.username, u.email"

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


class Queries:
    """The app's statements. Needs a connection's ``dialect``, ``query``, ``query_one``,
    ``write``, ``commit`` and ``bulk_write`` (see :class:`twitapp.db.Connection`)."""

    if TYPE_CHECKING:  # provided by db.Connection
        dialect: Dialect

        def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]: ...
        def query_one(self, statement: str, params: Sequence[Any] = ()) -> Row | None: ...
        def write(self, statement: str, params: Sequence[Any] = ()) -> int: ...
        def commit(self) -> None: ...
        def bulk_write(self, statement: str, params: Sequence[Any]) -> None: ...

    # -- schema

    def create_schema(self) -> None:
        """Create the tables and indexes that do not exist yet."""
        for statement in schema(self.dialect):
            self.write(statement)
        self.commit()

    def drop_schema(self) -> None:
        for table in TABLES:
            self.write(f"DROP TABLE IF EXISTS {table}")
        self.commit()

    def delete_all(self) -> None:
        """Empty every table, keeping the schema (tests start over without slow DDL)."""
        for table in TABLES:
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
            f"SELECT {TIMELINE_COLUMNS} FROM message m JOIN user u ON u.user_id = m.author_id"
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

    def _home_per_author(self, authors: Sequence[int], cursor: int, limit: int,
                         newer: bool = False) -> list[Row]:
        """The ``limit`` messages of ``authors`` next to message ``cursor`` (below it, or above
        it when ``newer``), newest first, from at most ``limit`` entries of each author's
        index range: one ``UNION ALL`` of short ranges per :data:`HOME_AUTHORS_PER_STATEMENT`
        authors, then a merge of the short lists."""
        beyond, order = (">", "") if newer else ("<", " DESC")
        one_range = (
            "SELECT message_id FROM message"
            f" WHERE author_id = ? AND message_id {beyond} ? ORDER BY message_id{order} LIMIT ?"
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
                params += (author, cursor, limit)
            params.append(limit)
            pages.append(self._page(f"{ranges} ORDER BY message_id{order} LIMIT ?", params))
        if not newer:
            return _newest(pages, limit)
        # Each page is newest first; the oldest ``limit`` of all of them form the answer.
        merged = heapq.merge(*(page[::-1] for page in pages), key=lambda row: row["message_id"])
        return list(itertools.islice(merged, limit))[::-1]

    def _page(self, ids: str, params: Sequence[Any]) -> list[Row]:
        """Timeline rows, newest first, of the message ids that the query ``ids`` selects.

        ``ids`` is run on its own, as a derived table, so its plan is the index range
        it was written for; only the page's few rows are then read and joined with
        their authors (a join the optimiser cannot start from ``user``).
        """
        return self.query(
            f"SELECT {TIMELINE_COLUMNS} FROM ({ids}) AS recent"
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
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        if not rows:
            return
        one = "(" + ", ".join("?" for _ in columns) + ")"
        verb = self.dialect.insert_ignore if ignore_duplicates else "INSERT"
        statement = f"{verb} INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(one for _ in rows)
        self.bulk_write(statement, [value for row in rows for value in row])

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
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = self.query_one(f"SELECT COUNT(*) AS n FROM {table}")
        return int(row["n"]) if row else 0

    def explain(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """The backend's plan for ``statement`` (EXPLAIN / EXPLAIN QUERY PLAN)."""
        prefix = "EXPLAIN QUERY PLAN " if self.dialect is SQLITE else "EXPLAIN "
        return self.query(prefix + statement, params)

    # -- one message

    def message_by_id(self, message_id: int) -> Row | None:
        """The message with its author's name and e-mail, or None."""
        rows = self._page("SELECT message_id FROM message WHERE message_id = ?", (message_id,))
        return rows[0] if rows else None

    def delete_message(self, message_id: int, author_id: int) -> bool:
        """Delete the message if ``author_id`` wrote it; whether a row went."""
        mine = self.query_one(
            "SELECT message_id FROM message WHERE message_id = ? AND author_id = ?",
            (message_id, author_id),
        )
        if mine is None:
            return False
        self.write(
            "DELETE FROM message WHERE message_id = ? AND author_id = ?", (message_id, author_id)
        )
        return True

    # -- profiles

    def profile_counts(self, user_id: int, cap: int) -> dict[str, int]:
        """How many messages ``user_id`` wrote, how many follow them, how many they follow,
        each counted up to ``cap + 1`` only ("more than ``cap``").

        A full ``COUNT(*)`` reads every index entry: 36 ms for an author of 100,000 messages
        on MariaDB, on every view of their page. Counting at most ``cap + 1`` entries bounds
        it by the cap, whoever the user is.
        """
        row = self.query_one(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM message WHERE author_id = ? LIMIT ?) AS m)"
            " AS messages,"
            " (SELECT COUNT(*) FROM (SELECT 1 FROM follower WHERE whom_id = ? LIMIT ?) AS f)"
            " AS followers,"
            " (SELECT COUNT(*) FROM (SELECT 1 FROM follower WHERE who_id = ? LIMIT ?) AS w)"
            " AS following",
            (user_id, cap + 1, user_id, cap + 1, user_id, cap + 1),
        )
        assert row is not None  # a SELECT of scalars always has its row
        return {key: int(row[key] or 0) for key in ("messages", "followers", "following")}

    def followers(self, user_id: int, after: int, limit: int) -> list[Row]:
        """People who follow ``user_id``, by user id above ``after``, ascending."""
        return self.query(
            "SELECT u.user_id, u.username, u.email FROM follower f"
            " JOIN user u ON u.user_id = f.who_id"
            " WHERE f.whom_id = ? AND f.who_id > ? ORDER BY f.who_id LIMIT ?",
            (user_id, after, limit),
        )

    def following(self, user_id: int, after: int, limit: int) -> list[Row]:
        """People ``user_id`` follows, by user id above ``after``, ascending."""
        return self.query(
            "SELECT u.user_id, u.username, u.email FROM follower f"
            " JOIN user u ON u.user_id = f.whom_id"
            " WHERE f.who_id = ? AND f.whom_id > ? ORDER BY f.whom_id LIMIT ?",
            (user_id, after, limit),
        )

    # -- newer pages (the "after" cursor): the oldest ``limit`` messages above ``after``,
    # returned newest first like every timeline page.

    def public_timeline_after(self, after: int, limit: int) -> list[Row]:
        return self._page(
            "SELECT message_id FROM message WHERE message_id > ?"
            " ORDER BY message_id LIMIT ?",
            (after, limit),
        )

    def user_timeline_after(self, author_id: int, after: int, limit: int) -> list[Row]:
        return self._page(
            "SELECT message_id FROM message WHERE author_id = ? AND message_id > ?"
            " ORDER BY message_id LIMIT ?",
            (author_id, after, limit),
        )

    def home_timeline_after(self, user_id: int, after: int, limit: int) -> list[Row]:
        """At most ``limit`` index entries per author (the reader and whom they follow),
        as one ``UNION ALL`` per 200 authors: the cost depends on the page size and the
        number of authors, not on the table."""
        authors = [user_id, *self.followee_ids(user_id)]
        return self._home_per_author(authors, after, limit, newer=True)


def _newest(pages: list[list[Row]], limit: int) -> list[Row]:
    """The first ``limit`` rows of the merge of ``pages``, each sorted newest first."""
    if len(pages) == 1:
        return pages[0][:limit]
    merged = heapq.merge(*pages, key=lambda row: row["message_id"], reverse=True)
    return list(itertools.islice(merged, limit))

