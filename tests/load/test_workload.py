"""The accounting itself: the audit must find each kind of disagreement, percentiles be right,
and a run's budget end when its time, its goal and its ceiling say.

No server here: a ledger is written by hand and compared with an SQLite database built to
disagree with it in one way per test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from twitapp import db

from .workload import Budget, Call, Ledger, Progress, Summary, audit, percentile

RUN = "L0123abcd"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, db.Connection]]:
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    conn = db.Connection(url)
    conn.create_schema()
    for name in ("ann", "ben"):
        conn.create_user(name, f"{name}@example.org", "x")
    conn.commit()
    yield url, conn
    conn.close()


def _ledger() -> Ledger:
    ledger = Ledger()
    ledger.registrations.update(ann=True, ben=True)
    ledger.messages[f"{RUN}-0-1"] = ("ann", f"[{RUN}-0-1] hello", True)
    ledger.messages[f"{RUN}-0-2"] = ("ann", f"[{RUN}-0-2] maybe", False)
    ledger.follows[("ann", "ben")] = True
    ledger.follows[("ben", "ann")] = False
    return ledger


def _store(conn: db.Connection, author: str, text: str) -> None:
    user = conn.user_by_name(author)
    assert user is not None
    conn.add_message(int(user["user_id"]), text, 0)
    conn.commit()


def _follow(conn: db.Connection, who: str, whom: str) -> None:
    a, b = conn.user_by_name(who), conn.user_by_name(whom)
    assert a is not None and b is not None
    conn.follow(int(a["user_id"]), int(b["user_id"]))
    conn.commit()


def test_agreement_has_no_problems(database: tuple[str, db.Connection]) -> None:
    url, conn = database
    _store(conn, "ann", f"[{RUN}-0-1] hello")
    _follow(conn, "ann", "ben")
    result = audit(url, _ledger(), RUN)
    assert result.problems == []
    assert (result.acknowledged_messages, result.unacknowledged_messages, result.known_follows) == (1, 1, 2)
    assert result.lost_writes == 0


def test_lost_message_and_follow_are_lost_writes(database: tuple[str, db.Connection]) -> None:
    url, _ = database
    result = audit(url, _ledger(), RUN)
    assert result.lost_writes == 2
    assert any("not stored" in p for p in result.problems)
    assert any("follow ann -> ben is missing" in p for p in result.problems)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("ann", "[{run}-0-1] hello"), ("ann", "[{run}-0-1] hello")], "stored 2 times"),
        ([("ann", "[{run}-0-1] hello"), ("ann", "[{run}-0-2] maybe"), ("ann", "[{run}-0-2] maybe")],
         "unacknowledged message"),
        ([("ann", "[{run}-0-1] hello"), ("ben", "[{run}-9-9] ghost")], "no client sent it"),
        ([("ben", "[{run}-0-1] hello")], "came back as"),
        ([("ann", "[{run}-0-1] hello, changed")], "came back as"),
    ],
)
def test_each_disagreement_is_found(database: tuple[str, db.Connection], rows: list[tuple[str, str]],
                                    expected: str) -> None:
    url, conn = database
    for author, text in rows:
        _store(conn, author, text.format(run=RUN))
    _follow(conn, "ann", "ben")
    problems = audit(url, _ledger(), RUN).problems
    assert len(problems) == 1 and expected in problems[0], problems


def test_unfollow_that_did_not_happen(database: tuple[str, db.Connection]) -> None:
    url, conn = database
    _store(conn, "ann", f"[{RUN}-0-1] hello")
    _follow(conn, "ann", "ben")
    _follow(conn, "ben", "ann")
    problems = audit(url, _ledger(), RUN).problems
    assert problems == ["acknowledged unfollow ben -> ann did not happen"]


def test_registration_race_with_two_winners(database: tuple[str, db.Connection]) -> None:
    url, conn = database
    _store(conn, "ann", f"[{RUN}-0-1] hello")
    _follow(conn, "ann", "ben")
    ledger = _ledger()
    ledger.contested["ann"] = 2
    assert audit(url, ledger, RUN).problems == ["2 clients were told they registered 'ann'"]


def test_merge_keeps_the_winner_of_a_registration() -> None:
    winner, loser = Ledger(), Ledger()
    winner.registrations["x"] = True
    loser.registrations["x"] = False
    merged = Ledger()
    merged.merge(winner)
    merged.merge(loser)
    assert merged.registrations == {"x": True}


def test_percentiles_and_summary() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.9) == 90
    assert percentile(values, 0.99) == 99
    assert percentile([], 0.5) == 0.0
    calls = [Call("post", 302, 0.1, 0), Call("post", 503, 0.2, 0), Call("home", 0, 5.0, 0)]
    summary = Summary.of(calls, 1.0)
    assert summary.server_errors == 1 and summary.unanswered == 1
    assert "post 2 (503: 1)" in summary.format() and "home 1 (no answer: 1)" in summary.format()


def test_a_budget_without_a_goal_ends_after_its_seconds_or_requests() -> None:
    assert Budget(10, 2).take() is True
    budget = Budget(10, 2)
    assert [budget.take() for _ in range(3)] == [True, True, False]
    assert budget.stopped.is_set() and budget.progress.over
    budget = Budget(0.05, 100, ceiling=5)  # a ceiling means nothing without a goal
    time.sleep(0.06)
    assert budget.take() is False and budget.reached


def test_a_budget_with_a_goal_runs_past_its_seconds_until_the_goal_or_the_ceiling() -> None:
    progress = Progress(users=2)
    budget = Budget(0.05, 100, until=lambda p: p.signed_in == p.users, ceiling=0.3, progress=progress)
    progress.note_signed_in()
    assert budget.take()  # goal not reached, seconds not over
    time.sleep(0.06)
    assert budget.take() and not budget.reached  # seconds over, goal not reached: go on
    progress.note_signed_in()
    assert budget.reached and budget.take() is False  # both: the run ends

    budget = Budget(0.05, 100, until=lambda p: False, ceiling=0.15)
    time.sleep(0.06)
    assert budget.take()
    time.sleep(0.1)
    assert budget.take() is False and not budget.reached  # the ceiling ends it, goal unmet

    budget = Budget(0.05, 100, until=lambda p: True, ceiling=5)
    assert budget.take()  # a goal met early still leaves the run its seconds
    time.sleep(0.06)
    assert budget.take() is False


def test_a_budget_with_a_goal_is_not_ended_by_its_request_count_before_the_goal() -> None:
    progress = Progress(users=1)
    budget = Budget(10, 2, until=lambda p: p.signed_in == p.users, ceiling=20, progress=progress)
    assert [budget.take() for _ in range(4)] == [True, True, True, True]  # past the count
    progress.note_signed_in()
    assert budget.take() is False and budget.reached  # the goal holds: the count ends it now


def test_progress_wakes_waiters_and_says_when_the_run_ended() -> None:
    progress = Progress(users=1, servers=2)
    threading.Timer(0.05, progress.note_post, args=(1, True)).start()
    assert progress.wait_for(lambda p: p.posts_by_server[1] == 1, timeout=5)
    assert (progress.posts, progress.posters) == (1, 1)
    threading.Timer(0.05, progress.end).start()
    began = time.monotonic()
    assert progress.wait_for(lambda p: p.posts >= 2, timeout=5) is False
    assert time.monotonic() - began < 2  # the end woke it, not the timeout
    assert "1 posts (by server: 0, 1)" in progress.format()
