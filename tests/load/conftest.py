"""Fixtures for the load, fault and two-server tests: the databases they run on.

Missing MariaDB is never passed over quietly: with ``CI`` set these tests fail, elsewhere they
skip with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from tests.support import mariadb_instance
from tests.support.mariadb import server_available, temporary_database
from tests.support.mariadb_instance import MariaDBInstance


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A database of its own on the shared MariaDB server, dropped afterwards."""
    available, reason = server_available()
    if not available:
        _unavailable(reason)
    with temporary_database("twitapp_load") as url:
        yield url


@pytest.fixture
def private_mariadb() -> Iterator[tuple[MariaDBInstance, str]]:
    """A private MariaDB server that the test may stop, and the name of a database on it."""
    available, reason = mariadb_instance.available()
    if not available:
        _unavailable(reason)
    with mariadb_instance.private_server() as instance:
        name = f"faults_{secrets.token_hex(4)}"
        instance.create_database(name)
        yield instance, name
