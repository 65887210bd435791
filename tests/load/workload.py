"""Simulated people on twitapp, with a ledger of everything the site acknowledged.

Each :class:`SimulatedUser` is a thread with a cookie jar of its own (the end-to-end suite's
plain :class:`~tests.e2e.http_client.HttpClient`). It behaves as a browser would: it opens a
form before sending it (so the CSRF token travels the way the site hands it out) and follows
the redirect after a form, which is also what shows and consumes the flashed message. The mix:
register, log in, post, follow and unfollow, read the home, public and other people's
timelines (HTML and JSON, sometimes an older page), load the stylesheet, log out and in again.

Pairs of users start by racing to register the same name, so the unique index on user names
is exercised under concurrency: at most one of them may be told it worked.

What the site acknowledged goes into a :class:`Ledger`:

* a message is acknowledged when ``POST /add_message`` answers with the redirect home; every
  message carries a unique token, so :func:`audit` can count its rows afterwards;
* a follow or unfollow when it answers with the redirect to that user's page; the final
  state of a pair is known when its last action was acknowledged (each pair is only ever
  changed by the one thread that owns its follower side);
* a registration when it answers with the redirect to the login page.

Anything else (a 503, a timeout, a dropped connection) leaves the outcome unknown: such a
message may be stored at most once, never twice. All requests go through one
:class:`Recorder`, which gives the status counts and latency percentiles.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.http_client import HttpClient, Reply

from .budget import Budget, OutOfBudget, Progress

PASSWORD = "load-test password 1"
#: Seconds a simulated user waits after a 503 or no answer before the next request.
UNAVAILABLE_PAUSE = 0.2
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN = re.compile(r"\[(L[0-9a-f]+-\d+-\d+)\]")

#: Characters that must come back exactly as sent: markup, quotes, SQL, accents, an emoji.
_FILLERS = (
    "hello world",
    "<b>bold?</b> & 'quotes' \"double\"",
    "'; DROP TABLE message; --",
    "ünïcödé and 🐍 snakes",
    "100% of {{ braces }} and {% tags %}",
    "line one\nline two",
)

#: (weight, action name) of what a signed-in user does next.
MIX: tuple[tuple[int, str], ...] = (
    (25, "post"),
    (14, "home"),
    (10, "home_json"),
    (12, "public"),
    (8, "public_json"),
    (10, "user_page"),
    (4, "older_page"),
    (8, "follow"),
    (5, "unfollow"),
    (2, "static"),
    (2, "relogin"),
)


# --------------------------------------------------------------------------- accounting


@dataclass
class Call:
    """One request: what it was for, the status (0: no answer at all) and how long it took."""

    action: str
    status: int
    seconds: float
    at: float  # monotonic time it was sent


class Recorder:
    """Every request of a run, from every thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def summary(self, seconds: float) -> Summary:
        with self._lock:
            calls = list(self.calls)
        return Summary.of(calls, seconds)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Summary:
    requests: int
    seconds: float
    by_status: Counter[int]
    by_action: dict[str, Counter[int]]
    p50: float
    p90: float
    p99: float
    slowest: float

    @classmethod
    def of(cls, calls: Sequence[Call], seconds: float) -> Summary:
        latencies = sorted(call.seconds for call in calls)
        by_action: dict[str, Counter[int]] = defaultdict(Counter)
        for call in calls:
            by_action[call.action][call.status] += 1
        return cls(
            requests=len(calls),
            seconds=seconds,
            by_status=Counter(call.status for call in calls),
            by_action=dict(by_action),
            p50=percentile(latencies, 0.50),
            p90=percentile(latencies, 0.90),
            p99=percentile(latencies, 0.99),
            slowest=latencies[-1] if latencies else 0.0,
        )

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)

    @property
    def unanswered(self) -> int:
        return self.by_status.get(0, 0)

    def format(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        statuses = ", ".join(
            f"{'no answer' if status == 0 else status}: {n}"
            for status, n in sorted(self.by_status.items())
        )
        lines = [
            f"requests: {self.requests} in {self.seconds:.1f} s ({rate:.0f}/s)",
            f"by status: {statuses}",
            f"latency: p50 {self.p50 * 1000:.0f} ms, p90 {self.p90 * 1000:.0f} ms, "
            f"p99 {self.p99 * 1000:.0f} ms, max {self.slowest * 1000:.0f} ms",
            "by action: " + "; ".join(
                f"{action} {sum(counts.values())}{_unusual(counts)}"
                for action, counts in sorted(self.by_action.items())
            ),
        ]
        return "\n".join(lines)


def _unusual(counts: Counter[int]) -> str:
    """`` (400: 2, 503: 1)``: the statuses of an action other than 200 and 302."""
    odd = [f"{status or 'no answer'}: {n}" for status, n in sorted(counts.items())
           if status not in (200, 302)]
    return f" ({', '.join(odd)})" if odd else ""


@dataclass
class Ledger:
    """What the site told the clients it did. One per user thread; :meth:`merge` joins them."""

    #: user name -> whether its registration was acknowledged
    registrations: dict[str, bool] = field(default_factory=dict)
    #: names two users raced to register -> how many were told it worked
    contested: Counter[str] = field(default_factory=Counter)
    #: token -> (author, full text, acknowledged)
    messages: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    #: (follower, followed) -> True/False when the last action was acknowledged, None if unknown
    follows: dict[tuple[str, str], bool | None] = field(default_factory=dict)
    #: acknowledged posts that the page the redirect led to did not show
    unread_writes: list[str] = field(default_factory=list)

    def merge(self, other: Ledger) -> None:
        for name, acknowledged in other.registrations.items():
            # The loser of a registration race knows the name too, as "not mine".
            self.registrations[name] = self.registrations.get(name, False) or acknowledged
        self.contested.update(other.contested)
        self.messages.update(other.messages)
        self.follows.update(other.follows)
        self.unread_writes += other.unread_writes

    @property
    def acknowledged_messages(self) -> int:
        return sum(1 for _, _, acked in self.messages.values() if acked)

    @property
    def known_follows(self) -> int:
        return sum(1 for state in self.follows.values() if state is not None)


# --------------------------------------------------------------------------- people


class Directory:
    """Names of the registered users, which others pick whom to follow or read from."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        with self._lock:
            self._names.append(name)

    def pick(self, rng: random.Random, besides: str) -> str | None:
        with self._lock:
            others = [name for name in self._names if name != besides]
        return rng.choice(others) if others else None


class SimulatedUser(threading.Thread):
    """One person using the site until the budget runs out."""

    def __init__(
        self,
        index: int,
        run_id: str,
        base_urls: Sequence[str],
        recorder: Recorder,
        budget: Budget,
        directory: Directory,
        *,
        seed: int,
        timeout: float,
        think: float = 0.0,
    ) -> None:
        super().__init__(name=f"user-{index}", daemon=True)
        self.index = index
        self.run_id = run_id
        self.rng = random.Random(seed)
        # Every request may go to another server (all share the database and key).
        self.clients = [HttpClient(url, timeout=timeout) for url in base_urls]
        for client in self.clients[1:]:
            # One browser, several servers: the cookie jar is the person's, not the server's.
            client.cookies = self.clients[0].cookies
        self.recorder = recorder
        self.budget = budget
        self.directory = directory
        self.think = think
        self.ledger = Ledger()
        self.progress = budget.progress
        self.server = 0  # index of the server the last request went to
        self.username = ""
        self.csrf = ""
        self.sequence = 0
        self.posted = False  # whether a post of this user was acknowledged
        self.error: BaseException | None = None

    # -- plumbing

    def _client(self) -> HttpClient:
        self.server = self.rng.randrange(len(self.clients))
        return self.clients[self.server]

    def send(self, action: str, method: str, path: str, *, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Reply | None:
        """One request, recorded; None when no answer came (refused, reset or timed out)."""
        if not self.budget.take():
            raise OutOfBudget
        client = self._client()
        began = time.monotonic()
        try:
            reply: Reply | None = client.request(method, path, form=form, headers=headers)
        except (OSError, http.client.HTTPException):
            reply = None
        self.recorder.add(Call(action, reply.status if reply else 0, time.monotonic() - began, began))
        if reply is None or reply.status == 503:
            # The site is unavailable: a person waits a moment before the next click. Without
            # the pause, ten users reload hundreds of times a second while a 503 takes about a
            # millisecond, and spend the run's request budget before the database is back.
            time.sleep(UNAVAILABLE_PAUSE)
        elif self.think:
            time.sleep(self.rng.uniform(0, self.think))
        return reply

    def follow_redirect(self, action: str, reply: Reply) -> Reply | None:
        """What a browser does after a form: load the page the redirect names."""
        target = reply.location_path
        return self.send(action, "GET", target) if target else None

    def read_csrf(self, reply: Reply | None) -> None:
        if reply is not None and reply.status == 200:
            found = _CSRF.search(reply.text)
            if found:
                self.csrf = found.group(1)

    # -- the life of one user

    def run(self) -> None:
        try:
            self.live()
        except OutOfBudget:
            pass
        except BaseException as exc:  # a bug in the simulation itself: keep it for the report
            self.error = exc

    def live(self) -> None:
        contested = f"c{self.run_id[1:9]}x{self.index // 2}"
        own = f"u{self.run_id[1:9]}x{self.index}"
        if self.register(contested, contested=True):
            self.username = contested
        else:
            while not self.register(own):
                time.sleep(0.2)  # the site was unavailable: try again, as a person would
            self.username = own
        self.directory.add(self.username)
        while not self.log_in():
            time.sleep(0.2)
        self.progress.note_signed_in()
        actions = [name for _, name in MIX]
        weights = [weight for weight, _ in MIX]
        while True:
            getattr(self, "do_" + self.rng.choices(actions, weights)[0])()

    def register(self, name: str, contested: bool = False) -> bool:
        """Register ``name``; True when the site said it worked."""
        form = self.send("register_form", "GET", "/register")
        if form is None or form.status != 200:
            return False  # no form, no token: a person would reload the page
        self.read_csrf(form)
        reply = self.send("register", "POST", "/register", form={
            "username": name,
            "email": f"{name}@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": self.csrf,
        })
        acknowledged = reply is not None and reply.status == 302 and reply.location_path == "/login"
        if contested:
            self.ledger.contested[name] += int(acknowledged)
        if acknowledged or name not in self.ledger.registrations:
            self.ledger.registrations[name] = acknowledged
        if reply is not None and reply.status == 302:
            self.follow_redirect("register_done", reply)
        return acknowledged

    def log_in(self) -> bool:
        form = self.send("login_form", "GET", "/login")
        if form is not None and form.status == 302 and form.location_path == "/":
            return self._reload_home()  # still signed in (a logout went unanswered)
        if form is None or form.status != 200:
            return False
        self.read_csrf(form)
        reply = self.send("login", "POST", "/login", form={
            "username": self.username, "password": PASSWORD, "csrf_token": self.csrf,
        })
        if reply is None or reply.status != 302 or reply.location_path != "/":
            return False
        # Signing in starts a new session, with a new CSRF token: the home page carries it.
        home = self.follow_redirect("home", reply)
        if home is None or home.status != 200:
            return self._reload_home()
        self.read_csrf(home)
        return True

    def _reload_home(self) -> bool:
        """Load the home page until it comes (the site may be unavailable for a while)."""
        home = self.send("home", "GET", "/")
        while home is None or home.status != 200:
            if home is not None and home.status == 302:
                return False  # signed out after all
            time.sleep(0.2)
            home = self.send("home", "GET", "/")
        self.read_csrf(home)
        return True

    def do_post(self) -> None:
        self.sequence += 1
        token = f"{self.run_id}-{self.index}-{self.sequence}"
        text = f"[{token}] {self.rng.choice(_FILLERS)}"
        self.ledger.messages[token] = (self.username, text, False)
        try:
            reply = self.send("post", "POST", "/add_message", form={"text": text, "csrf_token": self.csrf})
        except OutOfBudget:
            del self.ledger.messages[token]  # never sent
            raise
        if reply is None or reply.status != 302 or reply.location_path != "/":
            return
        self.ledger.messages[token] = (self.username, text, True)
        self.progress.note_post(self.server, first_of_user=not self.posted)
        self.posted = True
        page = self.follow_redirect("home", reply)
        if page is not None and page.status == 200:
            self.read_csrf(page)
            # The escaped form of the text is what the page must show.
            if f"[{token}]" not in page.text:
                self.ledger.unread_writes.append(token)

    def do_home(self) -> None:
        self.read_csrf(self.send("home", "GET", "/"))

    def do_home_json(self) -> None:
        self.send("home_json", "GET", "/", headers={"Accept": "application/json"})

    def do_public(self) -> None:
        self.send("public", "GET", "/public")

    def do_public_json(self) -> None:
        self.send("public_json", "GET", "/public", headers={"Accept": "application/json"})

    def do_user_page(self) -> None:
        whom = self.directory.pick(self.rng, besides="") or self.username
        self.send("user_page", "GET", f"/{whom}")

    def do_older_page(self) -> None:
        reply = self.send("public_json", "GET", "/public", headers={"Accept": "application/json"})
        if reply is not None and reply.status == 200:
            cursor = reply.json().get("next")
            if cursor:
                self.send("older_page", "GET", f"/public?before={cursor}")

    def _toggle(self, action: str) -> None:
        whom = self.directory.pick(self.rng, besides=self.username)
        if whom is None:
            return
        pair = (self.username, whom)
        before = self.ledger.follows.get(pair, False)
        # Unknown until the site answers; stays unknown if it does not.
        self.ledger.follows[pair] = None
        try:
            reply = self.send(action, "POST", f"/{whom}/{action}", form={"csrf_token": self.csrf})
        except OutOfBudget:
            self.ledger.follows[pair] = before  # never sent
            raise
        if reply is not None and reply.status == 302 and urlsplit(reply.location or "").path == f"/{whom}":
            self.ledger.follows[pair] = action == "follow"
            self.progress.note_follow()
            self.follow_redirect("user_page", reply)

    def do_follow(self) -> None:
        self._toggle("follow")

    def do_unfollow(self) -> None:
        self._toggle("unfollow")

    def do_static(self) -> None:
        self.send("static", "GET", "/static/style.css")

    def do_relogin(self) -> None:
        reply = self.send("logout", "POST", "/logout", form={"csrf_token": self.csrf})
        if reply is None or reply.status != 302:
            return  # still signed in; a person would carry on
        self.read_csrf(self.follow_redirect("public", reply))
        while not self.log_in():
            time.sleep(0.2)


# --------------------------------------------------------------------------- a run


@dataclass
class LoadResult:
    summary: Summary
    ledger: Ledger
    calls: list[Call]
    errors: list[BaseException]
    progress: Progress = field(default_factory=Progress)
    #: whether the run's goal (``until``) was reached; True for a run without one
    reached: bool = True


def run_load(
    base_urls: Sequence[str],
    *,
    users: int,
    seconds: float,
    max_requests: int,
    run_id: str,
    timeout: float = 15.0,
    think: float = 0.0,
    seed: int = 1,
    on_start: Callable[[Budget], Any] | None = None,
    until: Callable[[Progress], bool] | None = None,
    ceiling: float | None = None,
) -> LoadResult:
    """Run ``users`` simulated people against the servers until the budget runs out.

    ``run_id`` must start with ``L`` and be hex after it (it is part of every user name and
    message token). ``on_start``, if given, is called in this thread once the users are
    running, with the budget (fault injection does its work there, waiting on
    ``budget.progress`` if it needs the run to have got somewhere; it may stop the budget).

    With a goal ``until``, the run lasts ``seconds`` and then on until ``until(progress)``
    holds, ``ceiling`` seconds at most (see :mod:`tests.load.budget`); ``reached`` in the
    result says whether the goal was met.
    """
    if not re.fullmatch(r"L[0-9a-f]{8,}", run_id):
        raise ValueError(f"run_id must look like L + hex digits, not {run_id!r}")
    recorder = Recorder()
    budget = Budget(seconds, max_requests, until=until, ceiling=ceiling,
                    progress=Progress(users, len(base_urls)))
    directory = Directory()
    people = [
        SimulatedUser(i, run_id, base_urls, recorder, budget, directory,
                      seed=seed * 100_003 + i, timeout=timeout, think=think)
        for i in range(users)
    ]
    began = time.monotonic()
    for person in people:
        person.start()
    try:
        if on_start is not None:
            on_start(budget)
    finally:
        for person in people:
            # Users stop by the ceiling at the latest; a request in flight ends within its timeout.
            person.join(timeout=budget.left() + timeout + 5)
        reached = budget.reached
        budget.stop()
    elapsed = time.monotonic() - began
    ledger = Ledger()
    for person in people:
        ledger.merge(person.ledger)
    errors = [person.error for person in people if person.error is not None]
    errors += [RuntimeError(f"{p.name} did not finish") for p in people if p.is_alive()]
    return LoadResult(recorder.summary(elapsed), ledger, list(recorder.calls), errors,
                      budget.progress, reached)


# --------------------------------------------------------------------------- the audit


@dataclass
class Audit:
    """The database compared with the ledger. ``problems`` is empty when they agree."""

    users_in_db: int = 0
    messages_in_db: int = 0
    acknowledged_messages: int = 0
    unacknowledged_messages: int = 0
    unacknowledged_stored: int = 0
    known_follows: int = 0
    lost_writes: int = 0
    problems: list[str] = field(default_factory=list)

    def format(self) -> str:
        return (
            f"acknowledged messages: {self.acknowledged_messages}, stored exactly once: "
            f"{self.acknowledged_messages - self.lost_writes if not self.problems else 'see problems'}; "
            f"unacknowledged: {self.unacknowledged_messages} ({self.unacknowledged_stored} stored); "
            f"follow pairs checked: {self.known_follows}; users: {self.users_in_db}; "
            f"lost writes: {self.lost_writes}; problems: {len(self.problems)}"
            + "".join(f"\n  - {problem}" for problem in self.problems[:20])
        )


def audit(database_url: str, ledger: Ledger, run_id: str) -> Audit:
    """Read the run's users, messages and follows back and compare them with ``ledger``."""
    from twitapp import db  # the app's own driver code knows both backends and their URLs

    conn = db.Connection(database_url)
    try:
        users = conn.query("SELECT user_id, username FROM user")
        rows = conn.query(
            "SELECT m.text, u.username FROM message m JOIN user u ON u.user_id = m.author_id"
        )
        follows = conn.query(
            "SELECT a.username AS who, b.username AS whom FROM follower f"
            " JOIN user a ON a.user_id = f.who_id JOIN user b ON b.user_id = f.whom_id"
        )
    finally:
        conn.close()
    result = Audit(users_in_db=len(users), messages_in_db=len(rows))

    names = Counter(row["username"].lower() for row in users)
    for name, count in names.items():
        if count > 1:
            result.problems.append(f"user name {name!r} stored {count} times")
    for name, acknowledged in ledger.registrations.items():
        if acknowledged and names[name.lower()] != 1:
            result.problems.append(f"acknowledged registration of {name!r} is not stored")
            result.lost_writes += 1
    for name, wins in ledger.contested.items():
        if wins > 1:
            result.problems.append(f"{wins} clients were told they registered {name!r}")

    stored: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        for token in _TOKEN.findall(row["text"]):
            if token.startswith(run_id + "-"):
                stored[token].append((row["username"], row["text"]))
    for token, (author, text, acknowledged) in ledger.messages.items():
        copies = stored.pop(token, [])
        if acknowledged:
            result.acknowledged_messages += 1
            if not copies:
                result.lost_writes += 1
                result.problems.append(f"acknowledged message {token} is not stored")
            elif len(copies) > 1:
                result.problems.append(f"acknowledged message {token} is stored {len(copies)} times")
            elif copies[0] != (author, text):
                result.problems.append(f"message {token} came back as {copies[0]!r}, sent {(author, text)!r}")
        else:
            result.unacknowledged_messages += 1
            result.unacknowledged_stored += int(bool(copies))
            if len(copies) > 1:
                result.problems.append(f"unacknowledged message {token} is stored {len(copies)} times")
    for token in stored:
        result.problems.append(f"message {token} is stored but no client sent it")

    present = {(row["who"], row["whom"]) for row in follows}
    for pair, state in ledger.follows.items():
        if state is None:
            continue
        result.known_follows += 1
        if state and pair not in present:
            result.lost_writes += 1
            result.problems.append(f"acknowledged follow {pair[0]} -> {pair[1]} is missing")
        elif not state and pair in present:
            result.lost_writes += 1
            result.problems.append(f"acknowledged unfollow {pair[0]} -> {pair[1]} did not happen")
    return result
