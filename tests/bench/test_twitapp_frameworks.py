"""bench/twitapp_frameworks: the shim really is Flask, twitapp really runs on it in the bench's
own processes (started from the project root, where the real wsgi_stack is first on sys.path),
and the in-process comparison runs and prints one row per page (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.twitapp_frameworks import child_environment, make_shim

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, sys
from bench.twitapp_frameworks import use_framework
use_framework(os.environ["BENCH_TWITAPP_FRAMEWORK"], os.environ["BENCH_TWITAPP_SHIM"])
import twitapp
app = twitapp.create_app({"DATABASE_URL": "sqlite:///%s", "SECRET_KEY": "k" * 40})
print(type(app).__module__, app.test_client().get("/public").status_code)
"""

SERVER_PROBE = "import bench.twitapp_server as s; print(type(s.app).__module__)"


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # From the project root, as the bench runs: there `python -c` and `python -m` (and
    # gunicorn) put the real wsgi_stack before PYTHONPATH.
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def test_twitapp_runs_on_flask_through_the_shim_and_on_wsgi_stack(tmp_path: Path) -> None:
    shim = make_shim(tmp_path / "shim")
    seen = {}
    for framework in ("flask", "wsgi_stack"):
        env = child_environment(framework, shim)
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / f'{framework}.sqlite'}"
        env["SECRET_KEY"] = "k" * 40
        done = _run(PROBE % (tmp_path / f"{framework}-probe.sqlite"), env)
        assert done.returncode == 0, done.stderr
        served = _run(SERVER_PROBE, env)  # what gunicorn loads
        assert served.returncode == 0, served.stderr
        seen[framework] = done.stdout.split() + served.stdout.split()
    assert seen == {
        "flask": ["flask.app", "200", "flask.app"],
        "wsgi_stack": ["wsgi_stack.app", "200", "wsgi_stack.app"],
    }


def test_a_process_that_already_has_wsgi_stack_is_refused(tmp_path: Path) -> None:
    env = child_environment("flask", make_shim(tmp_path / "shim"))
    done = _run("import wsgi_stack\n" + PROBE % (tmp_path / "db.sqlite"), env)
    assert done.returncode != 0
    assert "wsgi_stack was imported before the framework was chosen" in done.stderr


def test_in_process_comparison_prints_every_page() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.twitapp_frameworks", "--quick", "--no-e2e", "--seed", "12,60,30"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wsgi_stack child runs wsgi_stack.app.Flask, flask child runs flask.app.Flask" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "µs" not in line]
    assert [row.split("`")[0].strip("| ") for row in rows] == [
        "public timeline", "user timeline", "home timeline", "post a message",
    ]
