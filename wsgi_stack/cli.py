"""``python -m wsgi_stack``: look at an app from the command line.

Four commands, each runs in-process with the app's test client (no server, no sockets)::

    python -m wsgi_stack routes  MODULE:APP [--sort endpoint|methods|domain|rule|match]
    python -m wsgi_stack trace   MODULE:APP METHOD PATH [-H 'Name: value']... [-d DATA]
    python -m wsgi_stack environ MODULE:APP PATH [-X METHOD] [-H ...] [-d DATA]
    python -m wsgi_stack step    MODULE:APP METHOD PATH [--break routing,view]

``MODULE:APP`` names the app like ``flask --app`` does: ``server:app``, a factory call
``twitapp:create_app()`` (literal arguments allowed), a bare module that has an ``app``
(or ``application``, or a ``create_app``/``make_app`` factory), or a file ``path/to/app.py``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import logging
import sys
import traceback
import typing as t
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from .app import App
from .environ import describe_environ
from .testing import EnvironBuilder
from .trace import LAYERS, RequestTrace, parse_layer_names, record
from .wrappers import endpoint_blueprint

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.test import TestResponse


class CLIError(Exception):
    """A problem with what was asked on the command line: printed, exit status 2."""


# -- finding the app ------------------------------------------------------------------


def load_app(spec: str) -> App:
    """Import the app that ``spec`` names (see the module docstring for the forms)."""
    module_part, _, expression = spec.partition(":")
    module_name = _importable_module_name(module_part)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        # The module itself is missing (or a package on its way): the user's typo.
        # A module that fails to import something of its own shows its traceback.
        if error.name == module_name or module_name.startswith(f"{error.name}."):
            raise CLIError(f"Could not import {module_name!r}: {error}.") from None
        raise
    app = _find_app(module, expression.strip()) if expression.strip() else _guess_app(module)
    if not isinstance(app, App):
        raise CLIError(f"{spec!r} is {type(app).__name__}, not a wsgi_stack application.")
    return app


def _importable_module_name(module_part: str) -> str:
    """The module name to import; a file path puts its folder first on ``sys.path``.

    The current directory goes on ``sys.path`` too, as ``python -m`` and ``flask``
    both do, so ``server:app`` works from the project root.
    """
    if not module_part:
        raise CLIError("Name the app as MODULE:APP, for example 'server:app'.")
    if module_part.endswith(".py") or "/" in module_part:
        path = Path(module_part)
        if path.suffix == ".py":
            path = path.with_suffix("")
        folder, name = str(path.parent.resolve()), path.name
    else:
        folder, name = str(Path.cwd()), module_part
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return name


def _find_app(module: t.Any, expression: str) -> t.Any:
    """``app`` -> ``module.app``; ``create_app('x', debug=True)`` -> a call with those
    literal arguments. Anything else (attributes, expressions) is refused: this is a
    name, not code to run."""
    try:
        node = ast.parse(expression, mode="eval").body
    except SyntaxError:
        raise CLIError(f"{expression!r} is not a name or a factory call.") from None
    if isinstance(node, ast.Name):
        name, call = node.id, None
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name, call = node.func.id, node
    else:
        raise CLIError(f"{expression!r} is not a name or a factory call like 'create_app()'.")
    try:
        target = getattr(module, name)
    except AttributeError:
        raise CLIError(f"Module {module.__name__!r} has no attribute {name!r}.") from None
    if call is None:
        return target
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except ValueError:
        raise CLIError(f"The arguments of {expression!r} must be Python literals.") from None
    if len(kwargs) != len(call.keywords):
        raise CLIError(f"{expression!r}: '**' arguments are not supported.")
    return target(*args, **kwargs)


def _guess_app(module: t.Any) -> t.Any:
    for name in ("app", "application"):
        if isinstance(getattr(module, name, None), App):
            return getattr(module, name)
    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if callable(factory):
            return factory()
    raise CLIError(
        f"Module {module.__name__!r} has no 'app' or 'application', and no 'create_app'"
        " or 'make_app' factory. Name it: MODULE:NAME."
    )


# -- running one request --------------------------------------------------------------


def _header(value: str) -> tuple[str, str]:
    """``-H 'Name: value'`` -> ``("Name", "value")``; argparse reports a bad one."""
    name, colon, header_value = value.partition(":")
    if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {value!r}")
    return name.strip(), header_value.strip()


def _method(value: str) -> str:
    method = value.upper()
    if not method.isalpha() or not method.isascii():
        raise argparse.ArgumentTypeError(f"not an HTTP method: {value!r}")
    return method


def _request_options(args: argparse.Namespace) -> dict[str, t.Any]:
    """The test client's keyword arguments for ``-H`` and ``-d``, the way curl reads
    them: data without a Content-Type header is sent as a urlencoded form."""
    headers = list(args.header or ())
    options: dict[str, t.Any] = {"headers": headers}
    if args.data is not None:
        data: str | bytes = args.data
        if args.data.startswith("@"):  # curl's '@file' (and '@-' for stdin)
            source = args.data[1:]
            try:
                data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
            except OSError as error:
                raise CLIError(f"Could not read the data file: {error}.") from None
        options["data"] = data
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return options


@contextmanager
def _tracing(app: App, break_at: str | None = None) -> Iterator[list[RequestTrace]]:
    """Trace the requests of the block (and stop at ``break_at``), collecting the traces.

    ``STACK_TRACE`` makes the app trace every request; its log line is silenced here,
    since the command prints the same tree itself.
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


