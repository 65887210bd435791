"""wsgi_stack as a package: ``pip install`` it into a new venv and use its ``wsgi-stack`` command.

To stay fast and offline, the venv is made without pip and the install is
``--no-deps --no-build-isolation``: the dependencies (and pip and setuptools, to build)
come from the test run's own environment through a ``.pth`` file, added *after* the
venv's own site-packages. What is checked is the package itself: its files, its entry
point, its declared dependencies, and that the command works from a folder where
``wsgi_stack`` could only come from the installed copy.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with wsgi_stack installed from a copy of the sources; its ``bin`` folder."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # A copy, so that the build's own files (build/, *.egg-info) never land in the checkout.
    shutil.copytree(ROOT / "wsgi_stack", source / "wsgi_stack", ignore=shutil.ignore_patterns("__pycache__"))

    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    python = venv / "bin" / "python"
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    (purelib / "zz_test_run_packages.pth").write_text("\n".join(sorted(ours)) + "\n")

    run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--no-compile", source],
        cwd=base,
    )
    return venv / "bin"


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory) -> Path:
    """twitapp and server.py, without wsgi_stack beside them."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copy(ROOT / "server.py", folder / "server.py")
    shutil.copytree(ROOT / "twitapp", folder / "twitapp", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture(scope="module")
def env(app_folder) -> dict[str, str]:
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{app_folder / 'twit.db'}",
        "SECRET_KEY": "p" * 40,
        "PYTHONBREAKPOINT": "0",
    }
    for name in ("PYTHONPATH", "FLASK_APP", "FLASK_DEBUG", "STACK_TRACE", "STACK_BREAK"):
        environ.pop(name, None)
    return environ


def test_the_installed_package(installed, app_folder, env):
    probe = run(
        [installed / "python", "-c",
         "import importlib.metadata as m, wsgi_stack; print(wsgi_stack.__file__);"
         " print(m.version('wsgi_stack')); print(sorted(m.requires('wsgi_stack')));"
         " print([e.value for e in m.entry_points(group='console_scripts', name='wsgi-stack')])"],
        cwd=app_folder, env=env,
    ).stdout.splitlines()
    assert probe[0].startswith(str(installed.parent)), probe[0]  # the venv's copy, not the checkout
    assert probe[1] == "0.1.0"
    requires = probe[2]
    for requirement in ("werkzeug", "jinja2", "markupsafe", "click", "blinker"):
        assert f"'{requirement}<" in requires or f"'{requirement}>=" in requires
    assert 'python-dotenv; extra == "dotenv"' in requires and 'asgiref>=3.2; extra == "async"' in requires
    assert probe[3] == "['wsgi_stack.cli:main']"
    # Only the framework: twitapp is an app folder, not part of the package.
    assert not list(installed.parent.glob("lib/python*/site-packages/twitapp"))


def test_wsgi_stack_command(installed, app_folder, env):
    command = [installed / "wsgi-stack", "--app", "server:app"]

    routes = run([*command, "routes"], cwd=app_folder, env=env).stdout
    assert any(line.split()[:3] == ["timelines.public_timeline", "GET", "/public"] for line in routes.splitlines())

    trace = run([*command, "trace", "GET", "/public"], cwd=app_folder, env=env).stdout
    assert trace.startswith("HTTP 200 OK")
    assert "view:timelines.public_timeline" in trace and "template:timeline.html" in trace

    environ = run([*command, "environ", "/public?page=2"], cwd=app_folder, env=env).stdout
    assert "QUERY_STRING     'page=2'" in environ

    step = run([*command, "step", "GET", "/public", "--break", "view"], cwd=app_folder, env=env).stdout
    assert step.startswith("Stepping through GET /public, stopping at: view.")
    assert "HTTP 200 OK" in step

    version = run([installed / "wsgi-stack", "--version"], cwd=app_folder, env=env).stdout
    assert "wsgi_stack 0.1.0" in version


def test_errors_from_the_installed_command(installed, app_folder, env):
    result = subprocess.run(
        [installed / "wsgi-stack", "--app", "server:nope", "routes"],
        cwd=app_folder, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "Error: Failed to find attribute 'nope' in 'server'." in result.stderr
    assert "Traceback" not in result.stderr
