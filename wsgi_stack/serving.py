"""The ``run`` command: Werkzeug's development server for the app, as ``flask run`` serves it.

In debug mode (``--debug`` or ``FLASK_DEBUG=1``) the reloader restarts the server when
a source file (or an ``--extra-files`` file) changes, and the interactive debugger shows
a traceback page for an error. ``--cert``/``--key`` serve HTTPS. The server is for
development only: production runs the app under a WSGI server such as gunicorn.
"""

from __future__ import annotations

import os
import traceback
import typing as t

import click
from werkzeug.serving import is_running_from_reloader, run_simple
from werkzeug.utils import import_string

from .discovery import ScriptInfo, pass_script_info
from .helpers import get_debug_flag

if t.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .app import App


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """What is served and in which mode; once, not again in the reloader's child process."""
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving wsgi_stack app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def _ssl_module() -> t.Any:
    try:
        import ssl
    except ImportError:
        return None
    return ssl


class CertParamType(click.ParamType):
    """``--cert``: a certificate file, ``adhoc`` (a throwaway self-signed certificate,
    needs the cryptography package), or the import name of an ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        ssl = _ssl_module()
        if ssl is None:
            raise click.BadParameter('Using "--cert" requires Python to be compiled with SSL support.', ctx, param)
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            value = click.STRING(value, param, ctx).lower()
            if value == "adhoc":
                try:
                    import cryptography  # noqa: F401
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.", ctx, param
                    ) from None
                return value
            context = import_string(value, silent=True)
            if isinstance(context, ssl.SSLContext):
                return context
            raise  # the path error: the most likely meaning of a bad value


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a certificate file, and only with one; the two become ``cert=(cert, key)``."""
    cert = ctx.params.get("cert")
    ssl = _ssl_module()
    is_adhoc = cert == "adhoc"
    is_context = ssl is not None and isinstance(cert, ssl.SSLContext)

    if value is None:
        if cert and not (is_adhoc or is_context):
            raise click.BadParameter('Required when using "--cert".', ctx, param)
        return value
    if is_adhoc:
        raise click.BadParameter('When "--cert" is "adhoc", "--key" is not used.', ctx, param)
    if is_context:
        raise click.BadParameter('When "--cert" is an SSLContext object, "--key" is not used.', ctx, param)
    if not cert:
        raise click.BadParameter('"--cert" must also be specified.', ctx, param)
    ctx.params["cert"] = cert, value
    return value


class SeparatedPathType(click.Path):
    """A list of paths in one value, separated like ``PATH`` (``:``; ``;`` on Windows),
    each checked as a :class:`click.Path`."""

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        convert_one = super().convert
        return [convert_one(item, param, ctx) for item in self.split_envvar_value(value)]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option("--cert", type=CertParamType(), is_eager=True, help="Specify a certificate file to use HTTPS.")
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file to use when specifying a certificate.",
)
@click.option(
    "--reload/--no-reload", default=None, help="Enable or disable the reloader (on by default in debug mode)."
)
@click.option(
    "--debugger/--no-debugger", default=None, help="Enable or disable the debugger (on by default in debug mode)."
)
@click.option("--with-threads/--without-threads", default=True, help="Enable or disable multithreading.")
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"Extra files that trigger a reload when they change, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=f"fnmatch patterns of files that do not trigger a reload, separated by {os.path.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run a local development server.

    For development only: it has neither the robustness, the security nor the speed of
    a production WSGI server. '--debug' turns on the reloader and the debugger.
    """
    app: t.Any
    try:
        app = info.load_app()
    except Exception as error:
        if not is_running_from_reloader():
            raise error from None
        # In the reloader's child: report now, and keep serving, so that the fix (a
        # saved file) reloads; each request shows the error in the debugger.
        traceback.print_exc()
        failure = error

        def app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Any:
            raise failure from None

    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    run_simple(
        host,
        port,
        app,
        use_reloader=debug if reload is None else reload,
        use_debugger=debug if debugger is None else debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


def run_app(
    app: App,
    host: str | None,
    port: int | None,
    debug: bool | None,
    load_dotenv: bool,
    options: dict[str, t.Any],
) -> None:
    """``App.run``: serve ``app`` with Werkzeug's development server, as Flask's
    ``app.run`` does (see that method for the arguments)."""
    from .cli import load_dotenv as load_dotenv_files
    from .helpers import get_load_dotenv

    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()' that would block the current command line."
                "\n   Only call 'app.run()' under an 'if __name__ == \"__main__\"' guard.",
                fg="red",
            )
        return

    if get_load_dotenv(load_dotenv):
        load_dotenv_files()
        if "FLASK_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)

    server_name = app.config.get("SERVER_NAME")
    sn_host = sn_port = None
    if server_name:
        sn_host, _, sn_port = server_name.partition(":")
    host = host or sn_host or "127.0.0.1"
    # Port 0 is a real choice (any free port), not "unset".
    if port is not None:
        port = int(port)
    else:
        port = int(sn_port) if sn_port else 5000
    options.setdefault("use_reloader", app.debug)
    options.setdefault("use_debugger", app.debug)
    options.setdefault("threaded", True)
    show_server_banner(app.debug, app.name)

    from werkzeug.serving import run_simple  # looked up per call: tests replace it

    try:
        run_simple(host, port, app, **options)
    finally:
        # A server stopped from an interactive session can be started again.
        app._got_first_request = False