def _run_one(app: App, args: argparse.Namespace, out: t.TextIO, break_at: str | None = None) -> int:
    """Send the request, print the response and its trace; 1 when the app raised."""
    options = _request_options(args)
    response: TestResponse | None = None
    with _tracing(app, break_at) as traces:
        try:
            response = app.test_client().open(args.path, method=args.method, **options)
        except Exception:
            # The app let an exception through (testing, debug or PROPAGATE_EXCEPTIONS).
            print(f"The request raised an exception:\n{traceback.format_exc()}", file=sys.stderr)
    if response is not None:
        print(f"HTTP {response.status}", file=out)
        for name, value in response.headers.items():
            print(f"{name}: {value}", file=out)
        if args.body:
            print(file=out)
            print(response.get_data(as_text=True), file=out)
    if traces:
        print(file=out)
        print(traces[-1].render(), file=out)
    return 0 if response is not None else 1


# -- the commands ---------------------------------------------------------------------


def cmd_routes(args: argparse.Namespace, out: t.TextIO) -> int:
    """The URL map as a table, like ``flask routes``."""
    app = load_app(args.app)
    rules = list(app.url_map.iter_rules())
    if not rules:
        print("No routes were registered.", file=out)
        return 0
    hidden = set() if args.all_methods else {"HEAD", "OPTIONS"}
    host_matching = app.url_map.host_matching
    has_domain = any(rule.host if host_matching else rule.subdomain for rule in rules)

    headers = ["Endpoint", "Methods"] + (["Host" if host_matching else "Subdomain"] if has_domain else []) + ["Rule"]
    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if has_domain:
            row.append((rule.host if host_matching else rule.subdomain) or "")
        row.append(rule.rule)
        rows.append(row)
    if app.blueprints:  # which blueprint owns each rule ("-" for the app's own)
        headers.append("Blueprint")
        for row, rule in zip(rows, rules):
            row.append(endpoint_blueprint(rule.endpoint) or "-")

    columns = {"endpoint": 0, "methods": 1, "rule": 3 if has_domain else 2}
    if has_domain:
        columns["domain"] = 2
    if args.sort in columns:  # 'match' keeps the order the map matches in
        rows.sort(key=itemgetter(columns[args.sort]))
    elif args.sort == "domain":
        raise CLIError("--sort domain: no rule of this app has a host or subdomain.")

    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * width for width in widths], *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
    return 0


def cmd_trace(args: argparse.Namespace, out: t.TextIO) -> int:
    """One request in-process: status, headers, and the layer trace."""
    return _run_one(load_app(args.app), args, out)


def cmd_step(args: argparse.Namespace, out: t.TextIO) -> int:
    """One request in-process, stopping in the debugger at the named layers."""
    try:
        layers = parse_layer_names(args.break_at)
    except ValueError as error:
        raise CLIError(str(error)) from None
    app = load_app(args.app)
    names = ", ".join(layer for layer in LAYERS if layer in layers)
    print(
        f"Stepping through {args.method} {args.path}, stopping at: {names}.\n"
        "At each stop: 'span' is what the layer is about to do, 'here' its local variables,"
        " 'trace' the spans so far; 'up 2' goes to the layer's own frame, 'c' continues.\n",
        file=out,
    )
    out.flush()
    return _run_one(app, args, out, break_at=",".join(sorted(layers)))


