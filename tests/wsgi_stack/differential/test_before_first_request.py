"""``before_first_request`` (issue 3), against the candidate only: Flask removed it in 2.3.

There is no Flask 3.1 to compare with, so these tests state the behaviour of the last Flask
that had it (2.2): the functions run once, in registration order, before the first request's
``before_request`` hooks; concurrent first requests wait for them; if one raises, the request
fails and the next request tries again.
"""

from __future__ import annotations

import threading
import time
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture
def fw(candidate: ModuleType, reference: ModuleType) -> ModuleType:
    if candidate is reference:
        pytest.skip("Flask 3.1 has no before_first_request; this file tests the candidate alone")
    return candidate


def test_flask_really_removed_it(reference: ModuleType) -> None:
    # Why this file is not a differential scenario.
    assert not hasattr(reference.Flask, "before_first_request")


def test_runs_once_in_order_before_the_first_request_hooks(fw: ModuleType) -> None:
    app = fw.Flask("bfr")
    calls: list[str] = []
    app.before_first_request(lambda: calls.append("first A"))
    app.before_first_request(lambda: calls.append("first B"))
    app.before_request(lambda: calls.append("before_request"))
    app.add_url_rule("/", "index", lambda: calls.append("view") or "ok")
    client = app.test_client()

    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    assert calls == [
        "first A", "first B", "before_request", "view",
        "before_request", "view",
        "before_request", "view",
    ]


def test_also_runs_when_the_first_request_is_a_404(fw: ModuleType) -> None:
    app = fw.Flask("bfr")
    calls: list[str] = []
    app.before_first_request(lambda: calls.append("first"))
    client = app.test_client()
    assert client.get("/missing").status_code == 404
    assert client.get("/missing").status_code == 404
    assert calls == ["first"]


def test_decorator_returns_the_function_and_docstring_says_flask_removed_it(fw: ModuleType) -> None:
    app = fw.Flask("bfr")

    def setup() -> None:
        pass

    assert app.before_first_request(setup) is setup
    doc = fw.Flask.before_first_request.__doc__ or ""
    assert "Flask" in doc and "removed" in doc.lower(), doc


def test_runs_once_under_concurrent_first_requests(fw: ModuleType) -> None:
    app = fw.Flask("bfr")
    calls: list[int] = []
    ready = threading.Event()

    @app.before_first_request
    def slow_setup() -> None:
        calls.append(threading.get_ident())
        time.sleep(0.1)  # long enough for every other thread to arrive while it runs
        ready.set()

    # Every request must see the setup finished, not just started.
    app.add_url_rule("/", "index", lambda: "ready" if ready.is_set() else "NOT READY")

    start = threading.Barrier(8)
    results: list[Any] = []
    lock = threading.Lock()

    def hit() -> None:
        client = app.test_client()
        start.wait()
        response = client.get("/")
        with lock:
            results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(calls) == 1
    assert results == [(200, "ready")] * 8


def test_a_failing_setup_fails_the_request_and_is_retried(fw: ModuleType) -> None:
    app = fw.Flask("bfr")
    attempts: list[int] = []

    @app.before_first_request
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("setup failed")

    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    assert client.get("/").status_code == 500
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert len(attempts) == 2
