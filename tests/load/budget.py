"""When a load run ends, and how far it has got: its :class:`Budget` and its :class:`Progress`.

A run that only counted seconds would test less on a slow machine than on a fast one: on a
busy 2-core box the simulated users can spend a whole fixed run registering (scrypt hashing
is CPU-heavy), never post, and leave the audit nothing to check. So a run may be given a goal
in what the site *acknowledged* (every user signed in, so many posts, ...). It then lasts
until the goal is reached, but at least ``seconds`` (the run's length on an idle machine, as
before) and at most ``ceiling``, a generous hard limit. Fault schedules wait on the same
:class:`Progress` instead of sleeping, so an outage always falls where there is something to
lose. A goal still unmet at the ceiling is reported (:attr:`Budget.reached`), never passed over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Progress:
    """What the site has acknowledged so far in a run, counted by the user threads as it happens."""

    def __init__(self, users: int = 0, servers: int = 1) -> None:
        self.users = users
        self.began = time.monotonic()
        self.signed_in = 0  # users past their first sign-in
        self.all_signed_in_after: float | None = None  # seconds into the run
        self.posts = 0  # acknowledged posts
        self.posts_by_server = [0] * servers
        self.posters = 0  # users with at least one acknowledged post
        self.follows = 0  # acknowledged follows and unfollows
        self.over = False  # the run has ended: nothing will change any more
        self._changed = threading.Condition()

    def _note(self, change: Callable[[], None]) -> None:
        with self._changed:
            change()
            self._changed.notify_all()

    def note_signed_in(self) -> None:
        def change() -> None:
            self.signed_in += 1
            if self.signed_in == self.users:
                self.all_signed_in_after = time.monotonic() - self.began
        self._note(change)

    def note_post(self, server: int, first_of_user: bool) -> None:
        def change() -> None:
            self.posts += 1
            self.posts_by_server[server] += 1
            self.posters += int(first_of_user)
        self._note(change)

    def note_follow(self) -> None:
        def change() -> None:
            self.follows += 1
        self._note(change)

    def end(self) -> None:
        def change() -> None:
            self.over = True
        self._note(change)

    def wait_for(self, condition: Callable[[Progress], bool], timeout: float) -> bool:
        """Wait until ``condition(self)`` holds (True), or the run ends or ``timeout`` passes (False)."""
        with self._changed:
            self._changed.wait_for(lambda: self.over or condition(self), max(0.0, timeout))
            return condition(self)

    def format(self) -> str:
        servers = f" (by server: {', '.join(map(str, self.posts_by_server))})" if len(self.posts_by_server) > 1 else ""
        after = self.all_signed_in_after
        when = f" (all after {after:.1f} s)" if after is not None else ""
        return (f"progress: {self.signed_in}/{self.users} users signed in{when}, {self.posters} of them "
                f"posted; {self.posts} posts{servers} and {self.follows} follows/unfollows acknowledged")


class Budget:
    """Permission to send requests: until ``max_requests``, and until the run's time is up.
    With a goal, ``max_requests`` ends the run only once the goal holds.

    Without a goal (``until``) the time is up after ``seconds``. With one, it is up once
    ``seconds`` have passed *and* ``until(progress)`` holds, or at ``ceiling`` seconds at the
    latest. ``deadline`` is the end of the first ``seconds``, ``ceiling`` the hard end (both
    ``time.monotonic()`` values).
    """

    def __init__(self, seconds: float, max_requests: int, *,
                 until: Callable[[Progress], bool] | None = None, ceiling: float | None = None,
                 progress: Progress | None = None) -> None:
        began = time.monotonic()
        self.deadline = began + seconds
        self.ceiling = began + (max(seconds, ceiling) if until is not None and ceiling is not None else seconds)
        self.until = until
        self.progress = progress or Progress()
        self.remaining = max_requests
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    @property
    def reached(self) -> bool:
        """Whether the goal holds (a run without one has none to miss)."""
        return self.until is None or self.until(self.progress)

    def left(self) -> float:
        """Seconds until the ceiling."""
        return max(0.0, self.ceiling - time.monotonic())

    def take(self) -> bool:
        """Permission for one more request."""
        if self.stopped.is_set():
            return False
        now = time.monotonic()
        if now >= self.ceiling or (now >= self.deadline and self.reached):
            self.stop()
            return False
        with self._lock:
            exhausted = self.remaining <= 0
            if not exhausted:
                self.remaining -= 1
        # The request count ends a run with a goal only once the goal holds: on a fast machine
        # the count comes sooner, and the run must not end emptier there (the ceiling still
        # bounds it).
        if exhausted and self.reached:
            self.stop()
            return False
        return True

    def stop(self) -> None:
        self.stopped.set()
        self.progress.end()


class OutOfBudget(Exception):
    """The run is over; the user thread winds down."""