def cmd_environ(args: argparse.Namespace, out: t.TextIO) -> int:
    """The WSGI environ the test client builds for a request, grouped and explained."""
    app = load_app(args.app)
    client = app.test_client()
    builder = EnvironBuilder(
        app, args.path, method=args.method, environ_base=dict(client.environ_base), **_request_options(args)
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    groups = describe_environ(environ)
    print(f"The WSGI environ of {args.method} {args.path}, as the test client builds it (PEP 3333).", file=out)
    for title, entries in (
        ("CGI variables", groups.cgi),
        ("HTTP headers", groups.headers),
        ("wsgi.* keys", groups.wsgi),
        ("Added by the server or middleware", groups.server),
    ):
        if not entries:
            continue
        print(f"\n{title}", file=out)
        width = max(len(entry.key) for entry in entries)
        for entry in entries:
            print(f"  {entry.key.ljust(width)}  {entry.value!r}", file=out)
            print(f"  {''.ljust(width)}  {entry.meaning}", file=out)
    return 0


# -- argument parsing -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m wsgi_stack`` parser, one sub-command per tool."""
    parser = argparse.ArgumentParser(
        prog="python -m wsgi_stack",
        description="See inside a wsgi_stack app: its URL map, one request's layer trace,"
        " the environ a request arrives with, or a request stepped through in the debugger.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    app_help = "the app: MODULE:NAME, MODULE:factory(), MODULE, or path/to/file.py[:NAME]"

    routes = commands.add_parser("routes", help="print the URL map", description=cmd_routes.__doc__)
    routes.add_argument("app", help=app_help)
    routes.add_argument(
        "--sort", "-s", default="endpoint", choices=["endpoint", "methods", "domain", "rule", "match"],
        help="the column to sort by; 'match' keeps the order rules are matched in (default: endpoint)",
    )
    routes.add_argument("--all-methods", action="store_true", help="show HEAD and OPTIONS too")
    routes.set_defaults(handler=cmd_routes)

    def add_request_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "-H", "--header", action="append", type=_header, metavar="'NAME: VALUE'",
            help="a request header (repeat for more)",
        )
        sub.add_argument(
            "-d", "--data", metavar="DATA",
            help="the request body, sent as a urlencoded form unless a Content-Type header"
            " says otherwise; @FILE reads it from a file, @- from stdin",
        )

    for name, handler, summary in (
        ("trace", cmd_trace, "run one request and print the response and its layer trace"),
        ("step", cmd_step, "run one request, stopping in the debugger at layer boundaries"),
    ):
        sub = commands.add_parser(name, help=summary, description=handler.__doc__)
        sub.add_argument("app", help=app_help)
        sub.add_argument("method", type=_method, help="the HTTP method: GET, POST, ...")
        sub.add_argument("path", help="the path (with a query string if any), or a full URL")
        add_request_options(sub)
        sub.add_argument("--body", action="store_true", help="print the response body too")
        sub.set_defaults(handler=handler)
    commands.choices["step"].add_argument(
        "--break", dest="break_at", default="all", metavar="LAYERS",
        help=f"comma-separated layers to stop at, of: {', '.join(LAYERS)} (default: all);"
        " the debugger is breakpoint()'s, so PYTHONBREAKPOINT chooses it",
    )

    environ = commands.add_parser(
        "environ", help="print the WSGI environ of a request", description=cmd_environ.__doc__
    )
    environ.add_argument("app", help=app_help)
    environ.add_argument("path", help="the path (with a query string if any), or a full URL")
    environ.add_argument("-X", "--method", type=_method, default="GET", help="the HTTP method (default: GET)")
    add_request_options(environ)
    environ.set_defaults(handler=cmd_environ)
    return parser


def main(argv: Sequence[str] | None = None, out: t.TextIO | None = None) -> int:
    """Run one command; the exit status: 0 done, 1 the app raised, 2 a usage error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args, out or sys.stdout))
    except CLIError as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2
