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

import re
import typing as t
from functools import lru_cache

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse

from . import json
from .globals import _cv_app

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import Rule


_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")


def _percent_encode(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match.group()[0]


class _LimitFromConfig:
    """A request limit read from the current app's config, unless set on the request.

    Werkzeug reads these limits as plain attributes while parsing; as descriptors they
    follow the app's config at the moment the body is parsed (a test can change it
    between requests), and one request can still be given its own limit.
    """

    def __init__(self, config_key: str, doc: str) -> None:
        self.config_key = config_key
        self.__doc__ = f"{doc} From ``{config_key}``."

    def __set_name__(self, owner: type, name: str) -> None:
        self.fallback = getattr(_WerkzeugRequest, name)  # Werkzeug's own default
        self.override_name = f"_{name}"

    def __get__(self, request: Request | None, owner: type | None = None) -> t.Any:
        if request is None:
            return self
        override = request.__dict__.get(self.override_name)
        if override is not None:
            return override
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return self.fallback
        return app_ctx.app.config[self.config_key]

    def __set__(self, request: Request, value: int | None) -> None:
        request.__dict__[self.override_name] = value


class Request(_WerkzeugRequest):
    """The request object a view sees as ``request``."""

    json_module: t.Any = json

    # Bytes past ASCII are not valid in a URL (a browser percent-encodes them), and a
    # raw one crashes Werkzeug's strict decode of the query string in ``args`` and
    # ``full_path`` (``values`` reads ``args``). Those two encode such bytes as a
    # browser would first: an undecodable escape then stays as it is in the parsed
    # values, as Werkzeug does for any other. Done here, not in ``__init__``, so only
    # a request that reads its query string pays for the check.

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        self._percent_encode_query_string()
        return super().args

    @cached_property
    def full_path(self) -> str:  # type: ignore[override]
        self._percent_encode_query_string()
        return super().full_path

    def _percent_encode_query_string(self) -> None:
        if not self.query_string.isascii():
            self.query_string = _NON_ASCII_BYTE.sub(_percent_encode, self.query_string)

    #: The rule that matched, or ``None`` when matching failed or has not run yet.
    url_rule: Rule | None = None
    #: The values the rule's converters produced; ``None`` when matching failed.
    view_args: dict[str, t.Any] | None = None
    #: The routing error (404, 405, a redirect) saved to be raised at dispatch.
    routing_exception: HTTPException | None = None

    max_content_length = _LimitFromConfig(
        "MAX_CONTENT_LENGTH", "The largest body accepted; a larger one gives 413."
    )
    max_form_memory_size = _LimitFromConfig(
        "MAX_FORM_MEMORY_SIZE", "The largest non-file form field; larger gives 413."
    )
    max_form_parts = _LimitFromConfig(
        "MAX_FORM_PARTS", "The most parts a multipart body may have; more gives 413."
    )

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint that owns the matched endpoint
        (``"admin.users"`` for ``"admin.users.edit"``), or ``None`` for an app view."""
        return endpoint_blueprint(self.endpoint)

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and the blueprints it is nested in, innermost first
        (``["admin.users", "admin"]``); empty for an app view."""
        name = self.blueprint
        if name is None:
            return []
        return split_blueprint_path(name)

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


class _BufferedBody(list):  # type: ignore[type-arg]
    """The body of a buffered response as the WSGI server gets it: the list of its bytes,
    whose ``close()`` closes the response (its ``call_on_close`` functions run)."""

    __slots__ = ("close",)
    close: t.Callable[[], None]


class Response(_WerkzeugResponse):
    """The response object; ``text/html`` unless told otherwise, as in Flask."""

    def get_app_iter(self, environ: dict[str, t.Any]) -> t.Iterable[bytes]:
        """Werkzeug's ``get_app_iter``, except for a body that is one chunk of bytes (what
        ``set_data`` stores, so any text or bytes a view returns): Werkzeug hands the
        server a ``ClosingIterator`` around a generator that would encode it (a dozen
        Python calls); the chunk goes as a list with the same ``close``. A class that encodes its own way (``iter_encoded``) and
        bodies Werkzeug sends empty (HEAD, 1xx, 204, 304) or passes through go to Werkzeug.
        """
        body = self.response
        if (
            type(body) is list
            and len(body) == 1
            and type(body[0]) is bytes
            and not self.direct_passthrough
            and environ["REQUEST_METHOD"] != "HEAD"
            and type(self).iter_encoded is _WerkzeugResponse.iter_encoded
        ):
            status = self.status_code
            if not (100 <= status < 200 or status in (204, 304)):
                buffered = _BufferedBody(body)
                buffered.close = self.close
                return buffered
        return super().get_app_iter(environ)

    def get_wsgi_response(
        self, environ: dict[str, t.Any]
    ) -> tuple[t.Iterable[bytes], str, list[tuple[str, str]]]:
        """Werkzeug's ``get_wsgi_response``, without copying the headers when there is
        nothing to fix in them: no ``Location`` or ``Content-Location`` to make a URI, a
        ``Content-Length`` already set (``set_data`` sets it), and a status whose
        headers Werkzeug keeps as they are (not 1xx, 204 or 304). Werkzeug's
        ``get_wsgi_headers`` would return an equal copy (a ``Headers`` built pair by
        pair, validating each); the list the server gets is the same. Anything else,
        or a class with its own ``get_wsgi_headers``, goes to Werkzeug.
        """
        status = self.status_code
        if (
            type(self).get_wsgi_headers is _WerkzeugResponse.get_wsgi_headers
            and 200 <= status
            and status not in (204, 304)
        ):
            headers = list(self.headers)
            has_length = False
            for key, _ in headers:
                lowered = key.lower()
                if lowered == "content-length":
                    has_length = True
                elif lowered == "location" or lowered == "content-location":
                    break
            else:
                if has_length:
                    return self.get_app_iter(environ), self.status, headers
        return super().get_wsgi_response(environ)

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


def endpoint_blueprint(endpoint: str | None) -> str | None:
    """The dotted name of the blueprint an endpoint belongs to (``"admin.users"`` for
    ``"admin.users.edit"``), or ``None`` for an endpoint of the app itself."""
    if endpoint is not None and "." in endpoint:
        return endpoint.rpartition(".")[0]
    return None


@lru_cache(maxsize=None)
def split_blueprint_path(name: str) -> list[str]:
    """A dotted blueprint name and its parents, innermost first:
    ``"a.b.c"`` -> ``["a.b.c", "a.b", "a"]``. Cached: the names are few and fixed."""
    parts = [name]
    while "." in name:
        name = name.rpartition(".")[0]
        parts.append(name)
    return parts
