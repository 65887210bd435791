"""twitapp as people run it: ``gunicorn server:app`` with two workers, on MariaDB.

:func:`running_server` prepares the database with ``python -m twitapp init-db``, starts gunicorn,
waits (bounded) until it answers HTTP, and on the way out stops it: SIGTERM, a bounded wait for
the graceful shutdown, then SIGKILL, so no server outlives the test run even when a test fails.
Its output goes to a log file, which the suite prints next to a failure.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

WORKERS = 2
# Threads per worker for a server a browser talks to (as scripts/run serves it): Chromium opens sockets ahead of
# need and may send nothing on them; a sync worker blocks reading such a socket until its 30 s timeout and is then
# killed, while gthread waits for a request on a poller and gives its threads only to sockets that have one.
BROWSER_THREADS = 4
START_TIMEOUT = 30.0  # seconds until the server must answer
STOP_TIMEOUT = 15.0  # seconds for a graceful shutdown before SIGKILL


class ServerError(RuntimeError):
    """The server could not be prepared or started; the message includes its output."""


@dataclass
class LiveServer:
    """A running gunicorn: where it listens and where its log goes."""

    base_url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    threads: int = 1  # per worker; more than one means gunicorn's gthread worker

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 80) -> str:
        """The last lines of the server's log (its stderr and stdout)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])


def _run_init_db(env: dict[str, str], project_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twitapp", "init-db"],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise ServerError(
            f"`python -m twitapp init-db` exited with {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )


def _listening_socket() -> socket.socket:
    """A socket bound to a free port on loopback, already listening.

    gunicorn is handed this very socket (``-b fd://N``) instead of a port number: asking the
    kernel for a free port and then starting a server on it leaves a window in which another
    process on this shared machine can take the port; handing over the bound socket does not.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _answers(port: int) -> bool:
    """Whether an HTTP request to the server gets any HTTP response."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/public")
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn: a graceful SIGTERM first, SIGKILL to its process group if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The master started a session of its own, so its group is exactly it and its workers.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running_server(
    database_url: str, secret_key: str, log_path: Path, project_root: Path | None = None,
    *, app: str = "server:app", init_db: bool = True, threads: int = 1,
) -> Iterator[LiveServer]:
    """Initialise the database, run ``gunicorn server:app`` on it, yield it, stop it.

    ``project_root`` is where ``server.py`` and the ``twitapp`` package are found (default:
    this checkout's root, :data:`PROJECT_ROOT`). ``threads`` > 1 serves with gunicorn's gthread
    worker, as for a browser (:data:`BROWSER_THREADS`). ``app`` is gunicorn's app to serve;
    ``init_db=False`` leaves the database as it is (a second server on the same one).
    """
    project_root = project_root or PROJECT_ROOT
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TWITAPP_DEBUG", None)  # run it as it runs in production
    if init_db:
        _run_init_db(env, project_root)

    log_path.parent.mkdir(parents=True, exist_ok=True)
    listener = _listening_socket()
    port = listener.getsockname()[1]
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS),
        "--no-control-socket",
        "--bind", f"fd://{listener.fileno()}",
        "--access-logfile", "-",
        "--graceful-timeout", "5",
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        app,
    ]
    log_path.unlink(missing_ok=True)
    with open(log_path, "ab") as log:  # appending: the master and workers share the file
        process = subprocess.Popen(
            command,
            cwd=project_root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
            start_new_session=True,
        )
    listener.close()  # gunicorn holds its own copy now
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, log_path, process, threads)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None:
                raise ServerError(
                    f"gunicorn exited with {process.returncode} before answering:\n"
                    f"{server.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise ServerError(
                    f"gunicorn did not answer within {START_TIMEOUT:.0f} s:\n{server.log_tail()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)
