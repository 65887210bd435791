"""Fixtures: every twitapp test runs twice, on SQLite and on MariaDB.

The MariaDB runs share one database of their own (created at the start of the session,
dropped at the end); each test starts from empty tables (see ``helpers.make_app``).
When ``CI`` is set and MariaDB is unreachable, those runs fail instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from twitapp import db
from tests.support.mariadb import server_available, temporary_database

from .helpers import make_app


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    available, reason = server_available()
    if not available:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with temporary_database("twitapp_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'twitapp.sqlite'}"
    return request.getfixturevalue("mysql_url")


@pytest.fixture
def app_factory(database_url: str) -> Iterator[Any]:
    """Build apps on this test's database: ``app_factory(CSRF_ENABLED=True, ...)``."""
    yield lambda **overrides: make_app(database_url, **overrides)
    db.close_thread_connections()


@pytest.fixture
def app(app_factory: Any) -> Any:
    return app_factory()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()
