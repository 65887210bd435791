"""Fixtures: every twitapp test runs twice, on SQLite and on MariaDB.

The MariaDB runs share one database of their own (created at the start of the session,
dropped at the end); each test starts from an empty schema made by ``twitapp.init_db()``.
When ``CI`` is set and MariaDB is unreachable, those runs fail instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

import twitapp
from twitapp import db
from tests.support.mariadb import server_available, temporary_database

#: Hashing with the real default (scrypt) takes ~50 ms; tests register hundreds of users.
FAST_HASH = "pbkdf2:sha256:1000"
TEST_KEY = "test-secret-key-that-is-long-enough-0123456789"


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


def make_app(database_url: str, **overrides: Any) -> Any:
    """A test app on ``database_url`` with empty tables.

    ``create_app`` creates the schema where it is missing; emptying the tables is much
    faster than ``init_db``'s DROP/CREATE on MariaDB (each DDL statement syncs to disk).
    """
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_KEY,
        "DATABASE_URL": database_url,
        "CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_HASH,
    }
    config.update(overrides)
    app = twitapp.create_app(config)
    with app.app_context():
        db.get_db().delete_all()
    return app


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
