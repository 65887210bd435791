"""The command line: Flask's ``flask`` command, on click, and wsgi_stack's see-inside commands.

    wsgi-stack --app server:app run --debug      # development server, reloader, debugger
    wsgi-stack --app server:app routes           # the URL map
    wsgi-stack --app server:app shell            # Python shell in the app context
    wsgi-stack --app server:app trace GET /public    # one request, layer by layer
    python -m wsgi_stack ...                     # the same command without installing

The pieces, in the order a command line meets them:

* :class:`FlaskGroup` (the ``wsgi-stack`` command is one) reads ``--env-file``, ``--app``
  and ``--debug`` first, as option callbacks, then finds the subcommand among its own
  commands, plugins (``flask.commands`` entry points) and the app's ``app.cli``;
* :class:`~wsgi_stack.discovery.ScriptInfo` loads the app named by ``--app`` once
  (:mod:`wsgi_stack.discovery` says how names are resolved);
* :class:`AppGroup` and :func:`with_appcontext` run a command inside the app's context.

Every option can come from the environment as ``FLASK_<OPTION>`` (``FLASK_APP``,
``FLASK_DEBUG``, ``FLASK_RUN_PORT``, ...), and ``.env``/``.flaskenv`` files are read when
python-dotenv is installed (``FLASK_SKIP_DOTENV=1`` turns that off), as with ``flask``.
The see-inside commands live in :mod:`wsgi_stack.inside`; the ``run`` command in
:mod:`wsgi_stack.serving`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys
import traceback
import typing as t
from functools import update_wrapper
from operator import itemgetter

import click
from click.core import ParameterSource

from .discovery import (
    NoAppException,
    ScriptInfo,
    find_app_by_string,
    find_best_app,
    locate_app,
    pass_script_info,
    prepare_import,
)
from .globals import current_app
from .serving import CertParamType, SeparatedPathType, run_command, show_server_banner

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "StackGroup",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "show_server_banner",
    "with_appcontext",
]

#: The Flask release whose public names and behaviour wsgi_stack follows.
FLASK_API_VERSION = "3.1.3"

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def with_appcontext(f: F) -> F:
    """Run a command callback inside the app's context, loading the app if none is active.

    Commands of ``app.cli`` and ``blueprint.cli`` (and their options' callbacks) get
    the context without it; it is for commands added elsewhere. The context stays
    pushed for the subcommands of a decorated group.
    """

    @click.pass_context
    def in_app_context(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            # Popped when click tears the context down, after the command returns.
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(in_app_context, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in the app context (``app.cli`` is one).

    ``@group.command(with_appcontext=False)`` opts a command out; ``@group.group()``
    makes another :class:`AppGroup`. Not to be confused with :class:`FlaskGroup`, the
    group that also finds the app.
    """

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Callable[[t.Callable[..., t.Any]], click.Command]:  # type: ignore[override]
        wrap = kwargs.pop("with_appcontext", True)
        add_command = super().command

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            return add_command(*args, **kwargs)(with_appcontext(f) if wrap else f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Callable[[t.Callable[..., t.Any]], click.Group]:  # type: ignore[override]
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)  # type: ignore[no-any-return]


# -- the group's own options (handled by callbacks, so a custom group callback keeps them) --


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


# Eager, and before --help in the parameter list, so that --help can list app.cli commands.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The application or factory to load, as 'module:name'. The module may be a dotted"
        " name or a file path; the name may be left out when it is 'app', 'application',"
        " 'create_app' or 'make_app', and may be 'factory(args)' to pass arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Option, value: bool) -> bool | None:
    # Unset (only the flag's default False): leave debug to FLASK_DEBUG.
    if ctx.get_parameter_source(param.name) in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):  # type: ignore[arg-type]
        return None
    # Through the environment, so that an app factory can already read it.
    flag = "1" if value else "0"
    os.environ["FLASK_DEBUG"] = flag
    if "STACK_DEBUG" in os.environ:  # wsgi_stack's own name is read first; the option wins over both
        os.environ["STACK_DEBUG"] = flag
    return value


_debug_option = click.Option(["--debug/--no-debug"], help="Set debug mode.", expose_value=False, callback=_set_debug)
# `run --debug` works as well as `--debug run`.
run_command.params.insert(0, _debug_option)


def _dotenv_installed() -> bool:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        return False
    return True


