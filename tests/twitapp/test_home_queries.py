"""The timeline queries against a plain filter of the same rows, on both backends.

The home timeline reads windows of message ids that double until the page is full, by
primary key or through the author index, and takes what is still missing author by author
after a few windows (see ``Connection.home_timeline``). Users and messages get explicit
ids here, so the windows fall where a test says, whatever ids earlier tests used.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from twitapp import db, queries

#: ``(message_id, author_id)`` of every message a test wrote.
Messages = list[tuple[int, int]]


@pytest.fixture
def conn(app: Any) -> Iterator[db.Connection]:
    with app.app_context():
        yield db.get_db()


def _users(conn: db.Connection, count: int) -> list[int]:
    """Users 1..count."""
    rows = [(n, f"user{n}", f"user{n}@example.com", "hash") for n in range(1, count + 1)]
    conn.insert_rows("user", ("user_id", "username", "email", "pw_hash"), rows)
    return [row[0] for row in rows]


def _messages(conn: db.Connection, messages: Messages) -> None:
    rows = [(mid, author, f"message {mid}", 1_700_000_000 + mid) for mid, author in messages]
    conn.insert_rows("message", ("message_id", "author_id", "text", "pub_date"), rows)


def _follow(conn: db.Connection, who: int, whom: Sequence[int]) -> None:
    conn.insert_rows("follower", ("who_id", "whom_id"), [(who, w) for w in whom])


def _expected(messages: Messages, authors: set[int] | None, before: int, limit: int) -> list[int]:
    """The page as a plain filter and sort of everything written: ``authors`` None is all."""
    ids = sorted(
        (mid for mid, author in messages if mid < before and (authors is None or author in authors)),
        reverse=True,
    )
    return ids[:limit]


def _walk(read: Any, limit: int) -> list[list[int]]:
    """Every page of a timeline, following the cursor as the views do (one extra row)."""
    pages, before = [], db.NO_CURSOR
    while True:
        rows = read(before, limit + 1)
        pages.append([row["message_id"] for row in rows[:limit]])
        if len(rows) <= limit:
            return pages
        before = rows[limit - 1]["message_id"]


def _pages(messages: Messages, authors: set[int] | None, limit: int) -> list[list[int]]:
    return _walk(lambda before, lim: [{"message_id": m} for m in _expected(messages, authors, before, lim)], limit)


class _Statements:
    """Which statements a home timeline call ran: the plan, windows, the per-author step."""

    def __init__(self, conn: db.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: list[str] = []
        self.windows: list[tuple[int, int]] = []
        real = conn.query

        def spy(statement: str, params: Sequence[Any] = ()) -> list[db.Row]:
            if "GROUP_CONCAT" in statement:
                self.kinds.append("plan")
            elif "IN (SELECT whom_id FROM follower" in statement:
                self.kinds.append("window from follower")
                self.windows.append((params[0], params[1]))
            elif "author_id IN (" in statement:
                by_key = conn.dialect.by_primary_key in statement
                self.kinds.append("window by key" if by_key else "window by index")
                self.windows.append((params[-3], params[-2]))
            elif "UNION ALL" in statement or statement.count("author_id = ?") == 1:
                self.kinds.append("per author")
            else:
                self.kinds.append("other")
            return real(statement, params)

        monkeypatch.setattr(conn, "query", spy)


# --------------------------------------------------------------------------- windows


@pytest.mark.parametrize("scan_rows", [0, 10**9], ids=["by index", "by key"])
def test_page_boundaries_across_window_doublings(
    conn: db.Connection, monkeypatch: pytest.MonkeyPatch, scan_rows: int
) -> None:
    """A page put together from three windows and the per-author step; the next page
    from the windows alone, ending where the ids end."""
    monkeypatch.setattr(queries, "HOME_WINDOW_SLACK", 1)
    monkeypatch.setattr(queries, "HOME_WINDOW_ATTEMPTS", 3)
    monkeypatch.setattr(queries, "HOME_SCAN_ROWS_PER_AUTHOR", scan_rows)
    _users(conn, 10)
    reader, followed = 1, 2
    _follow(conn, reader, [followed])
    mine = {295, 290, 270, 100, 50, 10}
    # Everyone else writes every other id, so that a scan has rows to pass over.
    messages = [(mid, followed if mid in mine else 3 + mid % 8) for mid in range(1, 301)]
    _messages(conn, messages)
    # 2 authors among 10 users, 4 a page: a page spans 20 ids, so windows are
    # [281, 301), [241, 281), [161, 241); then author by author below 161.
    spy = _Statements(conn, monkeypatch)
    first = conn.home_timeline(reader, db.NO_CURSOR, 4)
    assert [row["message_id"] for row in first] == [295, 290, 270, 100]
    window = "window by key" if scan_rows else "window by index"
    # Only the first window may go by key: the ones after it found a page quieter than average.
    later = "window by index"
    assert spy.kinds == ["plan", window, later, later, "per author"]
    assert spy.windows == [(281, 301), (241, 281), (161, 241)]

    spy.kinds.clear()
    spy.windows.clear()
    second = conn.home_timeline(reader, 100, 4)
    assert [row["message_id"] for row in second] == [50, 10]
    assert spy.kinds == ["plan", window, later, later]  # the last window reached id 0
    assert spy.windows == [(80, 100), (40, 80), (0, 40)]

    assert conn.home_timeline(reader, 10, 4) == []
    row = first[0]
    assert (row["author_id"], row["text"], row["username"], row["email"]) == (
        followed, "message 295", "user2", "user2@example.com"
    )


@pytest.mark.parametrize("scan_rows", [0, 50, 10**9], ids=["by index", "default", "by key"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_home_pages_match_a_plain_filter(
    conn: db.Connection, monkeypatch: pytest.MonkeyPatch, seed: int, scan_rows: int
) -> None:
    """Random data with skewed authors and gaps in the ids: every page of every reader is
    what a plain filter and sort gives, whichever way the windows are read."""
    monkeypatch.setattr(queries, "HOME_SCAN_ROWS_PER_AUTHOR", scan_rows)
    monkeypatch.setattr(queries, "HOME_AUTHORS_PER_STATEMENT", 4)  # a reader's list in chunks
    rng = random.Random(seed)
    users = _users(conn, 24)
    follows = {who: set(rng.sample([u for u in users if u != who], rng.choice([0, 1, 3, 8, 23])))
               for who in users}
    for who, whom in follows.items():
        _follow(conn, who, sorted(whom))
    ids = sorted(rng.sample(range(1, 3000), 600))  # gaps, as deleted rows leave
    messages = [(mid, users[int(len(users) * rng.random() ** 3)]) for mid in ids]
    _messages(conn, messages)
    for reader in rng.sample(users, 6):
        limit = rng.choice([1, 3, 10, 30])
        authors = {reader, *follows[reader]}
        got = _walk(lambda before, lim: conn.home_timeline(reader, before, lim), limit)
        assert got == _pages(messages, authors, limit), (reader, sorted(authors), limit)


@pytest.mark.parametrize("seed", [1, 2])
def test_newer_home_pages_match_a_plain_filter(
    conn: db.Connection, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A newer page (``?after=``) is the oldest ``limit`` messages of the reader and whom
    they follow above the cursor, newest first, also when the authors go in chunks."""
    monkeypatch.setattr(queries, "HOME_AUTHORS_PER_STATEMENT", 4)
    rng = random.Random(seed)
    users = _users(conn, 16)
    follows = {who: set(rng.sample([u for u in users if u != who], rng.choice([0, 2, 9, 15])))
               for who in users}
    for who, whom in follows.items():
        _follow(conn, who, sorted(whom))
    ids = sorted(rng.sample(range(1, 2000), 400))
    messages = [(mid, rng.choice(users)) for mid in ids]
    _messages(conn, messages)
    for reader in rng.sample(users, 5):
        authors = {reader, *follows[reader]}
        for after in (0, *rng.sample(ids, 3)):
            limit = rng.choice([1, 3, 10, 30])
            got = [row["message_id"] for row in conn.home_timeline_after(reader, after, limit)]
            above = [mid for mid, author in messages if mid > after and author in authors]
            assert got == sorted(above)[:limit][::-1], (reader, after, limit)


