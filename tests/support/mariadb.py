"""A MariaDB database of its own for one test run: created on entry, dropped on exit.

The server is the machine's (``127.0.0.1:3306``, user ``root``, empty password) unless
``TEST_MYSQL_URL`` names another one as ``mysql://USER:PASSWORD@HOST:PORT``. ``.ci/run``
makes sure that server is up; when it is not reachable, :func:`server_available` says why,
so a test can fail (in CI) or skip (on a laptop) with that reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import pymysql

DEFAULT_SERVER_URL = "mysql://root:@127.0.0.1:3306"


def server_url() -> str:
    return os.environ.get("TEST_MYSQL_URL", DEFAULT_SERVER_URL).rstrip("/")


def _connect(**extra: object) -> pymysql.connections.Connection:
    parts = urlsplit(server_url())
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        charset="utf8mb4",
        connect_timeout=5,
        ssl_disabled=True,  # loopback without TLS: the TLS attempt alone costs ~20 ms a connection
        **extra,
    )


def server_available() -> tuple[bool, str]:
    """Whether the test server answers, and if not, the error that says why."""
    try:
        _connect().close()
    except pymysql.MySQLError as exc:
        return False, f"MariaDB at {server_url()} is not reachable: {exc}"
    return True, ""


@contextlib.contextmanager
def temporary_database(prefix: str = "wsgi_stack_test") -> Iterator[str]:
    """Create a uniquely named database, yield its ``mysql://`` URL, drop it afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = _connect(autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        yield f"{server_url()}/{name}"
    finally:
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            admin.close()
