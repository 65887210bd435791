"""Request and Response: Werkzeug's wrappers, plus what routing and the app add.

Werkzeug's :class:`~werkzeug.wrappers.Request` already parses everything (``args``,
``form``, ``files``, ``cookies``, ``json``, ``accept_*``, the URL parts); this layer adds
three things the layers above need:

* routing results stored on the request (``url_rule``, ``view_args``,
  ``routing_exception``, ``endpoint``), filled in by the request context;
* limits read from the current app's config (``MAX_CONTENT_LENGTH`` -> 413,
  ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``), unless set on the request itself;
* JSON through the app's JSON provider, and a bare 400 for malformed JSON outside debug
  mode (the parser's message can leak details).
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse

from . import json
from .globals import _cv_app

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import Rule


class Request(_WerkzeugRequest):
    """The request object a view sees as ``request``."""

    json_module: t.Any = json

    #: The rule that matched, or ``None`` when matching failed or has not run yet.
    url_rule: Rule | None = None
    #: The values the rule's converters produced; ``None`` when matching failed.
    view_args: dict[str, t.Any] | None = None
    #: The routing error (404, 405, a redirect) saved to be raised at dispatch.
    routing_exception: HTTPException | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The largest body accepted, from ``MAX_CONTENT_LENGTH``; larger gives 413."""
        if self._max_content_length is not None:
            return self._max_content_length
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().max_content_length
        return app_ctx.app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:  # type: ignore[override]
        """The largest non-file form field, from ``MAX_FORM_MEMORY_SIZE``."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().max_form_memory_size
        return app_ctx.app.config["MAX_FORM_MEMORY_SIZE"]  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:  # type: ignore[override]
        """The most multipart parts parsed, from ``MAX_FORM_PARTS``."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().max_form_parts
        return app_ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """Always ``None``: this framework has no blueprints (kept for Flask code)."""
        return None

    @property
    def blueprints(self) -> list[str]:
        """Always empty: this framework has no blueprints (kept for Flask code)."""
        return []

    def _load_form_data(self) -> None:
        super()._load_form_data()
        # In debug mode, a missing file key on a form that was not sent as multipart
        # gets an error that says so, the most common reason for it.
        app_ctx = _cv_app.get(None)
        if (
            app_ctx is not None
            and app_ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as error:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None and app_ctx.app.debug:
                raise
            raise BadRequest() from error


class Response(_WerkzeugResponse):
    """The response object; ``text/html`` unless told otherwise, as in Flask."""

    default_mimetype: str | None = "text/html"
    json_module = json
    # Keep Location as the view gave it: relative redirects are valid HTTP since RFC 7231.
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The cookie size that triggers a warning, from ``MAX_COOKIE_SIZE``."""
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            return app_ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size
