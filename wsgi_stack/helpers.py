"""The helpers views call: url_for, redirect, abort, make_response, flash, files.

Each is a thin function over the current app (through the context), so a view can
say ``redirect(url_for("index"))`` without holding the app. The app's own methods do the
work; these exist so the same names import the same way as in Flask.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from datetime import datetime
from functools import update_wrapper

import werkzeug.utils
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect
from werkzeug.wrappers import Response as BaseResponse

from .globals import _cv_app, _cv_request, current_app, request, request_ctx, session
from .signals import message_flashed
from .signals import send as send_signal

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Response


def get_debug_flag() -> bool:
    """Whether debug mode is asked for in the environment: ``STACK_DEBUG`` or, for
    Flask code, ``FLASK_DEBUG`` (any value but empty, ``0``, ``false``, ``no``)."""
    value = os.environ.get("STACK_DEBUG") or os.environ.get("FLASK_DEBUG")
    return bool(value and value.lower() not in {"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files (``FLASK_SKIP_DOTENV`` not set); kept for Flask code."""
    value = os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr]:
    """Keep the request context pushed while a streamed response body is generated.

    The view returns before the server iterates the body, and the request context is
    popped then; wrapped this way, the generator pushes it again around its own run.
    Works on a generator or as a decorator on a generator function.
    """
    try:
        generator = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            made = generator_or_function(*args, **kwargs)  # type: ignore[operator]
            return stream_with_context(made)

        return update_wrapper(decorator, generator_or_function)  # type: ignore[arg-type,return-value]

    def wrapped() -> t.Iterator[t.AnyStr | None]:
        # The first next() below runs up to the yield, inside the view: the contexts
        # are captured while they are still the current ones.
        req_ctx = _cv_request.get(None)
        if req_ctx is None:
            raise RuntimeError(
                "'stream_with_context' can only be used when a request context is"
                " active, such as in a view function."
            )
        app_ctx = _cv_app.get()
        yield None
        # By the time the server iterates the body, wsgi_app has popped both contexts
        # (running the teardown functions); push them again around the generator, so
        # its teardown runs a second time when the stream ends, as in Flask.
        with app_ctx, req_ctx:
            try:
                yield from generator
            finally:
                if hasattr(generator, "close"):
                    generator.close()

    stream = wrapped()
    next(stream)
    return stream  # type: ignore[return-value]


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value (or its parts) into a response object, to change its
    headers before returning it. No arguments give an empty response."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """The URL of an endpoint with the given values; values the rule has no place for
    go in the query string. See :meth:`App.url_for`."""
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(location: str, code: int = 302, Response: type[BaseResponse] | None = None) -> BaseResponse:
    """A redirect response to ``location`` (302 by default)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with the HTTP error ``code`` (raises an ``HTTPException``)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A macro (or other exported name) of a template, callable from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Keep a message for the next page the user sees; it lives in the session until
    :func:`get_flashed_messages` reads it."""
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    # Assigned back, not only mutated: the session notices assignments only.
    session["_flashes"] = flashes
    if message_flashed.receivers:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        send_signal(message_flashed, app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """The flashed messages, oldest first, taken out of the session (so shown once).

    Read several times in one request, they are the same list each time.
    """
    flashes = request_ctx.flashes
    if flashes is None:
        stored = session.pop("_flashes") if "_flashes" in session else []
        # Only (category, message) pairs: a cookie is signed, not trusted to be well formed.
        flashes = [
            tuple(item)
            for item in (stored if isinstance(stored, list) else ())
            if isinstance(item, (list, tuple)) and len(item) == 2
        ]
        request_ctx.flashes = flashes
    if category_filter:
        flashes = [flash for flash in flashes if flash[0] in category_filter]
    if not with_categories:
        return [flash[1] for flash in flashes]
    return flashes


def _prepare_send_file_kwargs(**kwargs: t.Any) -> dict[str, t.Any]:
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = current_app.get_send_file_max_age
    kwargs.update(
        environ=request.environ,
        use_x_sendfile=current_app.config["USE_X_SENDFILE"],
        response_class=current_app.response_class,
        _root_path=current_app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.BinaryIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: None | int | t.Callable[[str | None], int | None] = None,
) -> Response:
    """Send a file (Werkzeug's ``send_file`` with the app's settings)."""
    return werkzeug.utils.send_file(  # type: ignore[return-value]
        **_prepare_send_file_kwargs(
            path_or_file=path_or_file,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
        )
    )


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send ``path`` from inside ``directory``; a path that would leave the directory
    (``../``, an absolute path) is a 404. Werkzeug's ``safe_join`` does the check."""
    return werkzeug.utils.send_from_directory(  # type: ignore[return-value]
        directory, path, **_prepare_send_file_kwargs(**kwargs)
    )


def get_root_path(import_name: str) -> str:
    """The folder of a module or package, found without importing it when possible."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None) if module is not None else None
    if filename is not None:
        return os.path.dirname(os.path.abspath(filename))

    try:
        spec = importlib.util.find_spec(import_name)
        if spec is None:
            raise ValueError
    except (ImportError, ValueError):
        loader = None
    else:
        loader = spec.loader

    # No loader: the interactive interpreter, or a name that is not importable.
    if loader is None:
        return os.getcwd()

    if hasattr(loader, "get_filename"):
        filepath = loader.get_filename(import_name)
    else:  # a loader that cannot say: import the module after all
        __import__(import_name)
        module = sys.modules[import_name]
        filepath = getattr(module, "__file__", None)
        if filepath is None:
            raise RuntimeError(
                f"No root path can be found for {import_name!r}: it has no file (a"
                " namespace package?). Pass root_path to the app explicitly."
            )
    return os.path.dirname(os.path.abspath(filepath))
