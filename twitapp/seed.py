"""Fill a database with realistic fake data, fast: multi-row inserts in large batches."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from werkzeug.security import generate_password_hash

from .db import Connection

_ADJECTIVES = (
    "quiet brave lucky sunny misty rapid gentle clever witty mellow bold calm eager fancy "
    "jolly keen lively noble proud silly tidy vivid wise zesty amber azure coral golden"
).split()
_NOUNS = (
    "otter falcon maple river comet pixel badger cedar harbor lantern meadow orbit pepper "
    "quartz raven sparrow thistle tundra walrus willow yak zephyr ember fjord glacier heron"
).split()
_WORDS = (
    "the a an and or but so today tomorrow yesterday coffee tea code bug fix release deploy "
    "server database query index cache latency python flask werkzeug jinja template route "
    "request response cookie session follow message timeline public home weekend weather "
    "train bike walk lunch dinner music book film idea plan meeting review test green red "
    "finally again still never always really quite very new old fast slow happy tired "
    "learned shipped broke fixed wrote read watched found lost made tried loved hated is "
    "was will be have had do did with without for from to in on at by about after before"
).split()

#: Rows per INSERT statement: big enough to amortise round trips, small enough for
#: SQLite's 32766-parameter limit (3 columns a message row).
BATCH_ROWS = 2000
#: Statements per transaction.
BATCHES_PER_COMMIT = 10


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Progress:
    """Prints "what: done/total (rate/s)" at most every half second, and at the end."""

    def __init__(self, what: str, total: int, out: TextIO) -> None:
        self.what, self.total, self.out = what, total, out
        self.started = self.last = time.monotonic()
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= 0.5 or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            print(f"  {self.what}: {self.done:,}/{self.total:,} ({rate:,.0f}/s)", file=self.out, flush=True)


def _load(conn: Connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple],
          total: int, out: TextIO, ignore_duplicates: bool = False) -> None:
    progress = _Progress(table, total, out)
    for index, batch in enumerate(_batches(rows, BATCH_ROWS), start=1):
        conn.insert_rows(table, columns, batch, ignore_duplicates=ignore_duplicates)
        if index % BATCHES_PER_COMMIT == 0:
            conn.commit()
        progress.advance(len(batch))
    conn.commit()


def seed(conn: Connection, users: int, messages: int, follows: int, *, rng_seed: int = 1,
         password: str = "password", out: TextIO | None = None,
         hasher: Callable[[str], str] = generate_password_hash) -> dict[str, float]:
    """Add ``users`` users, ``follows`` follow relations and ``messages`` messages.

    Every new user's password is ``password`` (hashed once: hashing a million times would
    take hours). Messages are spread over the past year in id order, with a skewed author
    distribution (a few prolific authors, a long tail). Returns the seconds each part took.
    """
    out = out or sys.stdout
    rng = random.Random(rng_seed)
    timings: dict[str, float] = {}
    # Ids need not be contiguous (auto-increment counters survive deletes): read them back.
    old_top = conn.max_id("user", "user_id")
    pw_hash = hasher(password)

    started = time.monotonic()
    # Names carry a serial number past the largest id, so they never clash with old ones.
    def user_rows() -> Iterator[tuple]:
        for number in range(old_top + 1, old_top + 1 + users):
            name = f"{rng.choice(_ADJECTIVES)}_{rng.choice(_NOUNS)}{number}"
            yield (name, f"{name}@example.org", pw_hash)

    print(f"seeding {users:,} users", file=out, flush=True)
    _load(conn, "user", ("username", "email", "pw_hash"), user_rows(), users, out)
    timings["users"] = time.monotonic() - started

    everyone = conn.user_ids()
    newcomers = conn.user_ids(above=old_top) or everyone
    if len(everyone) < 2 and (follows or messages):
        raise ValueError("need at least two users to add follows or messages")

    started = time.monotonic()

    def follow_rows() -> Iterator[tuple]:
        for _ in range(follows):
            who, whom = rng.sample(everyone, 2)  # two different users: never oneself
            yield (who, whom)

    print(f"seeding {follows:,} follows (repeated pairs are skipped)", file=out, flush=True)
    _load(conn, "follower", ("who_id", "whom_id"), follow_rows(), follows, out, ignore_duplicates=True)
    timings["follows"] = time.monotonic() - started

    started = time.monotonic()
    now = int(time.time())
    year = 365 * 24 * 3600
    # The new users write (all users when none were added), in a random order; squaring
    # a uniform draw makes the first ones the most prolific (1% of the authors write
    # about 10% of the messages), the rest a long tail.
    authors = list(newcomers)
    rng.shuffle(authors)

    def message_rows() -> Iterator[tuple]:
        for index in range(messages):
            author = authors[int(len(authors) * rng.random() ** 2)]
            text = " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))
            yield (author, text[:280], now - year + (year * index) // max(messages, 1))

    print(f"seeding {messages:,} messages", file=out, flush=True)
    _load(conn, "message", ("author_id", "text", "pub_date"), message_rows(), messages, out)
    timings["messages"] = time.monotonic() - started
    return timings
