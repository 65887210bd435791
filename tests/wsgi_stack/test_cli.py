"""The command line (``wsgi-stack`` / ``python -m wsgi_stack``): naming the app, the errors
bad input gets, ``routes``, and the see-inside commands ``trace`` and ``environ``.

``step`` is in test_step.py; ``run`` and ``app.run()`` with real servers in
test_cli_run.py; the installed console script in test_package.py. Flask's own
``tests/test_cli.py`` runs against this module in the Flask-suite harness.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from wsgi_stack import Flask, current_app
from wsgi_stack.cli import AppGroup, FlaskGroup, ScriptInfo, cli, load_dotenv
from wsgi_stack.environ import CGI_KEYS

ROOT = Path(__file__).resolve().parents[2]
TINY = "tests.wsgi_stack.sample_apps.tiny"


@pytest.fixture(autouse=True)
def clean_process_state(monkeypatch, tmp_path_factory):
    """The group writes FLASK_RUN_FROM_CLI (and --debug FLASK_DEBUG) into os.environ and
    puts the app's folder on sys.path, as it must for a real process; undo it here, and
    forget the apps the test wrote and imported (another test's 'app.py' is another app)."""
    monkeypatch.chdir(ROOT)
    for name in ("FLASK_APP", "FLASK_DEBUG", "STACK_DEBUG", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV"):
        monkeypatch.delenv(name, raising=False)
    saved_environ, saved_path = dict(os.environ), list(sys.path)
    yield
    os.environ.clear()
    os.environ.update(saved_environ)
    sys.path[:] = saved_path
    temporary = str(tmp_path_factory.getbasetemp())
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(temporary):
            del sys.modules[name]


def invoke(*args: str, **kwargs) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


# -- naming the app -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        (f"{TINY}:app", "tiny"),
        (TINY, "tiny"),  # a bare module: its 'app'
        (f"{TINY}:create_app('other', secret_key='k2')", "other"),  # a factory call, literal arguments
        ("tests/wsgi_stack/sample_apps/tiny.py:app", "tiny"),  # a file
        ("tests/wsgi_stack/sample_apps/tiny.py", "tiny"),
    ],
)
def test_app_forms(spec, name):
    result = invoke("--app", spec, "trace", "GET", "/user/1")
    assert result.exit_code == 0, result.output
    assert f"X-App: {name}" in result.stdout


def test_app_from_the_environment_and_from_app_py(tmp_path, monkeypatch):
    assert "X-App: envapp" in invoke("trace", "GET", "/", env={"FLASK_APP": f"{TINY}:create_app('envapp')"}).stdout
    # No --app, no FLASK_APP: wsgi.py, then app.py, in the current folder.
    (tmp_path / "app.py").write_text(
        "from wsgi_stack import Flask\napp = Flask('here')\napp.add_url_rule('/', 'home', lambda: 'hi')\n"
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("routes")
    assert result.exit_code == 0, result.output
    assert "home" in result.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.wsgi_stack.sample_apps.nowhere:app", "Could not import 'tests.wsgi_stack.sample_apps.nowhere'."),
        (f"{TINY}:nothing", "Failed to find attribute 'nothing' in 'tests.wsgi_stack.sample_apps.tiny'."),
        (f"{TINY}:create_app(__import__('os'))", "Failed to parse arguments as literal values"),
        (f"{TINY}:create_app(1, 2, 3)", "could not be called with the specified arguments"),
        (f"{TINY}:app.config", "Failed to parse 'app.config' as an attribute name or function call."),
        (f"{TINY}:)(", "Failed to parse ')(' as an attribute name or function call."),
        (f"{TINY}:Flask", "A valid Flask application was not obtained"),
    ],
)
def test_bad_app_names_are_usage_errors(spec, message):
    result = invoke("--app", spec, "routes")
    assert result.exit_code == 2
    assert "Error: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_app_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("routes")
    assert result.exit_code == 2
    assert "Could not locate a Flask application." in result.stderr
    assert "'--app' option" in result.stderr and "FLASK_APP" in result.stderr
    # Help still works and says why the app's own commands are missing.
    result = invoke("--help")
    assert result.exit_code == 0
    assert "trace" in result.stdout and "Could not locate" in result.stderr


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("import no_such_module_anywhere\n", "a ModuleNotFoundError"),
        ("raise RuntimeError('config is broken')\n", "a RuntimeError"),
    ],
)
def test_a_module_that_raises_on_import(tmp_path, monkeypatch, source, kind):
    (tmp_path / "broken_app.py").write_text("from wsgi_stack import Flask\napp = Flask('b')\n" + source)
    monkeypatch.chdir(tmp_path)
    result = invoke("--app", "broken_app", "routes")
    assert result.exit_code == 2
    assert "Error: While importing 'broken_app'," in result.stderr and kind in result.stderr
    # The module's own traceback, starting at its frame; not the command line's.
    assert 'broken_app.py", line 3' in result.stderr
    assert "discovery.py" not in result.stderr


