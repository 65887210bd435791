"""``wsgi-stack run`` and ``app.run()`` with real servers on 127.0.0.1: twitapp in debug mode
with the reloader, a port already taken, a script that calls ``app.run()``, and a module
that calls it at import time under the command line.

Every server runs in its own process group, on a free port, and is stopped (the group
killed) when the test ends, whatever happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'twit.db'}", "SECRET_KEY": "k" * 40, **extra}
    # wsgi_stack from this checkout, also for scripts in a temporary folder.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for name in ("FLASK_APP", "FLASK_DEBUG", "STACK_DEBUG", "FLASK_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN", "STACK_TRACE"):
        env.pop(name, None)
    return env


@contextmanager
def server(args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        # The reloader's child is in the same group: stop both.
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = STARTUP_SECONDS) -> bytes:
    """The body of the first successful GET of ``url``; fails if the server exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"no answer from {url} in {seconds} s:\n{log.read_text()}")


def wait_for_text(log: Path, text: str, seconds: float = STARTUP_SECONDS) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text()
        if text in content:
            return content
        time.sleep(0.2)
    pytest.fail(f"{text!r} not in the server's output after {seconds} s:\n{log.read_text()}")


def test_run_debug_serves_twitapp_with_reloader_and_debugger(tmp_path):
    port, log, watched = free_port(), tmp_path / "server.log", tmp_path / "watched.cfg"
    watched.write_text("one")
    args = [sys.executable, "-m", "wsgi_stack", "--app", "server:app", "run", "--debug", "--port", str(port),
            "--extra-files", str(watched)]
    with server(args, environment(tmp_path), log) as process:
        page = wait_for(f"http://127.0.0.1:{port}/public", process, log)
        assert b"<html" in page.lower()
        output = wait_for_text(log, "Debugger is active!")
        assert " * Serving wsgi_stack app 'server:app'" in output
        assert " * Debug mode: on" in output
        assert " * Restarting with stat" in output  # the reloader's parent started a child

        # A change to an extra file restarts the child, which serves again.
        time.sleep(1.5)  # past the stat reloader's first scan, so the change is seen as one
        watched.write_text("two")
        wait_for_text(log, f"Detected change in '{watched}', reloading")
        wait_for_text(log, "Debugger is active!\n", seconds=5)
        assert wait_for(f"http://127.0.0.1:{port}/public", process, log)


def test_run_on_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "wsgi_stack", "--app", "server:app", "run", "--port", str(port)],
            cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {port} is in use by another program." in result.stderr
    assert "Traceback" not in result.stderr


def test_app_run_in_a_script(tmp_path):
    port, log = free_port(), tmp_path / "script.log"
    script = tmp_path / "hello.py"
    script.write_text(
        "from wsgi_stack import Flask\n"
        "app = Flask(__name__)\n"
        "app.config['SERVER_NAME'] = '127.0.0.1:%d'\n"
        "@app.route('/')\n"
        "def index():\n"
        "    return f'hello, debug={app.debug}'\n"
        "@app.route('/boom')\n"
        "def boom():\n"
        "    raise RuntimeError('boom')\n"
        "if __name__ == '__main__':\n"
        "    app.run(debug=True)\n" % port
    )
    with server([sys.executable, str(script)], environment(tmp_path), log, cwd=tmp_path) as process:
        # Host and port come from SERVER_NAME.
        assert wait_for(f"http://127.0.0.1:{port}/", process, log) == b"hello, debug=True"
        # As the seed author's examples run: debug=True alone, so with the reloader too.
        output = wait_for_text(log, "Debugger is active!")
        assert " * Serving wsgi_stack app 'hello'" in output and " * Debug mode: on" in output
        assert " * Restarting with stat" in output
        # Debug mode: an error is Werkzeug's interactive debugger page.
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/boom", timeout=10)
        assert error.value.code == 500
        page = error.value.read()
        assert b"Werkzeug Debugger" in page and b"RuntimeError: boom" in page


def test_app_run_at_import_time_is_ignored_under_the_command(tmp_path):
    (tmp_path / "eager.py").write_text(
        "from wsgi_stack import Flask\n"
        "app = Flask(__name__)\n"
        "app.add_url_rule('/', 'index', lambda: 'x')\n"
        "app.run()  # no __main__ guard: would block every command\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_stack", "--app", "eager", "routes"],
        cwd=tmp_path, env=environment(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Ignoring a call to 'app.run()'" in result.stdout
    assert "index" in result.stdout
