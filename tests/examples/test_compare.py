"""``compare`` itself: it reports what differs, an app that does not import, a missing Flask, and
says "identical" for a plain Flask app with templates, a session, cookies and a redirect.

Each test starts the two processes once (compare always does); the masking helpers are tested
directly, without processes.
"""

from __future__ import annotations

import os
import time
from email.utils import formatdate
from pathlib import Path

from click.testing import CliRunner

from wsgi_stack.compare import (
    Request,
    compare,
    mark_date,
    mask_output,
    mask_set_cookie,
    parse_request,
    relative_date,
    report,
    resolve_app,
    run_sides,
    settle_dates,
    unsign,
)

APPS = Path(__file__).parent / "apps"


def run(app: str, requests: list[Request], **kwargs) -> tuple[list[str], int, dict]:
    results = run_sides(APPS / app, "", requests, **kwargs)
    lines, status = report(app, requests, results, width=140)
    return lines, status, results


def test_a_plain_flask_app_is_identical_on_both() -> None:
    requests = [
        parse_request(["GET", "/"]),
        parse_request(["POST", "/theme", "-d", "theme=dark"]),
        parse_request(["GET", "/"]),
        parse_request(["POST", "/theme", "-d", "theme=light", "-L"]),
    ]
    lines, status, results = run("flask_site.py", requests)
    text = "\n".join(lines)
    assert status == 0, text
    assert "Identical: all 4 request(s)" in text
    # Each side really ran the app: its template, its session, its cookie.
    stack = results["wsgi_stack"]["responses"]
    assert stack[0]["body"].strip() == "<p>Visit 1, at /</p>"
    assert stack[1]["status"] == "302 FOUND"
    assert stack[2]["body"].strip() == "<p>Visit 2, theme dark, at /</p>"
    assert stack[3]["body"].strip() == "<p>Visit 3, theme light, at /</p>"
    assert results["flask"]["responses"][3]["body"] == stack[3]["body"]
    # One line per identical request.
    assert "  1  GET /  ==  200 OK, text/html" in text
    assert "  2  POST /theme -d theme=dark  ==  302 FOUND -> /, " in text


def test_a_different_header_and_output_are_reported_side_by_side() -> None:
    lines, status, _ = run("differs.py", [parse_request(["GET", "/"])])
    text = "\n".join(lines)
    assert status == 1
    assert "DIFFERENT (headers, printed)" in text
    row = next(line for line in lines if "X-Framework: flask" in line)
    assert row.lstrip().startswith("!") and row.rstrip().endswith("X-Framework: wsgi_stack")
    # The body is the same on both: shown, not marked.
    body = next(line for line in lines if "same body" in line)
    assert not body.lstrip().startswith("!")
    assert "1 difference(s)" in text


def test_an_app_that_fails_to_import_on_one_side_is_reported_not_our_traceback() -> None:
    lines, status, _ = run("flask_only.py", [parse_request(["GET", "/"])])
    text = "\n".join(lines)
    assert status == 1
    assert "flask_only.py failed to import on wsgi_stack" in text
    assert "ImportError: this app wants real Flask, got wsgi_stack" in text
    # The traceback starts at the app's own line; nothing of compare's machinery.
    assert 'flask_only.py", line 7, in <module>' in text
    assert "compare_child" not in text and "importlib" not in text
    assert "What Flask 3.1.3 answered:" in text and "404 NOT FOUND" in text


def test_a_missing_flask_gets_a_clear_message() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(APPS / "hidden_flask"), os.environ.get("PYTHONPATH", "")]))
    lines, status, results = run("flask_site.py", [parse_request(["GET", "/"])], env=env)
    text = "\n".join(lines)
    assert status == 3
    assert "cannot import it" in text and "pip install 'flask==3.1.3'" in text
    # The wsgi_stack side, which needs no Flask, did run.
    assert results["wsgi_stack"]["responses"][0]["status"] == "200 OK"


