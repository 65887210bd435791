"""An earlier commit of wsgi_stack, importable next to the current one, to time both in one run.

``python -m bench.framework --against HEAD~1`` measures a change against the commit before it
in the same process, interleaved batch by batch, so the machine's drift (two cores shared by
many) hits both alike and cancels out of their ratio. The earlier package is exported with
``git archive`` into a temporary folder under another name (``wsgi_stack_at_<commit>``); the
package imports itself only relatively, so it runs unchanged under that name.
"""

from __future__ import annotations

import atexit
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from bench import apps

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def add_revision(revision: str) -> str:
    """Make ``revision``'s wsgi_stack a framework of this run; returns its name."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    ).stdout.strip()
    name = f"wsgi_stack@{commit}"
    if name in apps.EXTRA_FRAMEWORKS:
        return name
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "wsgi_stack"],
        capture_output=True, check=True, cwd=PROJECT_ROOT,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="bench-revision-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    module = f"wsgi_stack_at_{commit}"
    (folder / "wsgi_stack").rename(folder / module)
    sys.path.insert(0, str(folder))
    apps.EXTRA_FRAMEWORKS[name] = module
    return name