def test_following_nobody_is_ones_own_timeline(conn: db.Connection) -> None:
    _users(conn, 5)
    messages = [(mid, 1 + mid % 5) for mid in range(1, 200)]
    _messages(conn, messages)
    home = _walk(lambda before, lim: conn.home_timeline(3, before, lim), 7)
    assert home == _walk(lambda before, lim: conn.user_timeline(3, before, lim), 7)
    assert home == _pages(messages, {3}, 7)
    assert sum(map(len, home)) == 40


@pytest.mark.parametrize("scan_rows", [0, 10**9], ids=["by index", "by key"])
def test_following_everyone_is_the_public_timeline(
    conn: db.Connection, monkeypatch: pytest.MonkeyPatch, scan_rows: int
) -> None:
    """More authors than one statement takes: through the index, the list goes in
    chunks whose pages are merged; by key, the server reads it from ``follower``."""
    monkeypatch.setattr(queries, "HOME_AUTHORS_PER_STATEMENT", 3)
    monkeypatch.setattr(queries, "HOME_SCAN_ROWS_PER_AUTHOR", scan_rows)
    users = _users(conn, 10)
    _follow(conn, 1, users[1:])
    messages = [(mid, users[(mid * 7) % 10]) for mid in range(1, 120)]
    _messages(conn, messages)
    spy = _Statements(conn, monkeypatch)
    home = _walk(lambda before, lim: conn.home_timeline(1, before, lim), 9)
    kinds = set(spy.kinds)
    assert kinds == ({"plan", "window from follower"} if scan_rows else {"plan", "window by index"})
    if not scan_rows:  # 10 authors, 3 a statement: each window is four statements
        assert spy.kinds[:5] == ["plan"] + ["window by index"] * 4
    assert home == _walk(lambda before, lim: conn.public_timeline(before, lim), 9)
    assert home == _pages(messages, None, 9)


