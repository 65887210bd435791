"""Several MySQL servers behind one ``DATABASE_URL``: which one to use, when to move, when to retry.

This is the part of the data layer that knows the database may be a cluster of equal
servers, such as a MariaDB Galera cluster, where every node takes reads and writes:

* **Node choice.** ``mysql://u:p@h1:3306,h2:3306,h3:3306/db`` names three nodes. Each
  process starts on its own one (its pid picks it, so gunicorn's workers spread over the
  nodes) and stays there while it works; after a failover, it goes back to its own node
  :data:`FAIL_BACK_AFTER` seconds later. A one-host URL never fails over: its errors are
  raised as before.
* **Failover.** An error that means "this node cannot serve now" (refused, lost, gone away,
  killed, shutting down, or Galera's 1047 "not ready", e.g. a node cut off from the
  majority) makes the connection move to the next node. The node is remembered as dead for
  :data:`HEALTH_MEMORY` seconds, so the process does not knock on it at every request.
* **Conflicts.** Galera certifies a transaction against those committed meanwhile on other
  nodes and refuses the loser with 1213 (deadlock) at ``COMMIT``; InnoDB does the same for
  local deadlocks and lock waits (1205). Nothing was written, so the whole transaction is run
  again, after a jittered, exponentially growing pause, within :class:`RetryPolicy`'s time
  budget. Then the answer is :class:`DatabaseBusy` (a 503 saying the site is busy).
* **Read-your-writes.** Galera applies a certified write on the other nodes shortly *after*
  the writer's ``COMMIT`` returns, so a read on another node may not see it yet. With
  ``wsrep_sync_wait = 1`` a node first waits until it has applied everything committed
  in the cluster before the read began. Measured here it costs +0.01 to +0.2 ms a read
  (p50) and removes every miss (17-62 % of reads right after a write on another node saw the
  old value without it; figures in docs/SCALING.md), so it is set on every connection to
  a Galera node; :func:`prepare` detects Galera by ``@@wsrep_on``, nobody configures it.

:mod:`twitapp.db` calls :func:`connect` to open a connection and asks
:func:`is_failover_error` / :func:`is_conflict` what an error means.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pymysql
import pymysql.cursors

log = logging.getLogger(__name__)

#: Errors after which another node may well work: 1047 WSREP not ready (no quorum, or still
#: joining), 1053 server shutdown in progress, 1927 connection killed, 2002/2003 cannot
#: connect, 2006 server gone away, 2013 lost connection during a query.
FAILOVER_ERRORS = frozenset({1047, 1053, 1927, 2002, 2003, 2006, 2013})

#: Errors after which the transaction was rolled back and may simply run again:
#: 1213 deadlock (and Galera's certification failure), 1205 lock wait timeout.
CONFLICT_ERRORS = frozenset({1205, 1213})

#: Seconds a node that failed is passed over (unless every node has failed).
HEALTH_MEMORY = 5.0

#: Seconds a connection stays on the node it failed over to before it goes back to its
#: process's own node (if that one is no longer remembered as dead), so the workers spread
#: over the nodes again once a failed node is back. Going back costs one new connection,
#: or, if the node is still down, one failed connect.
FAIL_BACK_AFTER = 30.0

#: ``wsrep_sync_wait`` of every connection to a Galera node: 1 makes reads (SELECT, SHOW,
#: BEGIN) wait until the node has applied what the cluster committed before they began.
SYNC_WAIT = 1

#: MySQL servers without Galera do not know ``@@wsrep_on``.
_UNKNOWN_SYSTEM_VARIABLE = 1193


@dataclasses.dataclass(frozen=True)
class Node:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class NodeNotReady(pymysql.OperationalError):
    """A Galera node that accepts connections but cannot serve (``wsrep_ready`` is OFF)."""


# --------------------------------------------------------------------------- URL hosts


def parse_hosts(hosts: str, default_port: int = 3306) -> tuple[Node, ...]:
    """``h1:p1,h2,[::1]:p3`` (the host part of a URL, after any ``user:pw@``) as nodes."""
    nodes = []
    for item in hosts.split(","):
        item = item.strip()
        if item.startswith("["):  # an IPv6 address: [addr] or [addr]:port
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        else:
            host, _, port = item.partition(":")
        if not host and len(hosts.split(",")) > 1:
            raise ValueError(f"empty host in {hosts!r}")
        nodes.append(Node(host or "127.0.0.1", int(port) if port else default_port))
    return tuple(nodes)


# --------------------------------------------------------------------------- node choice


class Nodes:
    """The nodes of one URL in this process, and which of them failed lately."""

    def __init__(self, nodes: tuple[Node, ...]) -> None:
        self.nodes = nodes
        self._dead_until: dict[Node, float] = {}
        self._lock = threading.Lock()

    def order(self) -> list[Node]:
        """Nodes to try: this process's own first, then the rest; recently failed ones last."""
        first = os.getpid() % len(self.nodes)
        ring = list(self.nodes[first:] + self.nodes[:first])
        now = time.monotonic()
        with self._lock:
            dead = {node: until for node, until in self._dead_until.items() if until > now}
        # Failed ones stay in the list: when every node failed, the one to recover first wins.
        return [n for n in ring if n not in dead] + sorted((n for n in ring if n in dead), key=dead.__getitem__)

    def should_go_back(self, node: Node, since: float) -> bool:
        """Whether a connection on ``node`` since ``since`` (monotonic) should reconnect,
        because this process's own node is healthy again and it has been away long enough."""
        own = self.nodes[os.getpid() % len(self.nodes)]
        if node == own or time.monotonic() - since < FAIL_BACK_AFTER:
            return False
        with self._lock:
            return self._dead_until.get(own, 0.0) <= time.monotonic()

    def failed(self, node: Node, reason: object = "") -> None:
        now = time.monotonic()
        with self._lock:
            newly = self._dead_until.get(node, 0.0) <= now
            self._dead_until[node] = now + HEALTH_MEMORY
        if newly:
            log.warning("database node %s failed (%s); other nodes first for %.0f s",
                        node, reason, HEALTH_MEMORY)

    def worked(self, node: Node) -> None:
        with self._lock:
            self._dead_until.pop(node, None)


