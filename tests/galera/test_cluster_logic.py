"""twitapp.cluster's rules without a cluster: URLs, node order, health memory, retry pauses,
failover between servers (a dead port and the machine's MariaDB), and the busy 503."""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path
from typing import Any

import pymysql
import pytest

from tests.support.mariadb import server_available, temporary_database
from tests.twitapp.helpers import make_app, post, register_and_login
from twitapp import cluster, db


def test_a_url_may_name_several_nodes() -> None:
    target = db.parse_url("mysql://u:p@10.0.0.1:3311,10.0.0.2,[::1]:3313/tw?read_timeout=2")
    assert target.nodes == (cluster.Node("10.0.0.1", 3311), cluster.Node("10.0.0.2", 3306),
                            cluster.Node("::1", 3313))
    # The driver's options name the first node; the user, database and timeouts are shared.
    assert (target.options["host"], target.options["port"]) == ("10.0.0.1", 3311)
    assert (target.options["user"], target.options["password"]) == ("u", "p")
    assert target.options["database"] == "tw" and target.options["read_timeout"] == 2.0
    single = db.parse_url("mysql://u@h:3307/d")
    assert single.nodes == (cluster.Node("h", 3307),)
    assert db.parse_url("sqlite:///x.db").nodes == ()


@pytest.mark.parametrize("url", ["mysql://u@h1:3306,h2:port/d", "mysql://u@h1,,h3/d"])
def test_bad_host_lists_are_refused(url: str) -> None:
    with pytest.raises(db.BadDatabaseURL):
        db.parse_url(url)


def test_each_process_starts_on_its_own_node(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = cluster.Nodes(tuple(cluster.Node("h", port) for port in (1, 2, 3)))
    firsts = []
    for pid in (300, 301, 302, 303):
        monkeypatch.setattr(cluster.os, "getpid", lambda pid=pid: pid)
        firsts.append(nodes.order()[0].port)
        assert sorted(n.port for n in nodes.order()) == [1, 2, 3]  # the others follow
    assert firsts == [1, 2, 3, 1]


def test_a_failed_node_goes_last_for_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster.os, "getpid", lambda: 300)  # starts on port 1
    clock = [1000.0]
    monkeypatch.setattr(cluster.time, "monotonic", lambda: clock[0])
    nodes = cluster.Nodes(tuple(cluster.Node("h", port) for port in (1, 2, 3)))
    nodes.failed(cluster.Node("h", 1))
    clock[0] += 1
    nodes.failed(cluster.Node("h", 2))
    # Both dead: still listed (the one that failed first is tried first), after the live one.
    assert [n.port for n in nodes.order()] == [3, 1, 2]
    clock[0] += cluster.HEALTH_MEMORY - 0.5
    assert [n.port for n in nodes.order()] == [1, 3, 2]  # port 1's memory has run out
    nodes.worked(cluster.Node("h", 2))
    assert [n.port for n in nodes.order()] == [1, 2, 3]


def test_a_connection_goes_back_to_its_own_node_once_it_is_healthy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster.os, "getpid", lambda: 300)  # its own node: port 1
    clock = [1000.0]
    monkeypatch.setattr(cluster.time, "monotonic", lambda: clock[0])
    own, other = cluster.Node("h", 1), cluster.Node("h", 2)
    nodes = cluster.Nodes((own, other, cluster.Node("h", 3)))
    nodes.failed(own)
    moved_at = clock[0]
    assert not nodes.should_go_back(own, moved_at)  # already home
    clock[0] += cluster.HEALTH_MEMORY + 1
    assert not nodes.should_go_back(other, moved_at)  # not away long enough yet
    clock[0] = moved_at + cluster.FAIL_BACK_AFTER
    assert nodes.should_go_back(other, moved_at)
    nodes.failed(own)  # tried, and still down: stay away for the health memory
    assert not nodes.should_go_back(other, moved_at)


