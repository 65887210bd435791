"""The application: the request path, from the WSGI call to the response.

:class:`App` is :class:`~wsgi_stack.app_setup.AppSetup` (configuration, app-wide
registration, the Jinja environment; the shared decorators come from
:class:`~wsgi_stack.scaffold.Scaffold`) plus what happens per request: contexts, URL
building, dispatch, responses and errors.

Reading order for one request (each step is one method, a good breakpoint):

1. :meth:`App.__call__` -> :meth:`App.wsgi_app`: the WSGI entry point.
2. :meth:`App.request_context` + ``ctx.push()``: app context, session opened, URL matched
   (:mod:`wsgi_stack.ctx`, :mod:`wsgi_stack.sessions`, :mod:`wsgi_stack.routing`).
3. :meth:`App.full_dispatch_request`:
   :meth:`preprocess_request` (url value preprocessors, ``before_request`` hooks; a value
   returned by a hook ends the request) -> :meth:`dispatch_request` (raise the routing
   error, answer OPTIONS, or call the view) -> on an exception
   :meth:`handle_user_exception` (error handlers).
4. :meth:`App.finalize_request`: :meth:`make_response` (the view's return value becomes
   a :class:`~wsgi_stack.wrappers.Response`) -> :meth:`process_response`
   (``after_this_request`` and ``after_request`` functions, session saved).
5. The response is called as a WSGI app; ``ctx.pop()`` runs the teardown functions.
   An exception nothing handled goes to :meth:`handle_exception` (a 500).

Hooks and error handlers are looked up by *scope*: the app's own (``None``), then the
blueprints that own the matched endpoint (:meth:`App._request_scopes`).
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import sys
import typing as t
from inspect import CO_COROUTINE
from types import FunctionType, TracebackType

from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequestKeyError, HTTPException, InternalServerError
from werkzeug.routing import BuildError, RequestRedirect, RoutingException
from werkzeug.wrappers import Response as BaseResponse

from . import routing
from . import trace as _trace
from .app_setup import AppSetup
from .ctx import AppContext, RequestContext, _AppCtxGlobals, _sentinel
from .globals import _cv_app, _cv_request, request, request_ctx
from .logging import trace_logger
from .sessions import SecureCookieSessionInterface, SessionInterface
from .signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .signals import send as send_signal
from .wrappers import Request, Response, split_blueprint_path

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import Rule

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T = t.TypeVar("T")

#: The URL prefix of the environ inspector (see :mod:`wsgi_stack.inspector`).
INSPECTOR_PREFIX = "/_stack"

#: What a view may return (see :meth:`App.make_response`).
ResponseReturnValue = t.Any

# The scopes of a request to an app view: only the app's own hooks apply.
_APP_SCOPE: tuple[str | None, ...] = (None,)
_NO_HANDLERS: dict[t.Any, t.Any] = {}


class App(AppSetup):
    """The WSGI application: create one, register views and hooks on it, serve it.

    Takes the arguments of :class:`~wsgi_stack.app_setup.AppSetup`: ``import_name``
    (usually ``__name__``), ``static_url_path``, ``static_folder``, ``static_host``,
    ``host_matching``, ``subdomain_matching``, ``template_folder``, ``instance_path``,
    ``instance_relative_config``, ``root_path``.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    app_ctx_globals_class = _AppCtxGlobals
    session_interface: SessionInterface = SecureCookieSessionInterface()

    # -- templates ----------------------------------------------------------------

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values to ``context`` (the app's, then those of
        the request's blueprints, outer to inner); the values the caller passed win."""
        original = context.copy()
        req_ctx = _cv_request.get(None)
        scopes = self._request_scopes(req_ctx.request) if req_ctx is not None and self.blueprints else _APP_SCOPE
        for scope in scopes:
            for processor in self.template_context_processors.get(scope, ()):
                context.update(self.ensure_sync(processor)())
        context.update(original)

    # -- contexts -------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A new request context for a WSGI environ (``wsgi_app`` pushes it)."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request; takes Werkzeug's
        ``EnvironBuilder`` arguments (``path``, ``method``, ``data``, ``headers``...)."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    # -- URL building ---------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> routing.MapAdapter | None:
        """The URL adapter for a request, or for an app context with ``SERVER_NAME``."""
        if request is None:
            return routing.bind_app_adapter(self.url_map, self.config)
        server_name, subdomain = routing.request_binding(
            self.url_map, self.config, request, self.subdomain_matching
        )
        environ = request.environ
        # Werkzeug works out the same host, scheme and script name for every request
        # from one client: what it made of them is remembered (routing.py).
        adapter = routing.remembered_adapter(self.url_map, environ, server_name, subdomain)
        if adapter is None:
            # Bound here, as Flask does: Werkzeug's warning about a host outside SERVER_NAME
            # names its caller, so a filter on this module (flask.app in Flask) catches it.
            adapter = self.url_map.bind_to_environ(environ, server_name=server_name, subdomain=subdomain)
            routing.remember_adapter(self.url_map, environ, server_name, subdomain, adapter)
        return adapter

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL for ``endpoint``.

        In a request the URL is relative (``/user/1``) unless ``_external``; outside
        one it is absolute and needs ``SERVER_NAME``. ``_scheme`` implies ``_external``.
        ``_method`` picks among rules for the same endpoint. Values the rule has no
        variable for become the query string.
        """
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            if endpoint[:1] == ".":  # relative to the current blueprint
                blueprint_name = req_ctx.request.blueprint
                endpoint = f"{blueprint_name}{endpoint}" if blueprint_name else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            url_adapter = (
                app_ctx.url_adapter if app_ctx is not None else self.create_url_adapter(None)
            )
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True

        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            return routing.build_url(
                url_adapter,  # type: ignore[arg-type]
                endpoint,
                values,
                method=_method,
                scheme=_scheme,
                external=_external,
                anchor=_anchor,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let the ``url_defaults`` functions fill in ``values`` (changed in place): the
        app's, then those of the endpoint's blueprints, outer to inner."""
        scopes: t.Iterable[str | None] = _APP_SCOPE
        if "." in endpoint:
            scopes = (None, *reversed(split_blueprint_path(endpoint.rpartition(".")[0])))
        for scope in scopes:
            for func in self.url_default_functions.get(scope, ()):
                func(endpoint, values)

    # -- the request path -----------------------------------------------------------

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> cabc.Iterable[bytes]:
        """The WSGI entry point; see :meth:`wsgi_app` (wrap that one in middleware)."""
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> cabc.Iterable[bytes]:
        """Handle one WSGI request: push the context, dispatch, answer, pop."""
        ctx = self.request_context(environ)
        error: BaseException | None = None
        response: Response | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:  # noqa: E722 - a BaseException: record it for teardown, let it go
                error = sys.exc_info()[1]
                raise
            return response(environ, start_response)  # type: ignore[misc]
        finally:
            if ctx.trace is not None and response is not None:
                self._note_response(ctx.trace, response)
            if "werkzeug.debug.preserve_context" in environ:
                # The test client keeps the contexts for inspection after the request.
                environ["werkzeug.debug.preserve_context"](_cv_app.get())
                environ["werkzeug.debug.preserve_context"](_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)
            if ctx.trace is not None and self.config["STACK_TRACE"]:
                self._log_trace(ctx)

    def full_dispatch_request(self) -> Response:
        """Hooks, view, error handlers, and the response: everything between the
        context push and the WSGI answer."""
        if not self._got_first_request:
            self._got_first_request = True
        if self.before_first_request_funcs and not self._before_first_request_done:
            self._run_before_first_request()
        try:
            if request_started.receivers:
                send_signal(request_started, self)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def _run_before_first_request(self) -> None:
        # The lock makes concurrent first requests wait until the functions ran once.
        with self._first_request_lock:
            if self._before_first_request_done:
                return
            for func in self.before_first_request_funcs:
                self._call_hook("before_first_request", func)
            self._before_first_request_done = True

    def _call_hook(self, kind: str, func: t.Callable[..., T], *args: t.Any, scope: str | None = None) -> T:
        """Call one hook, recording it in the trace when tracing is on, with the
        blueprint it belongs to (``scope``; ``None`` for the app's own)."""
        req_ctx = _cv_request.get(None)
        trace = req_ctx.trace if req_ctx is not None else None
        if trace is None:
            return self.ensure_sync(func)(*args)
        name = f"{kind}:{getattr(func, '__name__', repr(func))}"
        span = trace.enter("hook", name, blueprint=scope) if scope else trace.enter("hook", name)
        result = trace.run(span, self.ensure_sync(func), *args)
        trace.leave(span, returned=None if result is None else type(result).__name__)
        return result

    def preprocess_request(self) -> ResponseReturnValue | None:
        """Run the URL value preprocessors, then the ``before_request`` functions, each
        kind for the app first, then outer to inner blueprint; the first non-``None``
        value a function returns is the response."""
        # "in" and [] rather than .get(): no call at all for a scope with no functions.
        preprocessors = self.url_value_preprocessors
        before = self.before_request_funcs
        if not (preprocessors or before):
            return None  # none registered anywhere: no scopes to walk
        req = _cv_request.get().request
        scopes = self._request_scopes(req) if self.blueprints else _APP_SCOPE
        for scope in scopes:
            if scope in preprocessors:
                for url_func in preprocessors[scope]:
                    self._call_hook("url_value_preprocessor", url_func, req.endpoint, req.view_args, scope=scope)
        for scope in scopes:
            if scope in before:
                for before_func in before[scope]:
                    rv = self._call_hook("before_request", before_func, scope=scope)
                    if rv is not None:
                        return rv
        return None

    def _request_scopes(self, request: Request) -> tuple[str | None, ...]:
        """Whose hooks apply to ``request``, outermost first: the app (``None``), then
        each blueprint from the outermost to the one that owns the endpoint. The
        request path asks only when the app has blueprints (else it is ``(None,)``)."""
        return (None, *reversed(request.blueprints))

    def dispatch_request(self) -> ResponseReturnValue:
        """Raise the routing error if matching failed, answer OPTIONS automatically,
        or call the view with the URL's values."""
        req_ctx = _cv_request.get()
        req = req_ctx.request
        if req.routing_exception is not None:
            # The inspector answers only URLs no rule of the app matched, so it
            # costs nothing on the normal path and never hides a user's route.
            if req.path.startswith(INSPECTOR_PREFIX) and self.inspector_enabled:
                from .inspector import inspector_response

                return inspector_response(self, req_ctx)
            self.raise_routing_exception(req)
        # Routing matched (no routing_exception), so the rule and the view args are set.
        rule: Rule = req.url_rule  # type: ignore[assignment]
        view_args: dict[str, t.Any] = req.view_args  # type: ignore[assignment]
        if req.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            return self.make_default_options_response()
        view_func = self.view_functions[rule.endpoint]
        trace = req_ctx.trace
        if trace is None:
            return self.ensure_sync(view_func)(**view_args)
        function = getattr(view_func, "__qualname__", None)
        blueprint = req.blueprint
        span = (
            trace.enter("view", rule.endpoint, function=function, blueprint=blueprint)
            if blueprint
            else trace.enter("view", rule.endpoint, function=function)
        )
        rv = trace.run(span, self.ensure_sync(view_func), **view_args)
        trace.leave(span, returned=type(rv).__name__)
        return rv

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the stored routing error. In debug mode, a redirect that would make
        the browser drop a form's data raises an explanation instead."""
        error = request.routing_exception
        if (
            not self.debug
            or not isinstance(error, RequestRedirect)
            or error.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise error  # type: ignore[misc]
        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    def make_default_options_response(self) -> Response:
        """The automatic OPTIONS answer: empty, with ``Allow`` listing the methods."""
        adapter = request_ctx.url_adapter
        methods = adapter.allowed_methods()  # type: ignore[union-attr]
        response = self.response_class()
        response.allow.update(methods)
        return response

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` callable from this synchronous (WSGI) code: plain functions
        as they are, ``async def`` functions (views, hooks, error handlers, signal
        receivers) wrapped by :meth:`async_to_sync`. Override to run them differently."""
        # The common case, a plain function, without inspect's several calls.
        if type(func) is FunctionType and not func.__code__.co_flags & CO_COROUTINE:
            return func
        if inspect.iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: t.Callable[..., cabc.Coroutine[t.Any, t.Any, t.Any]]) -> t.Callable[..., t.Any]:
        """Wrap a coroutine function so that calling it runs it to completion and
        returns its result, with asgiref's ``async_to_sync`` (the optional ``async``
        extra). asgiref runs the coroutine on an event loop in another thread and
        carries the context variables there and back, so ``request``, ``session`` and
        ``g`` work inside it and what it sets is seen afterwards."""
        try:
            from asgiref.sync import async_to_sync as asgiref_async_to_sync
        except ImportError:
            raise RuntimeError(
                "Install wsgi_stack with the 'async' extra in order to use async views:"
                " pip install 'wsgi_stack[async]' (it adds asgiref)."
            ) from None
        return asgiref_async_to_sync(func)

    def finalize_request(self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False) -> Response:
        """Make the response and run the after-request processing. Called again for
        the 500 page, where a failure here is logged rather than raised."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                send_signal(request_finished, self, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def make_response(self, rv: ResponseReturnValue) -> Response:
        """Turn what a view returned into a response object.

        Accepted: ``str``/``bytes`` (the body), ``dict``/``list`` (JSON), a response
        object, a WSGI callable, an iterator or generator (a streamed body), and tuples
        ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``, where
        the status is an int or a string and the headers a dict, list or ``Headers``.
        """
        status = headers = None

        if isinstance(rv, tuple):
            length = len(rv)
            if length == 3:
                rv, status, headers = rv
            elif length == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple"
                    " must have the form (body, status, headers), (body, status), or"
                    " (body, headers)."
                )

        if rv is None:
            raise TypeError(
                f"The view function for {request.endpoint!r} did not return a valid"
                " response. The function either returned None or ended without a return"
                " statement."
            )

        if not isinstance(rv, self.response_class):
            if isinstance(rv, (str, bytes, bytearray)) or isinstance(rv, cabc.Iterator):
                # The status and headers go to the constructor: it sets the mimetype
                # from them too. Without headers the mimetype is the default one, and
                # saying so spares Werkzeug a failed Content-Type lookup (an exception
                # raised and caught) in headers that are empty.
                response_class = self.response_class
                if headers is None and response_class.__init__ is BaseResponse.__init__:
                    rv = response_class(rv, status=status, mimetype=response_class.default_mimetype)  # type: ignore[arg-type]
                else:
                    rv = response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(rv, request.environ)  # type: ignore[arg-type]
                except TypeError as error:
                    raise TypeError(
                        f"{error}\nThe view function did not return a valid response. The"
                        " return type must be a string, dict, list, tuple with headers or"
                        " status, Response instance, or WSGI callable, but it was a"
                        f" {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid response. The return type"
                    " must be a string, dict, list, tuple with headers or status, Response"
                    f" instance, or WSGI callable, but it was a {type(rv).__name__}."
                )

        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status  # type: ignore[assignment]
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)  # type: ignore[arg-type]
        return rv

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions, then ``after_request`` functions (the
        innermost blueprint's first, the app's last; in each, the last registered
        first), then save the session on the response."""
        ctx = _cv_request.get()
        for func in ctx._after_request_functions:
            response = self._call_hook("after_this_request", func, response)
        after = self.after_request_funcs
        if after:
            for scope in reversed(self._request_scopes(ctx.request)) if self.blueprints else _APP_SCOPE:
                if scope in after:
                    for func in reversed(after[scope]):
                        response = self._call_hook("after_request", func, response, scope=scope)

        session = ctx.session_to_save()
        if session is not None and not self.session_interface.is_null_session(session):
            trace = ctx.trace
            span = trace.enter("session", "save") if trace is not None else None
            self.session_interface.save_session(self, session, response)
            if trace is not None and span is not None:
                trace.leave(
                    span,
                    modified=bool(getattr(session, "modified", False)),
                    cookie_written="Set-Cookie" in response.headers,
                )
        return response

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run the ``teardown_request`` functions (in the order of ``after_request``
        functions), each with the exception that ended the request, or ``None``; then
        send ``request_tearing_down``."""
        registry = self.teardown_request_funcs
        scopes = reversed(self._request_scopes(_cv_request.get().request)) if self.blueprints else _APP_SCOPE
        funcs = [(scope, f) for scope in scopes if scope in registry for f in reversed(registry[scope])] if registry else None
        if not funcs and not request_tearing_down.receivers:
            return
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if funcs:
            self._run_teardowns("teardown_request", funcs, exc)
        if request_tearing_down.receivers:
            send_signal(request_tearing_down, self, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run the ``teardown_appcontext`` functions (last registered first); then
        send ``appcontext_tearing_down``."""
        funcs = self.teardown_appcontext_funcs
        if not funcs and not appcontext_tearing_down.receivers:
            return
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if funcs:
            self._run_teardowns("teardown_appcontext", [(None, f) for f in reversed(funcs)], exc)
        if appcontext_tearing_down.receivers:
            send_signal(appcontext_tearing_down, self, exc=exc)

    def _run_teardowns(
        self, kind: str, funcs: list[tuple[str | None, t.Callable[..., t.Any]]], exc: BaseException | None
    ) -> None:
        """Run every teardown function, even when one fails.

        The response is already made when teardown runs, so a failing teardown
        function must not take it away: the error is logged and the other functions
        still run. When exceptions propagate (testing, debug), the first error is
        raised after all of them ran, so a test still sees it.
        """
        first_error: Exception | None = None
        for scope, func in funcs:
            try:
                self._call_hook(kind, func, exc, scope=scope)
            except Exception as error:
                if first_error is None:
                    first_error = error
                self.logger.error("Error in %s function %r", kind, func, exc_info=error)
        if first_error is not None and self._propagate_exceptions():
            raise first_error

    # -- errors ---------------------------------------------------------------------

    def _propagate_exceptions(self) -> bool:
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        return bool(propagate)

    def _find_error_handler(self, e: Exception, blueprints: list[str]) -> t.Callable[..., t.Any] | None:
        """The handler for ``e``: one registered for its code before one for its class;
        for each, the innermost blueprint's before its parents' and the app's; in
        each registry, the closest class in the exception's MRO."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        for c in (code, None) if code is not None else (None,):
            for scope in (*blueprints, None):
                handler_map = self.error_handler_spec.get(scope, _NO_HANDLERS).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ResponseReturnValue:
        """Answer an HTTP exception with its registered handler, or with itself (an
        ``HTTPException`` is a WSGI app that renders its error page). Routing
        redirects are never given to handlers."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            return e
        return self._call_error_handler(handler, e)

    def _call_error_handler(self, handler: t.Callable[..., t.Any], e: Exception) -> t.Any:
        req_ctx = _cv_request.get(None)
        trace = req_ctx.trace if req_ctx is not None else None
        if trace is None:
            return self.ensure_sync(handler)(e)
        span = trace.enter("error", getattr(handler, "__name__", repr(handler)), error=repr(e))
        rv = trace.run(span, self.ensure_sync(handler), e)
        trace.leave(span)
        return rv

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        """Answer an exception raised by a hook or view: HTTP errors by code, others
        by class; with no handler, it is re-raised (to :meth:`handle_exception`)."""
        if isinstance(e, BadRequestKeyError) and (self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            raise
        return self._call_error_handler(handler, e)

    def handle_exception(self, e: Exception) -> Response:
        """The last stop for an unhandled exception: propagate it (testing, debug,
        ``PROPAGATE_EXCEPTIONS``), or log it and answer 500, with the 500 handler
        if there is one (it receives an ``InternalServerError`` whose
        ``original_exception`` is ``e``)."""
        exc_info = sys.exc_info()
        if got_request_exception.receivers:
            send_signal(got_request_exception, self, exception=e)
        propagate = self._propagate_exceptions()
        req_ctx = _cv_request.get(None)
        if req_ctx is not None and req_ctx.trace is not None:
            req_ctx.trace.note("error", "unhandled", error=repr(e), propagated=propagate)
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: InternalServerError | ResponseReturnValue = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, request.blueprints)  # type: ignore[arg-type]
        if handler is not None:
            server_error = self._call_error_handler(handler, server_error)  # type: ignore[arg-type]
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception with its traceback, naming the request."""
        self.logger.error(f"Exception on {request.path} [{request.method}]", exc_info=exc_info)

    # -- tracing --------------------------------------------------------------------

    def _note_response(self, trace: _trace.RequestTrace, response: Response) -> None:
        # Noted before the context is popped, so a 'response' break still sees the
        # request and the session. The size from the header only: the body may be a
        # stream the server is already reading, and measuring it would consume it.
        trace.note("response", "sent", status=response.status_code, size=response.content_length)

    def _log_trace(self, ctx: RequestContext) -> None:
        assert ctx.trace is not None
        trace_logger.info(
            "%s %s\n%s", ctx.request.method, ctx.request.full_path.rstrip("?"), ctx.trace.render()
        )


#: The same class under Flask's name, so Flask code runs with one import changed.
Flask = App
