"""Errors that explain a common mistake, used in debug mode only."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequestKeyError

if t.TYPE_CHECKING:  # pragma: no cover
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


__all__ = ["BadRequestKeyError", "DebugFilesKeyError", "FormDataRoutingRedirect"]
