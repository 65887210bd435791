"""bench/twitapp_frameworks: the shim really is Flask, twitapp really runs on it, and the
in-process comparison runs and prints one row per page (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.twitapp_frameworks import child_environment, make_shim

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import wsgi_stack, twitapp
app = twitapp.create_app({"DATABASE_URL": "sqlite:///%s", "SECRET_KEY": "k" * 40})
print(type(app).__module__, app.test_client().get("/public").status_code)
"""


def test_twitapp_runs_on_flask_through_the_shim_and_on_wsgi_stack(tmp_path: Path) -> None:
    shim = make_shim(tmp_path / "shim")
    seen = {}
    for framework in ("flask", "wsgi_stack"):
        database = tmp_path / f"{framework}.sqlite"
        done = subprocess.run(
            [sys.executable, "-c", PROBE % database], cwd=tmp_path, capture_output=True, text=True,
            env=child_environment(framework, shim), timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        seen[framework] = done.stdout.split()
    assert seen == {"flask": ["flask.app", "200"], "wsgi_stack": ["wsgi_stack.app", "200"]}


def test_in_process_comparison_prints_every_page() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.twitapp_frameworks", "--quick", "--no-e2e", "--seed", "12,60,30"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "µs" not in line]
    assert [row.split("`")[0].strip("| ") for row in rows] == [
        "public timeline", "user timeline", "home timeline", "post a message",
    ]
