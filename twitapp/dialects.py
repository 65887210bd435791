"""What differs between twitapp's two database backends, SQLite and MySQL, and the schema in each.

The app's SQL is written once, with ``?`` placeholders, in the subset both backends accept.
The few places where they differ are the two :class:`Dialect` records here, and nowhere
else; :func:`schema` writes the ``CREATE`` statements in either. :mod:`twitapp.db` picks the
record a ``DATABASE_URL`` names; :mod:`twitapp.queries` uses its fragments.
"""

from __future__ import annotations

import dataclasses


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
    #: (the home timeline's short-window scan; see :meth:`twitapp.queries.Queries.home_timeline`).
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


def schema(d: Dialect) -> list[str]:
    """``CREATE`` statements of the schema, in dependency order.

    Every timeline reads index ranges bounded by the page size, never the table: the
    public one walks the primary key of ``message`` backwards, a user's one the
    ``(author_id, message_id)`` index, the home one a window of ids by primary key or
    through that index (see :meth:`twitapp.queries.Queries.home_timeline`).
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
TABLES = ("login_failure", "message", "follower", "user")
