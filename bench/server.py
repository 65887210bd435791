"""Start a gunicorn serving a benchmark app on a free loopback port, and stop it again.

Shared by :mod:`bench.e2e` and :mod:`bench.memory`. The server runs in a session of its own so
that, whatever happens, stopping it means signalling the one process group this module made.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import SESSION_COOKIE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: where it listens and which processes it is."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.address}{path}"

    def worker_pids(self) -> list[int]:
        """The master's children: gunicorn's workers."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request over a new connection: status, headers (last value wins), body."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=dict(headers or {}))
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def session_cookie(self, path: str) -> str:
        """Ask ``path`` for a fresh session and return the cookie value the app set."""
        _, headers, _ = self.request("GET", path)
        for part in headers.get("set-cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE:
                return value
        raise RuntimeError(f"no {SESSION_COOKIE} cookie from {path}: {headers}")


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB (``VmRSS`` of ``/proc/PID/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


@contextlib.contextmanager
def gunicorn(
    app: str = "bench.wsgi:app",
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    startup_timeout: float = 30.0,
) -> Iterator[Server]:
    """Serve ``app`` with ``workers`` sync workers on a free loopback port until the block ends."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--bind", f"{HOST}:{port}",
        "--no-control-socket",
        "--log-level", "warning",
        "--chdir", str(PROJECT_ROOT),
        app,
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(process, port)
        try:
            _wait_until_ready(server, workers, startup_timeout, log)
            yield server
        finally:
            _stop(process)


def _wait_until_ready(server: Server, workers: int, timeout: float, log: object) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{_read(log)}")
        try:
            server.request("GET", "/__bench_ready__")
        except OSError:
            pass
        else:
            # The first answer can come from the first worker while the others still boot.
            if len(server.worker_pids()) >= workers:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer within {timeout:g} s:\n{_read(log)}")
        time.sleep(0.1)


def _read(log: object) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return log.read().decode(errors="replace")[-4000:]  # type: ignore[attr-defined]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn stops its workers gracefully), then SIGKILL to our own group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # leftovers of the session we started, if any
    process.wait()
