"""Errors that explain a common mistake, used in debug mode only."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequestKeyError

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import BaseLoader

    from .app import App
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where a byte string was expected and text came, in debug mode."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as multipart."""

    def __init__(self, request: Request, key: str) -> None:
        form_matches = request.form.getlist(key)
        message = [
            f"request.files has no {key!r}: the request body is {request.mimetype!r}, not"
            " 'multipart/form-data', so no file contents were transmitted. Give the HTML"
            ' form enctype="multipart/form-data".'
        ]
        if form_matches:
            names = ", ".join(repr(name) for name in form_matches)
            message.append(
                f"\n\nOnly the file name(s) arrived, as form data. This was submitted: {names}"
            )
        self.msg = "".join(message)

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A redirect on a POST to a URL without its trailing slash would lose the form data."""

    def __init__(self, request: Request) -> None:
        exc = request.routing_exception
        new_url = getattr(exc, "new_url", "")
        message = [f"Routing redirected {request.url!r} to its canonical URL {new_url!r}."]
        if f"{request.base_url}/" == new_url.partition("?")[0]:
            message.append(
                " The rule ends with a slash and the request did not: the URL map redirects"
                " such requests to the slashed URL."
            )
        message.append(
            " A browser following this redirect drops the form data; send the request to"
            " the canonical URL, or answer routing redirects with 307/308.\n\n"
            "(This check runs in debug mode only.)"
        )
        super().__init__("".join(message))


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` explain a missing ``enctype`` in debug mode."""
    original_class = request.files.__class__

    class FilesWithEnctypeHint(original_class):  # type: ignore[misc,valid-type]
        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as error:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(
                    error.__traceback__
                ) from None

    FilesWithEnctypeHint.__name__ = original_class.__name__
    request.files.__class__ = FilesWithEnctypeHint


def explain_template_loading_attempts(
    app: App, template: str, attempts: list[tuple[BaseLoader, t.Any, t.Any]]
) -> None:
    """Log, at INFO on the app's logger, which loaders were asked for ``template`` and
    what each answered (``EXPLAIN_TEMPLATE_LOADING``): the usual answer to "why is
    this template not found, or not the one I meant?"."""
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, owner, source) in enumerate(attempts, 1):
        if owner is app:
            owner_text = f"application {app.import_name!r}"
        else:
            owner_text = f"blueprint {owner.name!r} ({owner.import_name})"
        lines.append(f"{number:5}: trying loader of {owner_text}")
        lines.append(f"       class: {type(loader).__module__}.{type(loader).__name__}")
        for attribute in ("searchpath", "package_name", "package_path", "encoding"):
            value = getattr(loader, attribute, None)
            if value is not None:
                lines.append(f"       {attribute}: {value!r}")
        if source is None:
            lines.append("       -> no match")
        else:
            found += 1
            lines.append(f"       -> found ({source[1] or '<string>'!r})")

    suspicious = found != 1
    if found == 0:
        lines.append("Error: the template could not be found.")
    elif found > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    request_ctx = _cv_request.get(None)
    blueprint = request_ctx.request.blueprint if request_ctx is not None else None
    if suspicious and blueprint is not None:
        lines.append(
            "  The template was looked up from an endpoint that belongs to the blueprint"
            f" {blueprint!r}; is the template in that blueprint's template folder?"
        )
        lines.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    app.logger.info("\n".join(lines))


__all__ = [
    "BadRequestKeyError",
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "explain_template_loading_attempts",
]