def test_an_app_command_with_a_broken_app_keeps_the_builtins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("--app", "nothing_here", "no-such-command")
    assert result.exit_code == 2
    assert "Could not import 'nothing_here'." in result.stderr
    assert "No such command 'no-such-command'" in result.stderr


# -- dotenv -----------------------------------------------------------------------------


def test_env_file(tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text(f"FLASK_APP={TINY}:create_app('from-dotenv')\n")
    result = invoke("--env-file", str(env_file), "trace", "GET", "/")
    assert result.exit_code == 0, result.output
    assert "X-App: from-dotenv" in result.stdout


def test_missing_env_file_is_a_usage_error():
    result = invoke("--env-file", "no/such.env", "--app", TINY, "routes")
    assert result.exit_code == 2
    assert "Invalid value for '-e' / '--env-file'" in result.stderr
    assert "'no/such.env' does not exist" in result.stderr


def test_load_dotenv_order(tmp_path, monkeypatch):
    (tmp_path / ".flaskenv").write_text("A=flaskenv\nB=flaskenv\nC=flaskenv\n")
    (tmp_path / ".env").write_text("B=env\nC=env\n")
    (tmp_path / "extra.env").write_text("C=extra\nD=extra\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("D", "process")
    assert load_dotenv(tmp_path / "extra.env")
    assert [os.environ[name] for name in "ABCD"] == ["flaskenv", "env", "extra", "process"]


def test_without_python_dotenv_a_tip(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dotenv", None)
    (tmp_path / ".env").write_text("NOT_LOADED=1\n")
    monkeypatch.chdir(tmp_path)
    assert load_dotenv() is False
    assert "NOT_LOADED" not in os.environ
    assert "Install python-dotenv" in capsys.readouterr().err
    result = invoke("--env-file", ".env", "routes")
    assert result.exit_code == 2 and "python-dotenv must be installed" in result.stderr


# -- app.cli, with_appcontext, the debug flag ------------------------------------------------


def test_app_cli_commands_run_in_the_app_context():
    app = Flask("custom")

    @app.cli.command("hello")
    @click.argument("who")
    def hello(who):
        click.echo(f"hello {who} from {current_app.name}")

    @app.cli.group()
    def db():
        """Database commands."""

    @db.command()
    def init():
        click.echo(f"init {current_app.name}")

    assert isinstance(app.cli, AppGroup) and app.cli.name == "custom"
    group = FlaskGroup(create_app=lambda: app)
    assert CliRunner().invoke(group, ["hello", "ann"]).output == "hello ann from custom\n"
    assert CliRunner().invoke(group, ["db", "init"]).output == "init custom\n"
    assert "hello" in CliRunner().invoke(group, ["--help"]).output
    # The app's test runner: app.cli without a FlaskGroup.
    assert app.test_cli_runner().invoke(args=["db", "init"]).output == "init custom\n"


def test_debug_option_sets_flask_debug():
    app = Flask("dbg")

    @app.cli.command()
    def show():
        click.echo(f"{current_app.debug} {os.environ['FLASK_DEBUG']}")

    group = FlaskGroup(create_app=lambda: app)
    assert CliRunner().invoke(group, ["--debug", "show"]).output == "True 1\n"
    assert CliRunner().invoke(group, ["--no-debug", "show"], env={"FLASK_DEBUG": "1"}).output == "False 0\n"


def test_shell_gets_the_shell_context():
    app = Flask("shelly")
    app.shell_context_processor(lambda: {"answer": 42})
    group = FlaskGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["shell"], input="print(answer, app.name, g)\n")
    assert result.exit_code == 0, result.output
    assert "App: shelly" in result.output
    assert "42 shelly" in result.output


def test_script_info_loads_once():
    calls = []
    info = ScriptInfo(create_app=lambda: calls.append(1) or Flask("once"))
    assert info.load_app() is info.load_app()
    assert calls == [1]


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Python ") and lines[1].startswith("wsgi_stack ")
    assert "Flask 3.1.3" in result.stdout and "Werkzeug 3.1" in result.stdout


# -- routes ---------------------------------------------------------------------------


def test_routes_like_flask_routes():
    result = invoke("--app", TINY, "routes")
    assert result.exit_code == 0
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "Endpoint   Methods  Rule",
        "---------  -------  -----------------------",
        "boom       GET      /boom",
        "index      GET      /",
        "login      POST     /login",
        "static     GET      /static/<path:filename>",
        "user_page  GET      /user/<int:user_id>",
    ]


def test_routes_sorting_and_all_methods():
    def column(sort: str, index: int) -> list[str]:
        out = invoke("--app", TINY, "routes", "--sort", sort).stdout
        return [line.split()[index] for line in out.splitlines()[2:]]

    assert column("rule", -1) == ["/", "/boom", "/login", "/static/<path:filename>", "/user/<int:user_id>"]
    assert column("methods", 0)[-1] == "login"  # POST sorts after GET
    assert column("match", 0) == ["static", "index", "user_page", "login", "boom"]
    everything = invoke("--app", TINY, "routes", "--all-methods").stdout
    assert "GET, HEAD, OPTIONS" in everything and "OPTIONS, POST" in everything
    bad = invoke("--app", TINY, "routes", "--sort", "size")
    assert bad.exit_code == 2 and "Invalid value for '--sort'" in bad.stderr


def test_routes_with_subdomains_add_a_column(tmp_path):
    (tmp_path / "hosted.py").write_text(
        "from wsgi_stack import Flask\n"
        "app = Flask('hosted', static_folder=None)\n"
        "app.config['SERVER_NAME'] = 'example.org'\n"
        "app.add_url_rule('/', 'home', lambda: 'x')\n"
        "app.add_url_rule('/', 'api', lambda: 'y', subdomain='api')\n"
    )
    result = invoke("--app", str(tmp_path / "hosted.py"), "routes", "--sort", "domain")
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "Endpoint  Methods  Subdomain  Rule",
        "--------  -------  ---------  ----",
        "home      GET                 /",
        "api       GET      api        /",
    ]