def _load_env_file(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is not None and not _dotenv_installed():
        raise click.BadParameter("python-dotenv must be installed to load an env file.", ctx=ctx, param=param)
    # Without python-dotenv and without -e, load_dotenv still runs: it tells about .env files it cannot read.
    if value is not None or ctx.obj.load_dotenv_defaults:
        load_dotenv(value, load_defaults=ctx.obj.load_dotenv_defaults)
    return value


# Eager and first, so that the variables it sets are there for --app and --debug.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file; they win over '.env' and '.flaskenv',"
        " and variables already set in the environment win over all. Needs python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)


def _installed_version(distribution: str, fallback: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return fallback


def get_version(ctx: click.Context, param: click.Parameter | None, value: t.Any) -> None:
    """The ``--version`` callback: Python, wsgi_stack, the Flask API it follows, Werkzeug."""
    if not value or ctx.resilient_parsing:
        return
    from . import __version__

    click.echo(
        f"Python {platform.python_version()}\n"
        f"wsgi_stack {_installed_version('wsgi_stack', __version__)}\n"
        f"Flask {FLASK_API_VERSION} (the API wsgi_stack follows)\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the versions of Python, wsgi_stack and Werkzeug.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class FlaskGroup(AppGroup):
    """The group behind ``wsgi-stack`` (and Flask's ``flask``): finds the app, adds its commands.

    :param add_default_commands: add ``run``, ``shell`` and ``routes``.
    :param create_app: a function returning the app, instead of ``--app``.
    :param add_version_option: add ``--version``.
    :param load_dotenv: read ``.env`` and ``.flaskenv`` (python-dotenv needed).
    :param set_debug_flag: set the app's debug flag from ``--debug``/``FLASK_DEBUG``.

    Commands are looked up in this group, then in ``flask.commands`` entry points, then
    in the app's ``app.cli``; the app is loaded only for the last, and an app that fails
    to load is reported without hiding the built-in commands.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., App] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", "FLASK")
        super().__init__(params=params, **extra)

        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            for command in (run_command, shell_command, routes_command):
                self.add_command(command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        # Extensions announce commands under Flask's entry point group; read it once.
        if self._loaded_plugin_commands:
            return
        for entry_point in importlib.metadata.entry_points(group="flask.commands"):
            self.add_command(entry_point.load(), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app cannot be loaded.
        command = super().get_command(ctx, name)
        if command is not None:
            return command

        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        # The app's commands and their parameter callbacks run in its context.
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)  # type: ignore[no-any-return]

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as error:
            # Help still lists the built-in commands, with why the app's are missing.
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: t.Any
    ) -> click.Context:
        # Read by App.run(): a module that calls app.run() at import time must not
        # start a second server (or block) under a command.
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Help without a command skips eager options; read --env-file and --app (from
        # the environment) by hand so that help can still list the app's commands.
        if (not args and self.no_args_is_help) or (len(args) == 1 and args[0] in self.get_help_option_names(ctx)):
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files; True if the files held any.

    ``.flaskenv``, then ``.env`` (each the nearest one, searched from the current folder
    upwards), then ``path``: a later file wins over an earlier one, and a variable
    already in the environment wins over all of them. Without python-dotenv nothing is
    read, and a note says so when such files are there.
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(" * Tip: There are .env files present. Install python-dotenv to use them.", fg="yellow", err=True)
        return False

    values: dict[str, str | None] = {}
    if load_defaults:
        for name in (".flaskenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell in the app's context.

    The shell starts with the names the app's shell context processors give (``app``
    and ``g`` at least), after running ``PYTHONSTARTUP`` if it is set.
    """
    import code

    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {current_app.import_name}\n"
        f"Instance: {current_app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(current_app.make_shell_context())

    # The interactive hook (set by site) turns on readline completion and history;
    # point the completer at the shell's namespace rather than this module's.
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        interactive_hook()

    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="Column to sort by; 'match' is the order the app tries the rules in when dispatching.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every URL rule with its endpoint and methods."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = current_app.url_map.host_matching
    has_domain = any(rule.host if host_matching else rule.subdomain for rule in rules)

    headers = ["Endpoint", "Methods"]
    columns = ["endpoint", "methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
        columns.append("domain")
    headers.append("Rule")
    columns.append("rule")

    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if has_domain:
            row.append((rule.host if host_matching else rule.subdomain) or "")
        row.append(rule.rule)
        rows.append(row)
    if sort in columns:  # 'match', or 'domain' with no domains: the map's own order
        rows.sort(key=itemgetter(columns.index(sort)))

    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


class StackGroup(FlaskGroup):
    """The ``wsgi-stack`` command: :class:`FlaskGroup` plus wsgi_stack's own commands,
    each imported only when it is used (or listed by ``--help``), so that ``run`` and the
    app's commands do not pay for them.

    A built-in command wins over an ``app.cli`` command of the same name, as ``run``,
    ``shell`` and ``routes`` do.
    """

    #: Command name -> "module:attribute" of the click command.
    lazy_commands = {
        "trace": "wsgi_stack.inside:trace_command",
        "environ": "wsgi_stack.inside:environ_command",
        "step": "wsgi_stack.inside:step_command",
        "compare": "wsgi_stack.compare:compare",
    }

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            module_name, _, attribute = self.lazy_commands[name].partition(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), name)
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})


cli = StackGroup(
    name="wsgi-stack",
    help=(
        "Run, inspect and script a wsgi_stack (or Flask) application.\n\n"
        "Name the application with the '--app' option or the 'FLASK_APP' environment"
        " variable, or have a 'wsgi.py' or 'app.py' file in the current directory."
    ),
)


def main() -> None:
    """The ``wsgi-stack`` console script and ``python -m wsgi_stack``."""
    cli.main()