_registry: dict[tuple[Node, ...], Nodes] = {}
_registry_lock = threading.Lock()


def nodes_for(nodes: tuple[Node, ...]) -> Nodes:
    """The process-wide :class:`Nodes` of a URL's host list (its health memory is shared)."""
    with _registry_lock:
        found = _registry.get(nodes)
        if found is None:
            found = _registry[nodes] = Nodes(nodes)
        return found


# --------------------------------------------------------------------------- connecting


@dataclasses.dataclass
class Opened:
    """A new connection, the node it reaches, and whether that node is part of a Galera cluster."""

    raw: Any
    node: Node
    galera: bool


def connect(nodes: tuple[Node, ...], options: dict[str, Any], avoid: Node | None = None) -> Opened:
    """Connect to the first node of this process's order that works (``avoid`` is tried last).

    Raises the last node's error when none works. With one node, that node's error is raised
    at once, as a plain ``pymysql.connect`` would.
    """
    known = nodes_for(nodes)
    order = known.order()
    if avoid is not None and len(order) > 1 and avoid in order:
        order.remove(avoid)
        order.append(avoid)
    error: BaseException | None = None
    for node in order:
        raw = None
        try:
            raw = pymysql.connect(cursorclass=pymysql.cursors.DictCursor,
                                  **{**options, "host": node.host, "port": node.port})
            galera = prepare(raw)
        except pymysql.MySQLError as exc:
            if raw is not None:
                raw.close()
            if len(order) == 1 or not is_failover_error(exc):
                raise
            known.failed(node, exc)
            error = exc
            continue
        known.worked(node)
        return Opened(raw, node, galera)
    assert error is not None
    raise error


def prepare(raw: Any) -> bool:
    """Detect Galera on a fresh connection; if it is, refuse a node not ready and make reads causal."""
    with raw.cursor() as cursor:
        try:
            cursor.execute("SELECT @@wsrep_on AS wsrep_on")
        except pymysql.MySQLError as exc:
            if exc.args and exc.args[0] == _UNKNOWN_SYSTEM_VARIABLE:
                return False
            raise
        row = cursor.fetchone()
        if not row or not int(row["wsrep_on"] or 0):
            return False
        cursor.execute("SHOW STATUS LIKE 'wsrep_ready'")
        ready = cursor.fetchone()
        if not ready or str(ready["Value"]).upper() != "ON":
            raise NodeNotReady(1047, "WSREP has not yet prepared node for application use")
        # See the module docstring: every read waits for the cluster's earlier commits.
        cursor.execute("SET SESSION wsrep_sync_wait = %s", (SYNC_WAIT,))
    return True


# --------------------------------------------------------------------------- errors


def error_code(exc: BaseException | None) -> int | None:
    """The MySQL error number of ``exc`` or of the error it was raised from."""
    for candidate in (exc, getattr(exc, "__cause__", None)):
        if isinstance(candidate, pymysql.MySQLError):
            if isinstance(candidate, pymysql.InterfaceError):
                return 2006  # PyMySQL's "the connection is already closed"
            if candidate.args and isinstance(candidate.args[0], int):
                return candidate.args[0]
    return None


def is_failover_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the node cannot serve now (another one may)."""
    return error_code(exc) in FAILOVER_ERRORS


def is_conflict(exc: BaseException | None) -> bool:
    """Whether ``exc`` is a deadlock, certification failure or lock wait timeout."""
    return error_code(exc) in CONFLICT_ERRORS


# --------------------------------------------------------------------------- retry policy


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a conflicting transaction is run again.

    Pauses grow from ``first_pause`` by doubling up to ``longest_pause``; each is drawn at
    random from its upper half, so transactions that collided once do not collide again in
    lockstep. Retries stop once the next pause would end past ``budget`` seconds from the
    first attempt (or after ``attempts`` runs, when given).
    """

    budget: float = 2.0
    first_pause: float = 0.002
    longest_pause: float = 0.2
    attempts: int | None = None

    def pauses(self, rng: random.Random | None = None) -> Iterator[float]:
        """The pause before each retry; the iterator ends when the budget is spent."""
        draw = (rng or random).uniform
        began = time.monotonic()
        ceiling = self.first_pause
        runs = 1
        while self.attempts is None or runs < self.attempts:
            pause = draw(ceiling / 2, ceiling)
            if time.monotonic() - began + pause > self.budget:
                return
            yield pause
            runs += 1
            ceiling = min(ceiling * 2, self.longest_pause)


#: The policy :meth:`twitapp.db.Connection.write_transaction` uses unless told otherwise.
DEFAULT_RETRY = RetryPolicy()
