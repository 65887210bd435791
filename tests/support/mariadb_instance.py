"""A MariaDB server of the test's own, which the test may stop, crash and start again.

The fault tests stop the database under a running app. They must never do that to the machine's
shared server on 3306, so :func:`private_server` starts a separate ``mariadbd``: its own data
directory under a temporary directory, its own port on 127.0.0.1 and its own socket, no grant
tables (anyone on loopback is root; the port is only reachable from this machine). An empty data
directory is enough: mariadbd creates InnoDB's files on first start, which takes under a second,
where ``mariadb-install-db`` takes several. The server's error log is kept for failure reports.

The port stays the same across restarts, so an app that was given the URL reconnects to the
restarted server by itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql

#: Where Debian puts the server binary; ``MARIADBD`` overrides it.
DEFAULT_BINARY = "/usr/sbin/mariadbd"
START_TIMEOUT = 30.0  # seconds until a started server must answer
STOP_TIMEOUT = 30.0  # seconds for a graceful shutdown before SIGKILL


class InstanceError(RuntimeError):
    """The private server could not be started; the message carries its error log."""


def binary() -> str | None:
    """The ``mariadbd`` to run, or None when this machine has none."""
    candidate = os.environ.get("MARIADBD") or shutil.which("mariadbd") or DEFAULT_BINARY
    return candidate if os.access(candidate, os.X_OK) else None


def _free_port() -> int:
    # The kernel's pick is free now; mariadbd binds it a moment later. A clash in that window
    # makes the start fail, and start() tries again with another port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MariaDBInstance:
    """One private ``mariadbd``: start, stop (gracefully or by SIGKILL), start again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.datadir = root / "data"
        self.socket_path = root / "mysqld.sock"
        self.log_path = root / "error.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.datadir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # mariadbd refuses to run as root and drops to --user=mysql, which must own its files.
            shutil.chown(self.root, "mysql", "mysql")
            shutil.chown(self.datadir, "mysql", "mysql")

    # -- addresses

    def server_url(self) -> str:
        """``mysql://root:@127.0.0.1:PORT``, the form tests.support.mariadb uses."""
        return f"mysql://root:@127.0.0.1:{self.port}"

    def database_url(self, database: str, **options: object) -> str:
        """The app's ``DATABASE_URL`` for ``database``, with query options (timeouts)."""
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"{self.server_url()}/{database}" + (f"?{query}" if query else "")

    def connect(self, database: str | None = None, **extra: object) -> pymysql.connections.Connection:
        """An admin connection (autocommit) to this server."""
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user="root",
            password="",
            database=database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=5,
            ssl_disabled=True,
            **extra,
        )

    # -- life cycle

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server (on the same port as before, if it ran already) and wait for it."""
        if self.running:
            return
        attempts = 1 if self.port else 3  # a restart must keep its port: the app knows it
        for attempt in range(attempts):
            if not self.port or attempt:
                self.port = _free_port()
            self.process = self._spawn()
            try:
                self._wait_until_up()
                return
            except InstanceError:
                self._kill()
                if attempt == attempts - 1:
                    raise

    def _spawn(self) -> subprocess.Popen[bytes]:
        server = binary()
        if server is None:
            raise InstanceError("mariadbd is not installed (set MARIADBD to its path)")
        command = [
            server,
            "--no-defaults",  # nothing from /etc/mysql: this server is the test's alone
            f"--datadir={self.datadir}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--socket={self.socket_path}",
            f"--pid-file={self.root / 'mysqld.pid'}",
            f"--log-error={self.log_path}",
            "--skip-grant-tables",
            "--skip-name-resolve",
            # Small and quick: the test's data is a few MB.
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
        ]
        if os.geteuid() == 0:
            command.append("--user=mysql")
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C of the test run does not reach it mid-write
        )

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process is None or self.process.poll() is not None:
                raise InstanceError(f"mariadbd exited while starting:\n{self.log_tail()}")
            try:
                self.connect().close()
                return
            except pymysql.MySQLError:
                if time.monotonic() > deadline:
                    raise InstanceError(
                        f"mariadbd did not answer within {START_TIMEOUT:.0f} s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> float:
        """Shut the server down gracefully (SIGTERM); returns the seconds it took."""
        began = time.monotonic()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill()
        return time.monotonic() - began

    def crash(self) -> None:
        """Kill the server with SIGKILL, as a power cut would: no shutdown, no flush."""
        self._kill()

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no error log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    # -- databases

    def create_database(self, name: str) -> None:
        admin = self.connect()
        try:
            with admin.cursor() as cursor:
                cursor.execute(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        finally:
            admin.close()


@contextlib.contextmanager
def private_server() -> Iterator[MariaDBInstance]:
    """Start a private MariaDB server, yield it, and remove it and its data afterwards."""
    root = Path(tempfile.mkdtemp(prefix="wsgi_stack_mariadb_"))
    os.chmod(root, 0o755)
    instance = MariaDBInstance(root)
    try:
        instance.start()
        yield instance
    finally:
        instance.crash()  # its data is thrown away next, so a graceful shutdown buys nothing
        shutil.rmtree(root, ignore_errors=True)


def available() -> tuple[bool, str]:
    """Whether a private server can be started here, and if not, why."""
    if binary() is None:
        return False, "mariadbd is not installed (set MARIADBD to its path)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("mysql")
        except KeyError:
            return False, "running as root, but there is no 'mysql' user for mariadbd to run as"
    return True, ""
