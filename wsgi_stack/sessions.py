"""Sessions: a dict that survives between requests inside a signed cookie.

There is no server-side store. At the end of a request the session dict is serialized
(tagged JSON, see :mod:`wsgi_stack.json.tag`), maybe compressed, stamped with the time,
signed with an HMAC of a key derived from ``SECRET_KEY``, and sent as a cookie. At the
start of the next request the cookie is checked and decoded. The client can read the
data (it is only base64) but cannot change it without breaking the signature.

The cookie format is the one Flask writes by default (itsdangerous'
``URLSafeTimedSerializer``, rebuilt here on the standard library), so Flask and this
framework read each other's session cookies when they share a secret key::

    cookie    = payload "." timestamp "." signature
    payload   = base64url(json)  or  "." base64url(zlib(json))   (whichever is shorter)
    timestamp = base64url(big-endian seconds since the epoch)
    signature = base64url(HMAC-SHA1(key, payload "." timestamp))
    key       = HMAC-SHA1(SECRET_KEY, "cookie-session")             (derived once per key)

base64url drops the ``=`` padding. Anything wrong with a cookie (bad signature, bad
base64, too old, from the future, not JSON, too large) gives an empty session, never an
error page.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import time
import typing as t
import zlib
from collections.abc import MutableMapping
from datetime import datetime, timezone
from functools import lru_cache

from werkzeug.datastructures import CallbackDict
from werkzeug.http import dump_cookie
from werkzeug.sansio.http import parse_cookie
from werkzeug.sansio.request import Request as _SansIORequest
from werkzeug.sansio.response import Response as _SansIOResponse

from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .wrappers import Request, Response


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session object has on top of being a dict."""

    @property
    def permanent(self) -> bool:
        """A permanent session's cookie outlives the browser, for
        ``PERMANENT_SESSION_LIFETIME``; stored in the session as ``_permanent``."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created (the interface decides; unused here).
    new = False
    #: Whether the session changed, so the cookie must be written. Mutating a
    #: nested value does not notice: set ``session.modified = True`` yourself then.
    modified = True
    #: Whether the session was looked at this request, so the response must carry
    #: ``Vary: Cookie``. The request context sets it on every access through
    #: ``session`` (even ``"key" in session``), which a dict cannot notice itself.
    accessed = False


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session kept in a signed cookie; a change to the dict sets ``modified``."""

    modified = False

    def __init__(self, initial: t.Mapping[str, t.Any] | None = None) -> None:
        def on_update(self: CallbackDict[str, t.Any]) -> None:
            self.modified = True  # type: ignore[attr-defined]

        super().__init__(initial, on_update)


