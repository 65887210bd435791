"""``python -m wsgi_stack``: routes, trace, environ (step has test_step.py), on a sample app."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wsgi_stack import Flask
from wsgi_stack.cli import CLIError, load_app, main
from wsgi_stack.environ import CGI_KEYS

ROOT = Path(__file__).resolve().parents[2]
TINY = "tests.wsgi_stack.sample_apps.tiny"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


# -- naming the app -------------------------------------------------------------------


def test_load_app_forms():
    from tests.wsgi_stack.sample_apps import tiny

    assert load_app(f"{TINY}:app") is tiny.app
    assert load_app(TINY) is tiny.app  # a bare module: its 'app'
    made = load_app(f"{TINY}:create_app('other', secret_key='k2')")
    assert isinstance(made, Flask) and made is not tiny.app
    assert (made.name, made.secret_key) == ("other", "k2")
    assert load_app(str(ROOT / "tests/wsgi_stack/sample_apps/tiny.py") + ":app").name == "tiny"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.wsgi_stack.sample_apps.nowhere:app", "Could not import"),
        (f"{TINY}:nothing", "has no attribute 'nothing'"),
        (f"{TINY}:create_app", "not a wsgi_stack application"),  # the factory, not called
        (f"{TINY}:create_app(__import__('os'))", "must be Python literals"),
        (f"{TINY}:app.config", "not a name or a factory call"),
        (f"{TINY}:)(", "not a name or a factory call"),
        (":app", "MODULE:APP"),
    ],
)
def test_bad_app_names_are_clear_errors(spec, message, capsys):
    with pytest.raises(CLIError, match=message):
        load_app(spec)
    # Through main: one line on stderr, exit status 2, no traceback.
    assert main(["routes", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# -- routes ---------------------------------------------------------------------------


def test_routes_like_flask_routes():
    status, out = run("routes", f"{TINY}:app")
    assert status == 0
    assert out.splitlines() == [
        "Endpoint   Methods  Rule",
        "---------  -------  -----------------------",
        "boom       GET      /boom",
        "index      GET      /",
        "login      POST     /login",
        "static     GET      /static/<path:filename>",
        "user_page  GET      /user/<int:user_id>",
    ]


def test_routes_sorting_and_all_methods():
    _, by_rule = run("routes", TINY, "--sort", "rule")
    assert [line.split()[-1] for line in by_rule.splitlines()[2:]] == [
        "/", "/boom", "/login", "/static/<path:filename>", "/user/<int:user_id>",
    ]
    _, by_methods = run("routes", TINY, "--sort", "methods")
    assert by_methods.splitlines()[-1].startswith("login ")  # POST sorts after GET
    _, in_match_order = run("routes", TINY, "--sort", "match")
    assert [line.split()[0] for line in in_match_order.splitlines()[2:]] == [
        "static", "index", "user_page", "login", "boom",
    ]
    _, everything = run("routes", TINY, "--all-methods")
    assert "GET, HEAD, OPTIONS" in everything
    assert "OPTIONS, POST" in everything


def test_routes_with_subdomains_add_a_column(tmp_path, monkeypatch):
    (tmp_path / "hosted.py").write_text(
        "from wsgi_stack import Flask\n"
        "app = Flask('hosted', static_folder=None)\n"
        "app.config['SERVER_NAME'] = 'example.org'\n"
        "app.add_url_rule('/', 'home', lambda: 'x')\n"
        "app.add_url_rule('/', 'api', lambda: 'y', subdomain='api')\n"
    )
    _, out = run("routes", str(tmp_path / "hosted.py"), "--sort", "domain")
    assert out.splitlines() == [
        "Endpoint  Methods  Subdomain  Rule",
        "--------  -------  ---------  ----",
        "home      GET                 /",
        "api       GET      api        /",
    ]


# -- trace ----------------------------------------------------------------------------


def test_trace_prints_status_headers_and_the_tree():
    status, out = run("trace", TINY, "get", "/user/7")
    assert status == 0
    head, tree = out.split("\n\n")
    assert head.splitlines()[0] == "HTTP 200 OK"
    assert "X-App: tiny" in head.splitlines()
    assert "Content-Length: 6" in head.splitlines()
    events = [line.split()[0] for line in tree.splitlines()]
    assert events == [
        "context:push",
        "routing:match",
        "hook:before_request:load_user",
        "session:open",
        "view:user_page",
        "hook:after_request:stamp",
        "session:save",  # opened by the hook, so saved (no cookie: nothing changed)
        "response:sent",
        "context:pop",
    ]
    assert "view_args={'user_id': 7}" in tree
    assert tree.splitlines()[-2].endswith("status=200 size=6")


def test_trace_sends_headers_and_form_data():
    status, out = run(
        "trace", TINY, "POST", "/login", "-d", "name=ann", "-H", "X-Client: cli", "--body"
    )
    assert status == 0
    head, body, tree = out.split("\n\n")
    assert body.strip() == "hello ann (cli)"
    assert any(line.startswith("Set-Cookie: session=") for line in head.splitlines())
    assert "session:save" in tree and "cookie_written=True" in tree


def test_trace_data_from_a_file_with_its_own_content_type(tmp_path):
    payload = tmp_path / "body.txt"
    payload.write_text("name=bob")
    _, out = run(
        "trace", TINY, "POST", "/login", "-d", f"@{payload}",
        "-H", "Content-Type: text/plain", "--body",
    )
    # Not a form, so request.form["name"] is missing: a 400, not a 500.
    assert out.startswith("HTTP 400 BAD REQUEST")


def test_trace_of_a_500_and_of_an_exception_that_propagates(capsys):
    status, out = run("trace", TINY, "GET", "/boom")
    assert status == 0 and out.startswith("HTTP 500")
    assert "raised=\"RuntimeError('boom')\"" in out
    capsys.readouterr()

    from tests.wsgi_stack.sample_apps import tiny

    tiny.app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        status, out = run("trace", f"{TINY}:app", "GET", "/boom")
    finally:
        tiny.app.config["PROPAGATE_EXCEPTIONS"] = None
    assert status == 1
    assert "RuntimeError: boom" in capsys.readouterr().err
    # No response, but the trace up to the exception.
    assert not out.startswith("HTTP")
    assert "view:boom" in out


def test_trace_leaves_the_app_config_as_it_was():
    from tests.wsgi_stack.sample_apps import tiny

    before = (tiny.app.config["STACK_TRACE"], tiny.app.config["STACK_BREAK"])
    run("trace", f"{TINY}:app", "GET", "/")
    assert (tiny.app.config["STACK_TRACE"], tiny.app.config["STACK_BREAK"]) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", TINY, "GET", "/", "-H", "no colon"],
        ["trace", TINY, "GET", "/", "-H", ": empty name"],
        ["trace", TINY, "G3T", "/"],
        ["routes", TINY, "--sort", "size"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


# -- environ --------------------------------------------------------------------------


def test_environ_prints_what_the_test_client_builds():
    status, out = run("environ", TINY, "/user/3?a=1&b=2", "-H", "X-Custom: yes")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("The WSGI environ of GET /user/3?a=1&b=2")
    values = {}
    for line, meaning in zip(lines, lines[1:]):
        parts = line.split(maxsplit=1)
        if line.startswith("  ") and len(parts) == 2 and not line.startswith("   "):
            values[parts[0]] = (parts[1], meaning.strip())
    assert values["REQUEST_METHOD"] == ("'GET'", CGI_KEYS["REQUEST_METHOD"])
    assert values["PATH_INFO"][0] == "'/user/3'"
    assert values["QUERY_STRING"][0] == "'a=1&b=2'"
    assert values["HTTP_X_CUSTOM"] == ("'yes'", "The X-Custom request header.")
    assert values["REMOTE_ADDR"][0] == "'127.0.0.1'"  # the test client's own default
    assert values["HTTP_USER_AGENT"][0].startswith("'Werkzeug/")
    assert values["wsgi.url_scheme"][0] == "'http'"
    for title in ("CGI variables", "HTTP headers", "wsgi.* keys"):
        assert title in lines


def test_environ_of_a_post_with_data():
    _, out = run("environ", TINY, "/login", "-X", "post", "-d", "name=ann")
    assert "REQUEST_METHOD   'POST'" in out
    assert "CONTENT_TYPE     'application/x-www-form-urlencoded'" in out
    assert "CONTENT_LENGTH   '8'" in out


# -- as a real command ------------------------------------------------------------------


@pytest.mark.parametrize("command", [None, "routes", "trace", "environ", "step"])
def test_help_on_each_command(command):
    argv = [sys.executable, "-m", "wsgi_stack", *([command] if command else []), "--help"]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m wsgi_stack")
    if command:
        assert f"python -m wsgi_stack {command}" in result.stdout
    else:
        for name in ("routes", "trace", "environ", "step"):
            assert name in result.stdout


def test_runs_as_python_dash_m():
    env = {**os.environ, "PYTHONBREAKPOINT": "0"}
    env.pop("STACK_TRACE", None)
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_stack", "trace", f"{TINY}:create_app('sub')", "GET", "/"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200 OK\n")
    assert "X-App: sub" in result.stdout
    assert "template:<string>" in result.stdout
    # The trace is printed once, on stdout; the STACK_TRACE log line is silenced.
    assert "[trace]" not in result.stderr