# -- trace ----------------------------------------------------------------------------


def test_trace_prints_status_headers_and_the_tree():
    result = invoke("--app", TINY, "trace", "get", "/user/7")
    assert result.exit_code == 0
    head, tree = result.stdout.split("\n\n")
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
    result = invoke("--app", TINY, "trace", "POST", "/login", "-d", "name=ann", "-H", "X-Client: cli", "--body")
    assert result.exit_code == 0
    head, body, tree = result.stdout.split("\n\n")
    assert body.strip() == "hello ann (cli)"
    assert any(line.startswith("Set-Cookie: session=") for line in head.splitlines())
    assert "session:save" in tree and "cookie_written=True" in tree


def test_trace_data_from_a_file_with_its_own_content_type(tmp_path):
    payload = tmp_path / "body.txt"
    payload.write_text("name=bob")
    result = invoke(
        "--app", TINY, "trace", "POST", "/login", "-d", f"@{payload}", "-H", "Content-Type: text/plain", "--body"
    )
    # Not a form, so request.form["name"] is missing: a 400, not a 500.
    assert result.stdout.startswith("HTTP 400 BAD REQUEST")
    missing = invoke("--app", TINY, "trace", "POST", "/login", "-d", f"@{tmp_path / 'none.txt'}")
    assert missing.exit_code == 2 and "could not read the data file" in missing.stderr


def test_trace_of_a_500_and_of_an_exception_that_propagates():
    result = invoke("--app", TINY, "trace", "GET", "/boom")
    assert result.exit_code == 0 and result.stdout.startswith("HTTP 500")
    assert "raised=\"RuntimeError('boom')\"" in result.stdout

    from tests.wsgi_stack.sample_apps import tiny

    tiny.app.config["PROPAGATE_EXCEPTIONS"] = True
    try:
        result = invoke("--app", f"{TINY}:app", "trace", "GET", "/boom")
    finally:
        tiny.app.config["PROPAGATE_EXCEPTIONS"] = None
    assert result.exit_code == 1
    assert "RuntimeError: boom" in result.stderr
    # No response, but the trace up to the exception.
    assert not result.stdout.startswith("HTTP")
    assert "view:boom" in result.stdout