def test_the_command_runs_a_script_with_trace(tmp_path: Path) -> None:
    script = tmp_path / "requests.txt"
    script.write_text("# a comment\nGET /\n\nPOST /theme -d 'theme=dark' -L  # and a trailing one\n")
    result = CliRunner().invoke(compare, ["--app", str(APPS / "flask_site.py"), "--script", str(script), "--trace"])
    assert result.exit_code == 0, result.output
    assert "2 request(s)" in result.output
    assert "POST /theme -L -d theme=dark  ==  200 OK" in result.output
    # --trace: the wsgi_stack side's layers, request by request.
    assert result.output.count("-- layer trace (wsgi_stack)") == 2
    assert "routing:match" in result.output and "template:page.html" in result.output


def test_usage_errors_are_plain_messages(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(compare, ["--app", str(tmp_path / "nope.py")])
    assert result.exit_code == 2 and "No app file" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("GET /\nGET / --bogus\n")
    result = runner.invoke(compare, ["--app", str(APPS / "flask_site.py"), "--script", str(bad)])
    assert result.exit_code == 2 and "bad.txt:2: unknown option" in result.output
    result = runner.invoke(compare, ["--app", str(APPS / "flask_site.py"), "GET", "/", "-H", "no colon"])
    assert result.exit_code == 2 and "A header is 'Name: value'" in result.output


def test_resolve_app_accepts_a_file_and_a_name(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "site.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert resolve_app("site.py:make()") == ((tmp_path / "site.py").resolve(), "make()")
    assert resolve_app("site") == ((tmp_path / "site.py").resolve(), "")


def test_masking_signed_values_dates_and_log_lines() -> None:
    # A Flask session cookie: payload.timestamp.signature, shown by its payload.
    assert unsign("eyJuIjoxfQ.aS2Xbg.vq7FWtZ7q3Y0WcI7EwLD1Dn2CfE") == 'signed:{"n":1}'
    assert unsign("plain-value") == "plain-value"
    now = time.time()
    assert relative_date(formatdate(now + 86400 + 5, usegmt=True), now) == "<now+1d>"
    assert relative_date("Thu, 01 Jan 1970 00:00:00 GMT", now) == "Thu, 01 Jan 1970 00:00:00 GMT"
    header = f"theme=dark; Expires={formatdate(now + 3600, usegmt=True)}; Max-Age=3600; Path=/"
    alone = settle_dates({"set-cookie": [mask_set_cookie(header, now)]})
    assert alone == {"set-cookie": ["theme=dark; Expires=<now+1h>; Max-Age=3600; Path=/"]}
    # Two sides: a date both sent alike is fixed and stays literal (a file's mtime, a year ahead);
    # one that moved with each side's clock is shown relative, and so compares equal.
    fixed = formatdate(now + 86400 * 400, usegmt=True)
    left = {"headers": [f"Last-Modified: {mark_date(fixed, now)}", f"Date: {mark_date(formatdate(now, usegmt=True), now)}"]}
    right = {"headers": [f"Last-Modified: {mark_date(fixed, now + 7)}", f"Date: {mark_date(formatdate(now + 7, usegmt=True), now + 7)}"]}
    assert settle_dates(left, right) == settle_dates(right, left) == {
        "headers": [f"Last-Modified: {fixed}", "Date: <now+0m>"]
    }
    printed = mask_output(
        "[2026-12-01 16:20:00,123] ERROR in app: Exception on / [GET]\n"
        "Traceback (most recent call last):\n"
        '  File "/x/flask/app.py", line 1, in wsgi_app\n    response = self.full_dispatch_request()\n'
        '  File "/x/app.py", line 9, in boom\n    1/0\n'
        "ZeroDivisionError: division by zero\n"
    )
    assert printed == [
        "[<time>] ERROR in app: Exception on / [GET]",
        "Traceback (most recent call last):",
        "  ... (frames left out)",
        "ZeroDivisionError: division by zero",
    ]