def test_retry_pauses_grow_with_jitter_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(cluster.time, "monotonic", lambda: clock[0])
    policy = cluster.RetryPolicy(budget=1.0, first_pause=0.01, longest_pause=0.16)
    pauses = []
    for pause in policy.pauses(random.Random(7)):
        pauses.append(pause)
        clock[0] += pause + 0.001  # the attempt itself takes a millisecond
    ceilings = [0.01, 0.02, 0.04, 0.08] + [0.16] * 20
    for pause, ceiling in zip(pauses, ceilings):
        assert ceiling / 2 <= pause <= ceiling
    assert len(set(pauses)) == len(pauses)  # jittered, not a fixed schedule
    assert clock[0] <= 1.0 and clock[0] + 0.16 > 1.0 - 0.08  # the budget is used, not exceeded
    assert len(list(cluster.RetryPolicy(attempts=3).pauses())) == 2


def test_error_meanings() -> None:
    for code in (2003, 2013, 1047, 2006):
        assert cluster.is_failover_error(pymysql.OperationalError(code, "x"))
    assert cluster.is_failover_error(pymysql.InterfaceError(0, ""))
    for code in (1213, 1205):
        error = db.DatabaseUnavailable("wrapped")
        error.__cause__ = pymysql.OperationalError(code, "x")
        assert cluster.is_conflict(error) and not cluster.is_failover_error(error)
    assert not cluster.is_conflict(pymysql.OperationalError(1146, "x"))
    assert not cluster.is_conflict(ValueError("x"))


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: connecting is refused


@pytest.mark.mysql
def test_a_connection_moves_past_a_dead_node(monkeypatch: pytest.MonkeyPatch) -> None:
    available, reason = server_available()
    if not available:
        pytest.skip(reason)
    dead = _dead_port()
    with temporary_database("twitapp_cluster") as url:
        live = db.parse_url(url).nodes[0]
        name = url.rsplit("/", 1)[1]
        multi = f"mysql://root:@127.0.0.1:{dead},{live.host}:{live.port}/{name}"
        monkeypatch.setattr(cluster.os, "getpid", lambda: 3000)  # its own node is the dead one
        conn = db.Connection(multi)
        try:
            assert conn.node == live and conn.galera is False  # plain MariaDB: no wsrep
            assert cluster.nodes_for(db.parse_url(multi).nodes).order()[-1].port == dead
            assert conn.query_one("SELECT 1 AS one") == {"one": 1}
        finally:
            conn.close()
        # Once its own node may be back, the kept connection is given up for a new one,
        # which tries that node first (still dead here: it lands on the live one again).
        monkeypatch.setattr(cluster, "FAIL_BACK_AFTER", 0.0)
        monkeypatch.setattr(cluster, "HEALTH_MEMORY", 0.01)
        multi = f"mysql://root:@127.0.0.1:{_dead_port()},{live.host}:{live.port}/{name}"
        first = db.acquire(multi)
        assert first.node == live
        time.sleep(0.02)
        assert first.should_go_back()
        second = db.acquire(multi)
        try:
            assert second is not first and second.node == live
            assert second.query_one("SELECT 1 AS one") == {"one": 1}
        finally:
            db.close_thread_connections()
        # One host that is down is an error at once, as before.
        with pytest.raises(db.DatabaseUnavailable):
            db.Connection(f"mysql://root:@127.0.0.1:{dead}/{name}")


def test_a_write_that_keeps_conflicting_gets_a_busy_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'busy.db'}")
    client = app.test_client()
    register_and_login(client, "busy")
    calls = []

    def conflicted(self: db.Connection, *args: Any) -> int:
        calls.append(1)
        raise pymysql.OperationalError(1213, "Deadlock found when trying to get lock")

    monkeypatch.setattr(db.Connection, "add_message", conflicted)
    monkeypatch.setattr(cluster, "DEFAULT_RETRY", cluster.RetryPolicy(budget=0.2))
    response = post(client, "hello")
    assert response.status_code == 503
    assert "busy" in response.get_data(as_text=True)
    assert "not reachable" not in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "1"
    assert len(calls) > 3  # run again several times within the budget
    # Nothing was stored, and the connection still works.
    monkeypatch.undo()
    assert post(client, "after", follow_redirects=True).status_code == 200