def test_trace_leaves_the_app_config_as_it_was():
    from tests.wsgi_stack.sample_apps import tiny

    before = (tiny.app.config["STACK_TRACE"], tiny.app.config["STACK_BREAK"])
    invoke("--app", f"{TINY}:app", "trace", "GET", "/")
    assert (tiny.app.config["STACK_TRACE"], tiny.app.config["STACK_BREAK"]) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "GET", "/", "-H", "no colon"], "expected 'Name: value'"),
        (["trace", "GET", "/", "-H", ": empty name"], "expected 'Name: value'"),
        (["trace", "G3T", "/"], "not an HTTP method: 'G3T'"),
        (["trace", "GET"], "Missing argument 'PATH'"),
        (["environ", "/", "-X", "P OST"], "not an HTTP method"),
    ],
)
def test_bad_arguments_exit_2(argv, message):
    result = invoke("--app", TINY, *argv)
    assert result.exit_code == 2
    assert message in result.stderr and "Usage:" in result.stderr


# -- environ --------------------------------------------------------------------------


def test_environ_prints_what_the_test_client_builds():
    result = invoke("--app", TINY, "environ", "/user/3?a=1&b=2", "-H", "X-Custom: yes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
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
    out = invoke("--app", TINY, "environ", "/login", "-X", "post", "-d", "name=ann").stdout
    assert "REQUEST_METHOD   'POST'" in out
    assert "CONTENT_TYPE     'application/x-www-form-urlencoded'" in out
    assert "CONTENT_LENGTH   '8'" in out


# -- as a real command ------------------------------------------------------------------


def run_module(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONBREAKPOINT": "0", **env}
    environ.pop("STACK_TRACE", None)
    return subprocess.run(
        [sys.executable, "-m", "wsgi_stack", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=environ
    )


def test_help_lists_every_command():
    result = run_module("--app", TINY, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: python -m wsgi_stack [OPTIONS] COMMAND [ARGS]...")
    for name in ("run", "routes", "shell", "trace", "environ", "step"):
        assert f"\n  {name} " in result.stdout


@pytest.mark.parametrize("command", ["routes", "trace", "environ", "step", "run", "shell"])
def test_help_on_each_command(command):
    result = CliRunner().invoke(cli, [command, "--help"], prog_name="wsgi-stack")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: wsgi-stack {command} [OPTIONS]")


def test_runs_as_python_dash_m():
    result = run_module("--app", f"{TINY}:create_app('sub')", "trace", "GET", "/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200 OK\n")
    assert "X-App: sub" in result.stdout
    assert "template:<string>" in result.stdout
    # The trace is printed once, on stdout; the STACK_TRACE log line is silenced.
    assert "[trace]" not in result.stderr


def test_twitapp_routes_and_public_trace(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}", "SECRET_KEY": "x" * 40}
    routes = run_module("--app", "server:app", "routes", **env)
    assert routes.returncode == 0, routes.stderr
    assert any(line.split()[:3] == ["timelines.public_timeline", "GET", "/public"] for line in routes.stdout.splitlines())
    trace = run_module("--app", "server:app", "trace", "GET", "/public", **env)
    assert trace.returncode == 0, trace.stderr
    assert trace.stdout.startswith("HTTP 200 OK")
    assert "view:timelines.public_timeline" in trace.stdout and "template:timeline.html" in trace.stdout


def test_compare_joins_the_group_and_takes_its_app():
    result = invoke("--app", "examples/routing.py", "compare", "GET", "/about")
    assert result.exit_code == 0, result.output
    assert "examples/routing.py: Flask 3.1.3 (left) | wsgi_stack" in result.stdout
    assert "Identical" in result.stdout


def test_own_commands_are_imported_when_used():
    code = (
        "import sys, wsgi_stack.cli as c;"
        " print(sorted(m for m in ('wsgi_stack.inside', 'wsgi_stack.compare') if m in sys.modules));"
        " c.cli.get_command(None, 'trace'); print('wsgi_stack.inside' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["[]", "True"], result.stderr
