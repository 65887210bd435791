"""The see-inside commands: one request through the app, shown layer by layer.

    wsgi-stack --app server:app trace GET /public          # response + the layer trace
    wsgi-stack --app server:app trace POST /login -d 'username=ann&password=x' --body
    wsgi-stack --app server:app environ /public?page=2     # the WSGI environ, explained
    wsgi-stack --app server:app step GET / --break routing,view   # stop in the debugger

Each runs in-process through the app's test client: no server, no sockets, nothing
written anywhere. ``-H 'Name: value'`` adds a header and ``-d DATA`` a body, as with
curl (a body without a Content-Type header is sent as a form; ``@file`` reads a file,
``@-`` standard input). The app is loaded from ``--app`` like every other command, but
no app context is pushed around the request: the request pushes its own, as it would
under a server, so the trace shows every layer.
"""

from __future__ import annotations

import logging
import sys
import traceback
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .discovery import ScriptInfo, pass_script_info
from .environ import describe_environ
from .testing import EnvironBuilder
from .trace import LAYERS, RequestTrace, parse_layer_names, record

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.test import TestResponse

    from .app import App


class HeaderType(click.ParamType):
    """``-H 'Name: value'`` -> ``("Name", "value")``."""

    name = "header"

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        name, colon, header_value = str(value).partition(":")
        name = name.strip()
        if not colon or not name or any(c.isspace() for c in name):
            self.fail(f"expected 'Name: value', got {value!r}", param, ctx)
        return name, header_value.strip()


def _http_method(ctx: click.Context, param: click.Parameter, value: str) -> str:
    method = value.upper()
    if not method.isascii() or not method.isalpha():
        raise click.BadParameter(f"not an HTTP method: {value!r}", ctx, param)
    return method


def _request_options(headers: tuple[tuple[str, str], ...], data: str | None) -> dict[str, t.Any]:
    """The test client's keyword arguments for ``-H`` and ``-d``, read the way curl reads
    them: data without a Content-Type header is a urlencoded form."""
    header_list = list(headers)
    options: dict[str, t.Any] = {"headers": header_list}
    if data is None:
        return options
    body: str | bytes = data
    if data.startswith("@"):
        source = data[1:]
        try:
            body = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as error:
            raise click.BadParameter(f"could not read the data file: {error}", param_hint="'-d' / '--data'") from None
    options["data"] = body
    if not any(name.lower() == "content-type" for name, _ in header_list):
        header_list.append(("Content-Type", "application/x-www-form-urlencoded"))
    return options


