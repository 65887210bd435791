"""Every curl example of docs/API.md, run in order in one shell against a real gunicorn server.

Each ``sh`` block of the document is followed by an ``http`` block with the answer it gives.
The test runs the blocks (curl, as a reader would paste them) and checks each answer's status,
its content type, and its JSON body's shape: the same keys at every level, and the same values
except where the document writes ``…``. The server has a fresh MariaDB database of its own, so
the examples' names and message ids are the ones the document shows.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.mariadb import server_available, temporary_database

from .live_server import PROJECT_ROOT, LiveServer, running_server

API_DOC = PROJECT_ROOT / "docs" / "API.md"
EXAMPLE = re.compile(r"```sh\n(.*?)```\s*```http\n(.*?)```", re.DOTALL)
RUN_TIMEOUT = 60.0


def examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(API_DOC.read_text())


@pytest.fixture(scope="module")
def api_server(artifacts_dir: Path) -> Iterator[LiveServer]:
    available, reason = server_available()
    if not available:
        pytest.skip(reason)
    with temporary_database(prefix="twitapp_apidoc") as url, running_server(
        url, secret_key=secrets.token_urlsafe(48), log_path=artifacts_dir / "gunicorn-apidoc.log"
    ) as server:
        yield server


def same_shape(documented: Any, actual: Any, where: str = "body") -> list[str]:
    """Differences between a documented JSON value and the real one (``…`` matches anything)."""
    if isinstance(documented, str) and "…" in documented:
        return []
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = [f"{where}: keys {sorted(documented)} != {sorted(actual)}"] if set(documented) != set(actual) else []
        for key in documented.keys() & actual.keys():
            problems += same_shape(documented[key], actual[key], f"{where}.{key}")
        return problems
    if isinstance(documented, list):
        if not isinstance(actual, list) or len(documented) != len(actual):
            return [f"{where}: expected {len(documented)} items, got {actual!r}"]
        return [p for i, (d, a) in enumerate(zip(documented, actual)) for p in same_shape(d, a, f"{where}[{i}]")]
    return [] if documented == actual else [f"{where}: documented {documented!r}, got {actual!r}"]


def test_the_document_has_an_example_per_endpoint() -> None:
    commands = " ".join(command for command, _ in examples())
    for path in ("/login", "/register", "/logout", "/add_message", "/follow", "/unfollow",
                 "/delete", "/following", '"$BASE/ada"', '"$BASE/ada/1"'):
        assert path in commands, f"docs/API.md has no curl example for {path}"


def test_every_curl_example_answers_as_documented(api_server: LiveServer, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    pairs = examples()
    assert len(pairs) >= 15
    script = ["set -u", f"BASE={api_server.base_url}"]
    for number, (command, _answer) in enumerate(pairs):
        script += [f"echo '@@@ {number}'", command]
    result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, capture_output=True,
                            timeout=RUN_TIMEOUT, text=True)
    assert result.returncode == 0, result.stderr
    outputs = re.split(r"^@@@ \d+\n", result.stdout, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(pairs), result.stdout[-2000:]

    problems = []
    for number, ((command, answer), output) in enumerate(zip(pairs, outputs)):
        first = command.strip().splitlines()[-1]
        head, _, body = output.replace("\r\n", "\n").partition("\n\n")
        status = re.match(r"HTTP/1\.1 (\d{3})", head)
        expected_status = re.match(r"HTTP/1\.1 (\d{3})", answer).group(1)  # type: ignore[union-attr]
        if not status or status.group(1) != expected_status:
            problems.append(f"example {number} ({first}): status {status and status.group(1)}, "
                            f"documented {expected_status}\n{output[:500]}")
            continue
        documented_head, _, documented_body = answer.partition("\n\n")
        for header in documented_head.splitlines()[1:]:
            name, _, value = header.partition(": ")
            if "…" not in value and f"{name.lower()}: {value.lower()}" not in head.lower():
                problems.append(f"example {number}: no '{header}' in\n{head}")
        if documented_body.strip():
            try:
                actual = json.loads(body)
            except ValueError:
                problems.append(f"example {number}: not JSON: {body[:300]!r}")
                continue
            problems += [f"example {number}: {p}" for p in same_shape(json.loads(documented_body), actual)]
        elif body.strip():
            problems.append(f"example {number}: documented no body, got {body[:200]!r}")
    assert not problems, "\n".join(problems)
