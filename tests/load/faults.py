"""Database faults under a running twitapp, and what the site answered meanwhile.

Every fault here is done to a private MariaDB server (:mod:`tests.support.mariadb_instance`),
never to the machine's shared one:

* :func:`outage`: the server is stopped (``stop``: a graceful shutdown; ``crash``: SIGKILL),
  stays down for a while, and is started again. While it is down, anonymous probes read the
  public timeline as HTML and as JSON; each must get a readable 503 quickly. Once it is back,
  the probes measure how long until the site answers 200 again, with gunicorn left alone.
* :func:`kill_app_connections`: ``KILL`` every connection the app holds to its database
  (found in ``information_schema.processlist`` by database name); the next requests must work.
* :func:`slow_write`: another connection holds ``LOCK TABLES message WRITE`` while a signed-in
  user posts, so the post waits longer than the app's read timeout: the answer must be a 503
  (the post not acknowledged) in about that timeout, and once the lock goes, posting works.
* :func:`killed_while_waiting`: the same lock, and the app's waiting connection is killed
  from the admin connection: again a 503, well before the timeout, and then recovery.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.e2e.http_client import HttpClient, Reply
from tests.support.mariadb_instance import MariaDBInstance

#: Longest a request may take while the database is down (connect refused: should be ms).
OUTAGE_ANSWER_LIMIT = 5.0
#: Longest the site may take to answer 200 again once the database is back.
RECOVERY_LIMIT = 5.0


@dataclass
class Probe:
    """One request sent during a fault."""

    status: int  # 0: no answer
    seconds: float
    readable: bool  # a 503 the reader understands: no traceback, the right body, Retry-After
    detail: str = ""


def probe(client: HttpClient, path: str = "/public", *, as_json: bool = False) -> Probe:
    """GET ``path`` and judge the answer as an error page a person (or program) can read."""
    headers = {"Accept": "application/json"} if as_json else {}
    began = time.monotonic()
    try:
        reply = client.get(path, headers=headers)
    except (OSError, http.client.HTTPException) as exc:
        return Probe(0, time.monotonic() - began, False, f"no answer: {exc!r}")
    seconds = time.monotonic() - began
    return Probe(reply.status, seconds, *_judge(reply, as_json))


def _judge(reply: Reply, as_json: bool) -> tuple[bool, str]:
    if reply.status != 503:
        return reply.status < 500, f"status {reply.status}"
    body = reply.text
    if "Traceback" in body or 'File "' in body:
        return False, "the 503 shows a traceback"
    if not reply.headers.get("Retry-After"):
        return False, "the 503 has no Retry-After"
    if as_json:
        try:
            error = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            return False, f"the JSON 503 is not an error object: {body[:200]!r}"
        return error.get("code") == 503 and bool(error.get("description")), "json"
    readable = reply.content_type == "text/html" and "database" in body.lower()
    return readable, "html" if readable else f"the HTML 503 does not say why: {body[:200]!r}"


@dataclass
class OutageReport:
    kind: str
    down_seconds: float
    probes: list[Probe] = field(default_factory=list)
    recovered_after: float | None = None  # seconds from the server being up to a 200

    @property
    def slowest_answer(self) -> float:
        return max((p.seconds for p in self.probes), default=0.0)

    def problems(self) -> list[str]:
        found = []
        if not self.probes:
            found.append(f"{self.kind}: no probe was answered during the outage")
        for p in self.probes:
            if p.status != 503 or not p.readable:
                found.append(f"{self.kind}: during the outage a probe got {p.status} ({p.detail})")
            if p.seconds > OUTAGE_ANSWER_LIMIT:
                found.append(f"{self.kind}: a probe took {p.seconds:.1f} s during the outage")
        if self.recovered_after is None or self.recovered_after > RECOVERY_LIMIT:
            found.append(f"{self.kind}: the site did not recover within {RECOVERY_LIMIT} s")
        return found

    def format(self) -> str:
        statuses = sorted({p.status for p in self.probes})
        recovered = "never" if self.recovered_after is None else f"{self.recovered_after:.2f} s"
        return (
            f"{self.kind}: down {self.down_seconds:.1f} s, {len(self.probes)} probes answered "
            f"{statuses} (slowest {self.slowest_answer * 1000:.0f} ms), "
            f"200 again {recovered} after the database was back"
        )


def outage(instance: MariaDBInstance, base_url: str, kind: str, down_for: float) -> OutageReport:
    """Take the database down (``stop`` or ``crash``) for ``down_for`` s, then bring it back."""
    client = HttpClient(base_url, timeout=OUTAGE_ANSWER_LIMIT * 3)
    began = time.monotonic()
    if kind == "crash":
        instance.crash()
    elif kind == "stop":
        instance.stop()
    else:
        raise ValueError(f"kind must be 'stop' or 'crash', not {kind!r}")
    report = OutageReport(kind, 0.0)
    as_json = False
    while True:
        report.probes.append(probe(client, as_json=as_json))
        as_json = not as_json
        if time.monotonic() - began >= down_for:
            break
        time.sleep(0.2)
    instance.start()
    up = time.monotonic()
    report.down_seconds = up - began
    while time.monotonic() - up < RECOVERY_LIMIT * 3:
        if probe(client).status == 200:
            report.recovered_after = time.monotonic() - up
            break
        time.sleep(0.05)
    return report


def app_connections(instance: MariaDBInstance, database: str) -> list[dict[str, object]]:
    """The server's connections that use ``database`` (the app's), from the process list."""
    admin = instance.connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT id, command, state, info FROM information_schema.processlist"
                " WHERE db = %s AND id <> CONNECTION_ID()",
                (database,),
            )
            columns = [c[0].lower() for c in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        admin.close()


def kill(instance: MariaDBInstance, connection_id: object) -> None:
    admin = instance.connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"KILL CONNECTION {int(connection_id)}")  # type: ignore[call-overload]
    finally:
        admin.close()


@dataclass
class KillReport:
    killed: int
    after: list[int]  # statuses of the requests right after the kill

    def problems(self) -> list[str]:
        found = []
        if not self.killed:
            found.append("kill: the app held no connection to kill")
        if any(status >= 500 or status == 0 for status in self.after):
            found.append(f"kill: requests after the KILL got {self.after}")
        return found

    def format(self) -> str:
        return f"KILL of the app's {self.killed} connections: the next requests got {self.after}"


def kill_app_connections(instance: MariaDBInstance, database: str, base_url: str) -> KillReport:
    """KILL every connection the app holds, then send requests (several, to reach each worker)."""
    client = HttpClient(base_url, timeout=15)
    for _ in range(6):  # make sure each worker has opened (and kept) its connection
        probe(client)
    victims = app_connections(instance, database)
    for row in victims:
        kill(instance, row["id"])
    return KillReport(len(victims), [probe(client).status for _ in range(8)])


@dataclass
class SlowReport:
    kind: str
    status: int  # of the post that met the lock
    seconds: float
    stored: bool  # whether the unacknowledged post was stored anyway
    after: int  # status of a post once the lock is gone
    after_stored: bool
    limit: float

    def problems(self) -> list[str]:
        found = []
        if self.status not in (302, 503):
            found.append(f"{self.kind}: the post behind the lock got {self.status}")
        if self.seconds > self.limit:
            found.append(f"{self.kind}: the post behind the lock took {self.seconds:.1f} s")
        if self.status == 302 and not self.stored:
            found.append(f"{self.kind}: the post was acknowledged but is not stored")
        if self.after != 302 or not self.after_stored:
            found.append(f"{self.kind}: after the lock a post got {self.after} (stored: {self.after_stored})")
        return found

    def format(self) -> str:
        return (
            f"{self.kind}: the post met the lock and got {self.status} after {self.seconds:.2f} s "
            f"(stored: {self.stored}); after the lock the next post got {self.after}"
        )


def signed_in(base_url: str, name: str, password: str = "slow-test password") -> tuple[HttpClient, str]:
    """A client signed in as a new user, and its CSRF token (one user may do both lock checks:
    signing up costs two scrypt hashes, seconds on a busy machine)."""
    client = HttpClient(base_url, timeout=60)
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    page = client.get("/register")
    fields = {"username": name, "email": f"{name}@example.org", "password": password,
              "password2": password, "csrf_token": token.search(page.text).group(1)}  # type: ignore[union-attr]
    assert client.post("/register", fields).status == 302
    page = client.get("/login")
    login = {"username": name, "password": password,
             "csrf_token": token.search(page.text).group(1)}  # type: ignore[union-attr]
    assert client.post("/login", login).status == 302
    home = client.get("/")
    return client, token.search(home.text).group(1)  # type: ignore[union-attr]


def _stored(instance: MariaDBInstance, database: str, text: str) -> bool:
    admin = instance.connect(database)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM message WHERE text = %s", (text,))
            (count,) = cursor.fetchone()
            return bool(count)
    finally:
        admin.close()


def _post_behind_lock(instance: MariaDBInstance, database: str, base_url: str, name: str,
                      while_locked: Callable[[], None] | None, limit: float, kind: str,
                      poster: tuple[HttpClient, str] | None) -> SlowReport:
    client, csrf = poster or signed_in(base_url, name)
    locker = instance.connect(database)
    text = f"{kind} post of {name}"
    result: dict[str, object] = {}

    def send() -> None:
        began = time.monotonic()
        try:
            reply = client.post("/add_message", {"text": text, "csrf_token": csrf})
            result["status"] = reply.status
        except (OSError, http.client.HTTPException):
            result["status"] = 0
        result["seconds"] = time.monotonic() - began

    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLES message WRITE")
        poster = threading.Thread(target=send)
        poster.start()
        if while_locked is not None:
            while_locked()
        poster.join(timeout=limit * 3)
        with locker.cursor() as cursor:
            cursor.execute("UNLOCK TABLES")
    finally:
        locker.close()
    # The server runs the abandoned INSERT once the lock goes, then rolls it back with the
    # connection: give that a moment before judging what is stored.
    time.sleep(0.5)
    stored = _stored(instance, database, text)
    after_text = f"{text}, after the lock"
    after = client.post("/add_message", {"text": after_text, "csrf_token": csrf}).status
    return SlowReport(kind, int(result.get("status", 0)), float(result.get("seconds", 1e9)),
                      stored, after, _stored(instance, database, after_text), limit)


def slow_write(instance: MariaDBInstance, database: str, base_url: str, read_timeout: float,
               poster: tuple[HttpClient, str] | None = None) -> SlowReport:
    """A post that waits on a table lock longer than the app's read timeout.

    ``poster`` is a signed-in client and its CSRF token (:func:`signed_in`); by default a new
    user signs up.
    """
    return _post_behind_lock(instance, database, base_url, "slowpost", None,
                             limit=read_timeout + 3.0, kind="lock longer than the read timeout",
                             poster=poster)


def killed_while_waiting(instance: MariaDBInstance, database: str, base_url: str,
                         read_timeout: float, poster: tuple[HttpClient, str] | None = None) -> SlowReport:
    """A post waiting on a table lock whose connection is killed by the server (``poster``:
    as for :func:`slow_write`)."""

    def kill_the_waiter() -> None:
        deadline = time.monotonic() + read_timeout
        while time.monotonic() < deadline:
            waiting = [row for row in app_connections(instance, database)
                       if "lock" in str(row.get("state") or "").lower()]
            if waiting:
                for row in waiting:
                    kill(instance, row["id"])
                return
            time.sleep(0.05)

    return _post_behind_lock(instance, database, base_url, "killedpost", kill_the_waiter,
                             limit=read_timeout * 0.8, kind="KILL while waiting on a lock",
                             poster=poster)


def gunicorn_health(log_text: str, workers: int) -> list[str]:
    """What the gunicorn log says went wrong: tracebacks, worker timeouts, crashed workers."""
    found = []
    booted = log_text.count("Booting worker")
    if booted != workers:
        found.append(f"gunicorn booted {booted} workers for {workers}: one crashed or was killed")
    for marker in ("Traceback", "WORKER TIMEOUT", "exited with code", "was sent SIGKILL"):
        if marker in log_text:
            found.append(f"gunicorn log contains {marker!r}")
    return found