def _request_arguments(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """The options every see-inside command takes for the request it sends."""
    f = click.option(
        "-d",
        "--data",
        metavar="DATA",
        help="The request body; a urlencoded form unless a Content-Type header says otherwise."
        " @FILE reads it from a file, @- from standard input.",
    )(f)
    return click.option(
        "-H", "--header", "headers", multiple=True, type=HeaderType(), metavar="'NAME: VALUE'",
        help="A request header (repeat for more).",
    )(f)


@contextmanager
def _tracing(app: App, break_at: str | None = None) -> Iterator[list[RequestTrace]]:
    """Trace the block's requests (and stop at ``break_at``), collecting the traces.

    The config is put back afterwards. The ``STACK_TRACE`` log line is silenced: the
    command prints the same tree itself.
    """
    logger = logging.getLogger("wsgi_stack.trace")
    saved = app.config["STACK_TRACE"], app.config["STACK_BREAK"], logger.disabled
    app.config["STACK_TRACE"] = True
    app.config["STACK_BREAK"] = break_at
    logger.disabled = True
    try:
        with record() as traces:
            yield traces
    finally:
        app.config["STACK_TRACE"], app.config["STACK_BREAK"], logger.disabled = saved


def _run_one(app: App, method: str, path: str, options: dict[str, t.Any], body: bool, break_at: str | None = None) -> None:
    """Send the request; print the response and its trace. Exit status 1 when the app
    let an exception through (testing, debug, or ``PROPAGATE_EXCEPTIONS``)."""
    response: TestResponse | None = None
    with _tracing(app, break_at) as traces:
        try:
            response = app.test_client().open(path, method=method, **options)
        except Exception:
            click.echo(f"The request raised an exception:\n{traceback.format_exc()}", err=True)
    if response is not None:
        click.echo(f"HTTP {response.status}")
        for name, value in response.headers.items():
            click.echo(f"{name}: {value}")
        if body:
            click.echo()
            click.echo(response.get_data(as_text=True))
    if traces:
        click.echo()
        click.echo(traces[-1].render())
    if response is None:
        raise click.exceptions.Exit(1)


_method_argument = click.argument("method", callback=_http_method)
_path_argument = click.argument("path")
_body_option = click.option("--body", is_flag=True, help="Print the response body too.")


@click.command("trace", short_help="Run one request and show its layer trace.")
@_method_argument
@_path_argument
@_request_arguments
@_body_option
@pass_script_info
def trace_command(
    info: ScriptInfo, method: str, path: str, headers: tuple[tuple[str, str], ...], data: str | None, body: bool
) -> None:
    """Send one request to the app in-process and print the response status and headers,
    then the layer trace: every step the request took (context push, URL matching,
    hooks, session, view, templates, response, teardown), with what each one saw and
    how long it took.

    PATH may carry a query string, or be a full URL (for another host or scheme).
    """
    _run_one(info.load_app(), method, path, _request_options(headers, data), body)


@click.command("step", short_help="Run one request, stopping in the debugger at each layer.")
@_method_argument
@_path_argument
@_request_arguments
@_body_option
@click.option(
    "--break",
    "break_at",
    default="all",
    metavar="LAYERS",
    help=f"Comma-separated layers to stop at, of: {', '.join(LAYERS)} (default: all)."
    " The debugger is breakpoint()'s, so PYTHONBREAKPOINT chooses it.",
)
@pass_script_info
def step_command(
    info: ScriptInfo,
    method: str,
    path: str,
    headers: tuple[tuple[str, str], ...],
    data: str | None,
    body: bool,
    break_at: str,
) -> None:
    """Send one request and stop in the debugger each time it enters one of the named
    layers; then print the response and its trace, as 'trace' does."""
    try:
        layers = parse_layer_names(break_at)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--break'") from None
    app = info.load_app()
    click.echo(
        f"Stepping through {method} {path}, stopping at: {', '.join(layer for layer in LAYERS if layer in layers)}.\n"
        "At each stop: 'span' is what the layer is about to do, 'here' its local variables,"
        " 'trace' the spans so far; 'up 2' goes to the layer's own frame, 'c' continues.\n"
    )
    sys.stdout.flush()  # before the debugger takes over the terminal
    _run_one(app, method, path, _request_options(headers, data), body, break_at=",".join(sorted(layers)))


@click.command("environ", short_help="Show the WSGI environ of a request, explained.")
@_path_argument
@click.option("-X", "--method", default="GET", callback=_http_method, help="The HTTP method (default: GET).")
@_request_arguments
@pass_script_info
def environ_command(
    info: ScriptInfo, path: str, method: str, headers: tuple[tuple[str, str], ...], data: str | None
) -> None:
    """Print the WSGI environ (PEP 3333) the test client builds for a request, grouped
    into CGI variables, HTTP headers, wsgi.* keys and server extras, each with what it
    means. Nothing is sent to the app."""
    app = info.load_app()
    builder = EnvironBuilder(
        app, path, method=method, environ_base=dict(app.test_client().environ_base), **_request_options(headers, data)
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()

    groups = describe_environ(environ)
    click.echo(f"The WSGI environ of {method} {path}, as the test client builds it (PEP 3333).")
    for title, entries in (
        ("CGI variables", groups.cgi),
        ("HTTP headers", groups.headers),
        ("wsgi.* keys", groups.wsgi),
        ("Added by the server or middleware", groups.server),
    ):
        if not entries:
            continue
        click.echo(f"\n{title}")
        width = max(len(entry.key) for entry in entries)
        for entry in entries:
            click.echo(f"  {entry.key.ljust(width)}  {entry.value!r}")
            click.echo(f"  {''.ljust(width)}  {entry.meaning}")
