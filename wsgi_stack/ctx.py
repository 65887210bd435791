"""Application and request contexts: what "the current app" and "the current request" are.

A context is pushed at the start of a request and popped at the end; while it is
pushed, the proxies in :mod:`wsgi_stack.globals` point at it.

* :class:`AppContext` carries the app, ``g`` (scratch space for one request or CLI job)
  and a URL adapter for building URLs without a request. Popping the outermost push runs
  the ``teardown_appcontext`` functions.
* :class:`RequestContext` carries the request, the session, the URL adapter bound to the
  request, and the request's flashed messages. Pushing it pushes an app context first
  when none for this app is active, opens the session (or leaves that to its first use,
  when the session interface allows) and matches the URL. Popping the
  outermost push runs the ``teardown_request`` functions, then pops the app context it
  pushed.

Both can be pushed more than once (``stream_with_context`` re-pushes a request context
while a streamed body is generated); only the last pop tears down.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import cached_property, update_wrapper
from types import TracebackType

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request as _WerkzeugRequest

from . import routing
from .globals import _cv_app, _cv_request
from .sessions import request_cookie
from .signals import appcontext_popped, appcontext_pushed
from .signals import send as send_signal

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .sessions import SessionMixin
    from .trace import RequestTrace
    from .wrappers import Request

# Tells pop() "no exception was given": None is a real value (the request succeeded).
_sentinel = object()

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class _AppCtxGlobals:
    """``g``: a plain namespace that lives as long as the application context.

    Store a database connection or the logged-in user here for the rest of the
    request; it is gone when the context is popped.
    """

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove ``name`` and return its value (or ``default``; without one, a missing
        name raises ``KeyError``)."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The attribute ``name``, set to ``default`` first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            # Flask's own spelling, which its suite checks; ``g`` is Flask's name in the API we mirror.
            return f"<flask.g of {app_ctx.app.name!r}>"
        return object.__repr__(self)


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after this request only, before the ``after_request``
    functions; it must return a response (the same one or a new one)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so that, called later (in a greenlet or thread), it runs inside a
    copy of the current request context."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is active (so ``request`` and ``session`` work)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active (so ``current_app`` and ``g`` work)."""
    return _cv_app.get(None) is not None


class AppContext:
    """The application context; ``with app.app_context():`` pushes one."""

    #: The layer trace of the request that pushed this context (set by
    #: :meth:`RequestContext.push` when tracing), for the signals sent around it.
    trace: RequestTrace | None = None

    def __init__(self, app: App) -> None:
        self.app = app
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    @cached_property
    def url_adapter(self) -> routing.MapAdapter | None:
        """The URL adapter for building URLs without a request (needs ``SERVER_NAME``),
        made on first use: most app contexts live inside a request and never need it."""
        return self.app.create_url_adapter(None)

    def push(self) -> None:
        """Make this the current application context."""
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            send_signal(appcontext_pushed, self.app)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Pop it; the outermost pop runs the ``teardown_appcontext`` functions."""
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            current = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if current is not self:
            raise AssertionError(f"Popped wrong app context. ({current!r} instead of {self!r})")
        if appcontext_popped.receivers:
            send_signal(appcontext_popped, self.app, trace=self.trace)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)


class RequestContext:
    """The request context: one per request, made by :meth:`App.request_context`."""

    def __init__(
        self,
        app: App,
        environ: dict[str, t.Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json
        self.request: Request = request
        #: The layer trace of this request, or ``None`` when tracing is off.
        self.trace: RequestTrace | None = app._make_trace()
        self.url_adapter: routing.MapAdapter | None = None
        try:
            self.url_adapter = app.create_url_adapter(self.request)
        except HTTPException as error:  # an untrusted Host header: answered at dispatch
            self.request.routing_exception = error
        #: Flashed messages, read from the session on first use this request.
        self.flashes: list[tuple[str, str]] | None = None
        # The session once opened; see the ``_session`` property.
        self._session_value: SessionMixin | None = session
        self._after_request_functions: list[t.Callable[..., t.Any]] = []
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []

    def copy(self) -> RequestContext:
        """A new context for the same request and session (same objects, not copies)."""
        return self.__class__(
            self.app,
            environ=self.request.environ,
            request=self.request,
            session=self._session,  # opened now, so both contexts share one session
        )

    @property
    def session(self) -> SessionMixin:
        """The session of this request. Every access marks it ``accessed``, so the
        response gets ``Vary: Cookie``: a page that even looked at the session must not
        be cached for other users."""
        session = self._session
        session.accessed = True
        return session

    @property
    def _session(self) -> SessionMixin:
        """The session, opened now if it was not yet, without marking it accessed."""
        if self._session_value is None:
            self._open_session()
        return self._session_value  # type: ignore[return-value]

    def _open_session(self) -> None:
        session_interface = self.app.session_interface
        trace = self.trace
        span = trace.enter("session", "open") if trace is not None else None
        session = session_interface.open_session(self.app, self.request)
        if session is None:
            session = session_interface.make_null_session(self.app)
        self._session_value = session
        if span is not None:
            assert trace is not None
            trace.leave(span, interface=type(session_interface).__name__, keys=sorted(session.keys()))

    def session_to_save(self) -> SessionMixin | None:
        """The session :meth:`App.process_response` should save, or ``None``.

        The opened session if there is one. A session never opened this request
        changed nothing, but its cookie may still need refreshing (a permanent session
        with ``SESSION_REFRESH_EACH_REQUEST``), so when the request carries the session
        cookie it is opened now; with no cookie there is nothing to save.
        """
        if self._session_value is None:
            if "HTTP_COOKIE" not in self.request.environ:
                return None
            if request_cookie(self.request, self.app.session_interface.get_cookie_name(self.app)) is None:
                return None
            self._open_session()
        return self._session_value

    def match_request(self) -> None:
        """Match the URL; the rule and view args, or the error, go on the request."""
        assert self.url_adapter is not None
        routing.match_request(self.url_adapter, self.request, self.trace)

    def push(self) -> None:
        """Make this the current request: app context, session, URL match."""
        trace = self.trace
        span = trace.enter("context", "push") if trace is not None else None

        # An app context must be there first: opening the session reads the config.
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            if trace is not None:
                app_ctx.trace = trace
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))

        # Open the session now, unless the interface says opening it can wait until
        # first use (the cookie session can: it has no side effects). A request that
        # never touches the session then never parses, verifies or re-signs a cookie.
        if self._session_value is None and not self.app.session_interface.open_lazily:
            self._open_session()

        if self.url_adapter is not None:
            self.match_request()
        if span is not None:
            assert trace is not None
            trace.leave(span)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Pop it; the outermost pop runs the ``teardown_request`` functions, closes the
        request, and pops the app context that :meth:`push` pushed."""
        clear_request = len(self._cv_tokens) == 1
        trace = self.trace if clear_request else None
        span = trace.enter("context", "pop") if trace is not None else None
        try:
            if clear_request:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_request(exc)
                # request.close() closes the files parsed from the body. Werkzeug's walks
                # an empty dict with two ABC checks when none were parsed, so it is
                # called only when they were, or when the request class has its own.
                request = self.request
                if "files" in request.__dict__ or type(request).close is not _WerkzeugRequest.close:
                    request.close()
        finally:
            current = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            # Break the environ -> request reference, so the request can be freed.
            if clear_request:
                current.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
            if span is not None:
                assert trace is not None
                if exc is None:
                    trace.leave(span)
                else:
                    trace.leave(span, error=repr(exc))
            if current is not self:
                raise AssertionError(
                    f"Popped wrong request context. ({current!r} instead of {self!r})"
                )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )
