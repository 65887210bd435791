"""Content-Encoding: gzip for text responses, an after-request step any app can switch on.

Switched on per app, off by default::

    from wsgi_stack.compression import Compress
    Compress(app)                 # or: compress = Compress(); compress.init_app(app)

Off costs nothing: nothing is registered, so the request path does not change. On, it is one
``after_request`` function that :meth:`Compress.init_app` puts first in the app's list, so it
runs *after* every other ``after_request`` function (they run last-registered first), sees the
final body, and only the session cookie is added after it. The settings are read once, from
the app's config, when it is switched on:

``COMPRESS_MIN_SIZE`` (500)
    bodies shorter than this many bytes are sent as they are (gzip's header and a round trip
    of CPU buy nothing there).
``COMPRESS_LEVEL`` (6)
    zlib's level, 1 (fast) to 9 (small); ``bench/compression.py`` measures the choice.
``COMPRESS_FILES_UP_TO`` (0)
    files (``send_file``, the static route) are streamed and left alone, unless this is set:
    then a text file of at most this many bytes (a stylesheet, a script) is read and gzipped
    too, and loses ``Accept-Ranges`` (ranges still work, on the plain file, as ``206``).

What gets compressed: a ``GET`` (or ``POST`` ...) answer whose body is in memory (a sequence,
not ``direct_passthrough``: files and generators stream, and buffering them would defeat that;
see ``COMPRESS_FILES_UP_TO`` for small files), of a text type (``text/*``, JSON, JavaScript,
XML, SVG), at least ``COMPRESS_MIN_SIZE`` bytes, without a ``Content-Encoding`` already, not
``Cache-Control: no-transform``, and not a ``HEAD``, a ``1xx``/``204``/``304`` or a range
(``206``, ``Content-Range``).

Such a response gets ``Vary: Accept-Encoding`` (whatever this client asked, the body depends
on the header), and gzip when the client's ``Accept-Encoding`` (parsed by Werkzeug) prefers
``gzip`` at least as much as ``identity``: an explicit entry wins over ``*``, ``identity``
is acceptable unless refused by ``identity;q=0`` (or ``*;q=0`` without an ``identity``
entry). When identity is refused the size and type limits are dropped for in-memory bodies,
since nothing else would be acceptable. Every other response is left byte for byte as the
app made it.

ETags: a strong ``ETag`` of the plain body would lie about the gzip bytes, so a compressed
response's ``ETag`` becomes weak (``W/"..."``), as nginx does; ``If-None-Match`` compares
weakly, so a cache revalidating with it still gets its ``304``. ``Content-Length`` is the
length of the gzip body.
"""

from __future__ import annotations

import gzip
import typing as t

from werkzeug.datastructures import Accept

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Request, Response

    from .app import App

__all__ = ["Compress", "compress_response", "COMPRESSIBLE_MIMETYPES"]

#: Types compressed besides every ``text/*``, ``*+json`` and ``*+xml``.
COMPRESSIBLE_MIMETYPES: frozenset[str] = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "application/xhtml+xml",
        "application/manifest+json",
        "application/wasm",
        "image/svg+xml",
        "image/x-icon",
    }
)

DEFAULT_MIN_SIZE = 500
DEFAULT_LEVEL = 6

# Statuses without a body (1xx, 204, 304) or with part of one (206).
_NO_CODING_STATUSES = frozenset({204, 206, 304})


def is_compressible_mimetype(mimetype: str | None) -> bool:
    """Whether a body of this type is text-like, so gzip shrinks it."""
    if not mimetype:
        return False
    return (
        mimetype.startswith("text/")
        or mimetype in COMPRESSIBLE_MIMETYPES
        or mimetype.endswith(("+json", "+xml"))
    )


def _quality(accept: Accept, coding: str, default: float) -> float:
    """The client's q-value for ``coding``: its own entry wins over ``*``; ``default`` if neither.

    Werkzeug's ``Accept.quality`` returns the first match in q order, so ``gzip;q=0, *`` would
    give gzip the ``*``'s 1; the RFC says the specific entry counts.
    """
    wildcard = None
    for value, quality in accept:
        value = value.lower()
        if value == coding or (coding == "gzip" and value == "x-gzip"):
            return quality
        if value == "*":
            wildcard = quality
    return default if wildcard is None else wildcard


def choose_coding(accept: Accept) -> tuple[bool, bool]:
    """``(use gzip, identity refused)`` for an ``Accept-Encoding`` parsed by Werkzeug."""
    gzip_q = _quality(accept, "gzip", 0.0)
    identity_q = _quality(accept, "identity", 1.0)
    return gzip_q > 0 and gzip_q >= identity_q, identity_q <= 0


def compress_response(
    response: Response,
    request: Request,
    *,
    min_size: int = DEFAULT_MIN_SIZE,
    level: int = DEFAULT_LEVEL,
    files_up_to: int = 0,
) -> Response:
    """Gzip ``response`` in place for ``request`` when both allow it (see the module's doc).

    ``files_up_to``: a file (``direct_passthrough``, as ``send_file`` makes) of a text type and
    at most this many bytes is read and compressed too; 0, files are never touched.
    """
    status = response.status_code
    if request.method == "HEAD" or status < 200 or status in _NO_CODING_STATUSES:
        return response
    is_file = response.direct_passthrough
    if (is_file and not files_up_to) or (not is_file and not response.is_sequence):
        return response  # streamed: buffering it would defeat the point
    # One pass over the headers (few): Werkzeug's lookups raise and catch a KeyError per miss.
    mimetype = ""
    length = -1
    for key, value in response.headers:
        key = key.lower()
        if key == "content-type":
            mimetype = value.partition(";")[0].strip().lower()
        elif key == "content-length":
            length = int(value) if value.isdigit() else -1
        elif key in ("content-encoding", "content-range"):
            return response  # already encoded, or a part of a body
        elif key == "cache-control" and "no-transform" in value.lower():
            return response
    if is_file and not 0 <= length <= files_up_to:
        return response  # a large file (or one of unknown size) streams as it is

    worth_it = is_compressible_mimetype(mimetype) and (
        length if is_file else _body_length(response, length)
    ) >= min_size
    if not worth_it:
        # Only a client that refuses identity changes that, and it has to say so in words.
        raw = request.environ.get("HTTP_ACCEPT_ENCODING", "")
        if "identity" not in raw and "*" not in raw:
            return response
    use_gzip, identity_refused = choose_coding(request.accept_encodings)
    if not worth_it and not identity_refused:
        return response

    response.vary.add("Accept-Encoding")
    if not use_gzip:
        return response
    data = _read_file(response) if is_file else response.get_data()
    # mtime=0: the same body always gives the same bytes (cacheable, testable).
    packed = gzip.compress(data, compresslevel=level, mtime=0)
    if len(packed) >= len(data) and not identity_refused:
        if is_file:
            response.set_data(data)  # the file is read now: send what was read
        return response  # incompressible after all (already-packed text, tiny): keep it plain
    response.set_data(packed)  # also sets Content-Length
    response.headers["Content-Encoding"] = "gzip"
    # Byte ranges would count in the plain file, not in this body: offer none.
    response.headers.pop("Accept-Ranges", None)
    etag, weak = response.get_etag()
    if etag is not None and not weak:
        response.set_etag(etag, weak=True)
    return response


def _read_file(response: Response) -> bytes:
    """A passed-through file's bytes, the file closed; the response then holds them in memory."""
    body = response.response
    try:
        data = b"".join(body)  # type: ignore[arg-type]
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    response.direct_passthrough = False
    return data


def _body_length(response: Response, content_length: int) -> int:
    """The body's length in bytes: its ``Content-Length`` (set by ``set_data``), or counted."""
    if content_length >= 0:
        return content_length
    return sum(len(chunk) for chunk in response.iter_encoded())


class Compress:
    """Switch gzip on for an app: ``Compress(app)`` or ``Compress().init_app(app)``."""

    def __init__(self, app: App | None = None) -> None:
        self.min_size = DEFAULT_MIN_SIZE
        self.level = DEFAULT_LEVEL
        self.files_up_to = 0
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Read the settings once and add the step to run after every other after-request function."""
        self.min_size = int(app.config.setdefault("COMPRESS_MIN_SIZE", DEFAULT_MIN_SIZE))
        self.level = int(app.config.setdefault("COMPRESS_LEVEL", DEFAULT_LEVEL))
        self.files_up_to = int(app.config.setdefault("COMPRESS_FILES_UP_TO", 0))
        if not 0 <= self.level <= 9:
            raise ValueError(f"COMPRESS_LEVEL must be 0 to 9, not {self.level}")
        app._check_setup_finished("init_app")  # like any setup method: not after the first request
        # after_request functions run last-registered first: first in the list runs last.
        app.after_request_funcs.setdefault(None, []).insert(0, self.after_request)
        app.extensions["compression"] = self

    def after_request(self, response: Response) -> Response:
        return compress_response(
            response,
            _cv_request.get().request,
            min_size=self.min_size,
            level=self.level,
            files_up_to=self.files_up_to,
        )