@pytest.mark.parametrize("own", [False, True], ids=["silent reader", "reader posts"])
def test_following_authors_who_never_post(
    conn: db.Connection, monkeypatch: pytest.MonkeyPatch, own: bool
) -> None:
    """The windows find nothing, the per-author step ends it: a bounded number of
    statements, and the reader's own messages (if any) are the page."""
    users = _users(conn, 8)
    _follow(conn, 1, [2, 3, 4])
    messages = [(mid, users[4 + mid % 4]) for mid in range(1, 500)]  # users 5..8 only
    if own:
        messages += [(mid, 1) for mid in (510, 600, 700)]
    _messages(conn, messages)
    spy = _Statements(conn, monkeypatch)
    rows = conn.home_timeline(1, db.NO_CURSOR, 31)
    assert [row["message_id"] for row in rows] == ([700, 600, 510] if own else [])
    assert spy.kinds.count("plan") == 1
    assert len(spy.kinds) <= 2 + queries.HOME_WINDOW_ATTEMPTS


def test_empty_database(conn: db.Connection) -> None:
    assert conn.home_timeline(1, db.NO_CURSOR, 30) == []
    assert conn.public_timeline(db.NO_CURSOR, 30) == []
    assert conn.user_timeline(1, db.NO_CURSOR, 30) == []


@pytest.mark.parametrize(
    ("followed", "max_len"),
    [(list(range(2, 41)), 8), ([2, 3, 40], 5)],
    ids=["cut between ids", "cut inside the last id"],
)
def test_followed_list_cut_short_by_mysql_is_read_again(
    conn: db.Connection, followed: list[int], max_len: int
) -> None:
    """GROUP_CONCAT stops at ``group_concat_max_len`` bytes ("2,3,4" of "2,3,40" looks
    whole); the count and the sum notice, and the list is read row by row instead."""
    if conn.dialect is not db.MYSQL:
        pytest.skip("SQLite's group_concat has no length limit")
    _users(conn, 40)
    _follow(conn, 1, followed)
    conn.write(f"SET SESSION group_concat_max_len = {max_len}")
    try:
        authors, top_user, newest = conn._home_plan(1)
    finally:
        conn.write("SET SESSION group_concat_max_len = DEFAULT")
    assert authors[0] == 1 and sorted(authors[1:]) == followed
    assert (top_user, newest) == (40, 0)


def test_public_and_user_pages_match_a_plain_filter(conn: db.Connection) -> None:
    rng = random.Random(5)
    users = _users(conn, 6)
    messages = [(mid, rng.choice(users)) for mid in sorted(rng.sample(range(1, 1000), 150))]
    _messages(conn, messages)
    assert _walk(conn.public_timeline, 11) == _pages(messages, None, 11)
    for author in users:
        got = _walk(lambda before, lim: conn.user_timeline(author, before, lim), 4)
        assert got == _pages(messages, {author}, 4)