class NullSession(SecureCookieSession):
    """The session when there is none (no ``SECRET_KEY``): readable as an empty dict,
    and every attempt to change it raises an error that says what to set."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set SECRET_KEY"
            " in the app's config (or app.secret_key) to a long random value."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail  # type: ignore[assignment]
    del _fail


class BadSignature(Exception):
    """The cookie was not signed with any of our keys, or is malformed."""


class SignatureExpired(BadSignature):
    """The signature is valid but older than the session lifetime (or from the future)."""


# base64url is base64 with "-_" for "+/": what base64.urlsafe_b64encode/-decode do for
# bytes, without their three Python layers of argument checks per call.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64encode(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _b64decode(data: bytes) -> bytes:
    # Not strict, as itsdangerous: characters outside the alphabet are skipped.
    try:
        return binascii.a2b_base64((data + b"=" * (-len(data) % 4)).translate(_FROM_URLSAFE))
    except (binascii.Error, ValueError) as error:
        raise BadSignature("invalid base64") from error


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _compress(data: bytes) -> bytes:
    # zlib's defaults, as itsdangerous uses them, so a compressed cookie has the same
    # bytes as Flask's. (A smaller window was once thought cheaper; measured in steady
    # state it is not, and its header made the cookie differ from Flask's.)
    return zlib.compress(data)


@lru_cache(maxsize=64)
def _derive_key(secret_key: bytes, salt: bytes, digest: str) -> bytes:
    # One HMAC per secret key for the life of the process, not one per request.
    return hmac.new(secret_key, salt, digest).digest()


class SignedSerializer:
    """Serialize a value into a signed, timestamped, URL-safe string and back.

    ``secret_keys`` is oldest first: the last one signs, all of them verify (newest
    first), which is how ``SECRET_KEY_FALLBACKS`` lets keys rotate without logging
    everyone out.
    """

    #: The largest decompressed payload accepted: a 4 KB cookie never legitimately
    #: inflates to this, and the cap keeps a forged zlib bomb cheap to refuse.
    max_payload_size = 1 << 20

    def __init__(
        self,
        secret_keys: list[str | bytes],
        salt: str | bytes,
        serializer: t.Any,
        digest: str = "sha1",
    ) -> None:
        salt_bytes = _to_bytes(salt)
        self.serializer = serializer
        self.digest = digest
        # Derived keys, newest first: the order verification tries them in.
        self._keys = [
            _derive_key(_to_bytes(key), salt_bytes, digest) for key in reversed(secret_keys)
        ]
        # One HMAC per key, already keyed, copied for each message: a copy skips the key
        # setup and digest lookup that a one-shot hmac.digest repeats (about 0.7x its time).
        self._macs = [hmac.new(key, digestmod=digest) for key in self._keys]
        # A serializer that writes text reads text: the payload is decoded as UTF-8 first,
        # as itsdangerous does (and json.loads then need not guess the encoding of bytes).
        self._reads_text = isinstance(serializer.dumps({}), str)

    @staticmethod
    def _mac(keyed: hmac.HMAC, value: bytes) -> bytes:
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()

    def dumps(self, obj: t.Any) -> str:
        """The signed cookie value for ``obj``."""
        payload = _to_bytes(self.serializer.dumps(obj))
        compressed = _compress(payload)
        if len(compressed) < len(payload) - 1:
            encoded = b"." + _b64encode(compressed)
        else:
            encoded = _b64encode(payload)
        timestamp = int(time.time())
        value = encoded + b"." + _b64encode(timestamp.to_bytes(8, "big").lstrip(b"\0"))
        return (value + b"." + _b64encode(self._mac(self._macs[0], value))).decode("ascii")

    def loads(self, signed: str | bytes, max_age: int | None = None) -> t.Any:
        """The value inside a signed cookie; :class:`BadSignature` if it is not ours,
        :class:`SignatureExpired` if older than ``max_age`` seconds."""
        signed = _to_bytes(signed)
        value, dot, signature = signed.rpartition(b".")
        if not dot:
            raise BadSignature("no signature")
        # Compare the digests, not their base64 text, exactly as Flask (itsdangerous)
        # does: its base64 decoder skips characters outside the alphabet, so a signature
        # with stray characters around it is still the same signature. Deciding this the
        # same way is what keeps the two frameworks reading the same cookies the same way.
        digest = _b64decode(signature)
        for keyed in self._macs:
            if hmac.compare_digest(self._mac(keyed, value), digest):
                break
        else:
            raise BadSignature("signature does not match")

        encoded, dot, timestamp_part = value.rpartition(b".")
        if not dot:
            raise BadSignature("no timestamp")
        timestamp = int.from_bytes(_b64decode(timestamp_part), "big")
        if max_age is not None:
            age = int(time.time()) - timestamp
            if age > max_age:
                raise SignatureExpired(f"signature age {age} > {max_age} seconds")
            if age < 0:
                raise SignatureExpired(f"signature age {age} < 0 seconds")

        compressed = encoded.startswith(b".")
        payload = _b64decode(encoded[1:] if compressed else encoded)
        if compressed:
            inflater = zlib.decompressobj()
            try:
                payload = inflater.decompress(payload, self.max_payload_size)
            except zlib.error as error:
                raise BadSignature("invalid compressed payload") from error
            if inflater.unconsumed_tail:
                raise BadSignature("payload too large")
        try:
            return self.serializer.loads(payload.decode() if self._reads_text else payload)
        except Exception as error:  # not UTF-8, bad JSON, bad tag contents
            raise BadSignature("invalid payload") from error


@lru_cache(maxsize=32)
def _signing_serializer(
    keys: tuple[str | bytes, ...],
    salt: str | bytes,
    serializer: t.Any,
    digest_method: t.Callable[[], t.Any],
) -> SignedSerializer:
    # Built once per set of keys; the serializer holds no per-request state.
    return SignedSerializer(list(keys), salt, serializer, digest_method().name)


#: The serializer of every session cookie: tagged JSON.
session_json_serializer = TaggedJSONSerializer()


# -- the cookie on the request and on the response ----------------------------------------
#
# What Werkzeug's request and response do for any cookie, done for the one cookie the session
# needs in fewer steps, with Werkzeug's own parser and writer. A request or response class
# that changes ``cookies``, ``set_cookie`` or ``vary`` is used as it is.

_werkzeug_cookies = _SansIORequest.__dict__["cookies"]
_werkzeug_set_cookie = _SansIOResponse.set_cookie
_werkzeug_vary = _SansIOResponse.__dict__["vary"]


def request_cookie(request: Request, name: str) -> str | None:
    """``request.cookies.get(name)``.

    ``request.cookies`` finds the Cookie header by walking every key of the environ (it
    builds the request's header view first) and parses every cookie into a MultiDict kept
    on the request; the header is one environ key, and the session wants one cookie.
    """
    if "cookies" in request.__dict__ or type(request).cookies is not _werkzeug_cookies:
        return request.cookies.get(name)
    return parse_cookie(request.environ.get("HTTP_COOKIE"), cls=_first_wins).get(name)  # type: ignore[arg-type]


def _first_wins(pairs: t.Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    # A dict of the cookies in which a repeated name keeps its first value, the one
    # MultiDict.get gives; a MultiDict costs more to build than the parse itself.
    return dict(reversed(pairs))


def _vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``: without a ``Vary`` header yet, the usual case, that
    is setting one, with no header set parsed and written back."""
    if type(response).vary is not _werkzeug_vary:
        response.vary.add("Cookie")
        return
    vary = response.headers.getlist("Vary")
    if not vary:
        response.headers.add("Vary", "Cookie")
    elif any(vary):
        response.vary.add("Cookie")
    else:  # only empty Vary headers: the first becomes "Cookie", as vary.add does
        response.headers["Vary"] = "Cookie"


@lru_cache(maxsize=32)
def _cookie_around_value(
    name: str, domain: str | None, path: str | None, secure: bool, httponly: bool,
    samesite: str | None, partitioned: bool,
) -> tuple[str, str]:
    """The ``Set-Cookie`` header Werkzeug writes for a cookie with these attributes and no
    expiry, cut where the value goes: the same for every request of an app."""
    header = dump_cookie(
        name, "", domain=domain, path=path, secure=secure, httponly=httponly,
        samesite=samesite, partitioned=partitioned, max_size=0,
    )
    before, _, after = header.partition("=")
    return f"{before}=", after


def _set_session_cookie(
    response: Response, name: str, value: str, expires: datetime | None, options: dict[str, t.Any]
) -> None:
    """``response.set_cookie(name, value, expires=expires, **options)`` for a session cookie.

    The value is base64 and dots, which Werkzeug never quotes; without an expiry the rest of
    the header is the same each time, so it is made by Werkzeug once (``_cookie_around_value``)
    and reused. A cookie past ``max_cookie_size`` goes through ``set_cookie``, which warns.
    """
    if expires is None and "=" not in name and type(response).set_cookie is _werkzeug_set_cookie:
        before, after = _cookie_around_value(name, **options)
        header = f"{before}{value}{after}"
        limit = response.max_cookie_size
        if not limit or len(header) <= limit:
            response.headers.add("Set-Cookie", header)
            return
    response.set_cookie(name, value, expires=expires, **options)


class SessionInterface:
    """How an app opens and saves sessions; replace ``app.session_interface`` to keep
    sessions elsewhere (a database, Redis...). The cookie settings are read here."""

    null_session_class = NullSession
    #: Whether :meth:`open_session` may wait until the session is first used. Only for
    #: interfaces whose opening has no side effects; the request context then also skips
    #: :meth:`save_session` for a request that neither used the session nor sent its cookie.
    open_lazily = False
    #: Sessions that pickle their data set this, so the app can warn; unused here.
    pickle_based = False

    def make_null_session(self, app: App) -> NullSession:
        """The session to use when :meth:`open_session` returns ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is the null session (then nothing is saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: App) -> str:
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: App) -> str | None:
        return app.config["SESSION_COOKIE_DOMAIN"]  # type: ignore[no-any-return]

    def get_cookie_path(self, app: App) -> str:
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: App) -> bool:
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: App) -> bool:
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: App) -> str | None:
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: App) -> bool:
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now plus the lifetime for a permanent session,
        ``None`` (end of the browser session) otherwise."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        """Write the cookie when the session changed, or, for a permanent session with
        ``SESSION_REFRESH_EACH_REQUEST``, every time (to push the expiry forward)."""
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        """The session for this request; ``None`` means "use the null session"."""
        raise NotImplementedError()

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Store the session (set the cookie) on the response."""
        raise NotImplementedError()


class SecureCookieSessionInterface(SessionInterface):
    """The default: the whole session in a signed cookie, Flask's format."""

    #: Mixed into the key derivation so this key signs nothing but sessions.
    salt = "cookie-session"
    digest_method = staticmethod(hashlib.sha1)
    serializer = session_json_serializer
    session_class = SecureCookieSession
    open_lazily = True

    def get_signing_serializer(self, app: App) -> SignedSerializer | None:
        """The serializer for the app's keys, or ``None`` without a ``SECRET_KEY``."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        # The newest key goes last: it signs.
        keys = (*fallbacks, secret_key) if fallbacks else (secret_key,)
        return _signing_serializer(keys, self.salt, self.serializer, self.digest_method)

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        cookie = request_cookie(request, self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = signer.loads(cookie, max_age=max_age)
        except BadSignature:
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        name = self.get_cookie_name(app)
        # The same attributes for setting and deleting: a browser deletes a cookie only
        # when domain and path match the ones it was set with.
        cookie_options: dict[str, t.Any] = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }

        # The page depends on the cookie whenever the session was looked at or the
        # cookie changes: caches must not serve one user's page to another. Added
        # once, and first when the session was accessed, so it is there even if
        # writing fails (Flask's header order).
        if session.accessed:
            _vary_on_cookie(response)
        cookie_changed = False

        if not session:
            if session.modified:  # emptied this request: remove the cookie
                response.delete_cookie(name, **cookie_options)
                cookie_changed = True
        elif self.should_set_cookie(app, session):
            signer = self.get_signing_serializer(app)
            assert signer is not None  # a real (non-null) session implies a secret key
            expires = self.get_expiration_time(app, session)
            _set_session_cookie(response, name, signer.dumps(dict(session)), expires, cookie_options)
            cookie_changed = True

        if cookie_changed and not session.accessed:
            _vary_on_cookie(response)
