"""Configuration: the signing key rules, the instance key file, server.py's environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import twitapp
from twitapp import db

from .helpers import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Any:
    yield f"sqlite:///{tmp_path / 'config.sqlite'}"
    db.close_thread_connections()


@pytest.mark.parametrize("key", ["short", "x" * 31, b"\x00" * 31])
def test_production_refuses_a_short_key(sqlite_url: str, key: Any) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        twitapp.create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": key})


@pytest.mark.parametrize("flag", ["DEBUG", "TESTING"])
def test_debug_and_testing_accept_a_short_key(sqlite_url: str, flag: str) -> None:
    app = twitapp.create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "dev", flag: True})
    assert app.config["SECRET_KEY"] == "dev"


def test_production_accepts_a_long_key(sqlite_url: str) -> None:
    app = twitapp.create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "k" * 32})
    assert not app.debug and not app.testing
    assert app.test_client().get("/public").status_code == 200


def test_instance_key_is_made_once_with_mode_600(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    key = twitapp.instance_secret_key(str(folder))
    assert len(key) >= 32
    path = folder / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert twitapp.instance_secret_key(str(folder)) == key  # a restart reads the same key
    assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no leftovers


def test_instance_key_is_shared_by_processes_starting_together(tmp_path: Path) -> None:
    folder = str(tmp_path / "instance")
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(twitapp.instance_secret_key, [folder] * 8))
    assert len(keys) == 1


def test_instance_key_file_too_short_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("tiny")
    with pytest.raises(ValueError, match="shorter than 32"):
        twitapp.instance_secret_key(str(tmp_path))


def _run_server_import(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "SECRET_KEY", "TWITAPP_DEBUG", "TWITAPP_SECURE_COOKIES")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=60)


def test_server_reads_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    code = (
        "import server; c = server.app.config; "
        "print(c['DATABASE_URL'], c['SECRET_KEY'], c['DEBUG'], c['SESSION_COOKIE_SECURE']); "
        "r = server.app.test_client().get('/public'); print(r.status_code)"
    )
    result = _run_server_import({"DATABASE_URL": url, "SECRET_KEY": TEST_KEY,
                                 "TWITAPP_SECURE_COOKIES": "1"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [url, TEST_KEY, "False", "True", "200"]


def test_server_refuses_a_short_key_unless_debugging(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    refused = _run_server_import({"DATABASE_URL": url, "SECRET_KEY": "short"}, "import server")
    assert refused.returncode != 0
    assert "SECRET_KEY is 5 bytes long" in refused.stderr
    allowed = _run_server_import({"DATABASE_URL": url, "SECRET_KEY": "short", "TWITAPP_DEBUG": "1"},
                                 "import server; print(server.app.debug)")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip() == "True"


def test_config_from_environment_defaults(tmp_path: Path) -> None:
    code = (
        "import server; e = server.config_from_environment; "
        "print(e({}) == {'DATABASE_URL': None, 'SECRET_KEY': None, 'DEBUG': False, "
        "'SESSION_COOKIE_SECURE': False, 'GRAVATAR_URL': None}, e({'TWITAPP_DEBUG': 'yes'})['DEBUG'],"
        " e({'TWITAPP_GRAVATAR_URL': 'https://g.example/avatar/'})['GRAVATAR_URL'])"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite'}", "SECRET_KEY": TEST_KEY}
    result = _run_server_import(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "https://g.example/avatar/"]
