"""The SQL of profiles, message pages, deleting and newer pages: a part of :class:`db.Connection`.

:class:`SocialQueries` is mixed into :class:`twitapp.db.Connection`, so these statements run
on the same connection and transaction as the rest; they use its ``query``/``write``/``_page``
and the home timeline's author list. Kept apart from ``db.py`` (connections, transactions,
the timelines' plans) so that each file stays one concern.

Every read here is bounded by an index range: counts read ``message_by_author``,
``follower``'s primary key and ``follower_by_whom``; the people lists walk one of the two
follower indexes from a user id on; a newer page reads at most ``limit`` entries per author.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

Row = dict[str, Any]

#: Authors per statement of a newer home page (SQLite allows 500 terms of a compound SELECT).
_AUTHORS_PER_STATEMENT = 200


class SocialQueries:
    """Statements of the pages around the timelines. Needs ``query``, ``write``, ``_page``."""

    if TYPE_CHECKING:  # provided by db.Connection
        dialect: Any

        def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]: ...
        def query_one(self, statement: str, params: Sequence[Any] = ()) -> Row | None: ...
        def write(self, statement: str, params: Sequence[Any] = ()) -> int: ...
        def _page(self, ids: str, params: Sequence[Any]) -> list[Row]: ...
        def followee_ids(self, who_id: int) -> list[int]: ...

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
        one_range = (
            "SELECT message_id FROM message"
            " WHERE author_id = ? AND message_id > ? ORDER BY message_id LIMIT ?"
        )
        pages = []
        for start in range(0, len(authors), _AUTHORS_PER_STATEMENT):
            chunk = authors[start : start + _AUTHORS_PER_STATEMENT]
            ranges = " UNION ALL ".join(
                self.dialect.union_member.format(select=one_range, index=index)
                for index in range(len(chunk))
            )
            params: list[Any] = []
            for author in chunk:
                params += (author, after, limit)
            params.append(limit)
            pages.append(self._page(f"{ranges} ORDER BY message_id LIMIT ?", params))
        # Each page is newest first; the oldest ``limit`` of all of them form the answer.
        merged = heapq.merge(*(page[::-1] for page in pages), key=lambda row: row["message_id"])
        return list(itertools.islice(merged, limit))[::-1]
