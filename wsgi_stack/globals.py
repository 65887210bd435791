"""The context variables and the proxies users import.

Two :class:`contextvars.ContextVar` hold the current contexts: one the application
context (which carries ``current_app`` and ``g``), one the request context (which carries
``request`` and ``session``). Contexts push themselves into these variables; everything
else reads them. Because they are context variables, every thread and every asyncio task
sees its own current request.

The names below are Werkzeug :class:`~werkzeug.local.LocalProxy` objects: attribute access
on ``request`` looks up the current request context and forwards to its ``request``.
Framework code uses the context objects directly (one lookup, no proxy hop); the proxies
are for views, templates and user code.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context.

This needs the current application, and there is none: no application context is
pushed. Run the code inside 'with app.app_context():', or inside a request.\
"""
_no_req_msg = """\
Working outside of request context.

This needs the current request (request, session, or something that reads them), and
there is none: no request context is pushed. Run the code inside a view, or inside
'with app.test_request_context():' in a test or a shell.\
"""

_cv_app: ContextVar[AppContext] = ContextVar("wsgi_stack.app_ctx")
app_ctx: AppContext = cast("AppContext", LocalProxy(_cv_app, unbound_message=_no_app_msg))
current_app: App = cast("App", LocalProxy(_cv_app, "app", unbound_message=_no_app_msg))
g: _AppCtxGlobals = cast("_AppCtxGlobals", LocalProxy(_cv_app, "g", unbound_message=_no_app_msg))

_cv_request: ContextVar[RequestContext] = ContextVar("wsgi_stack.request_ctx")
request_ctx: RequestContext = cast(
    "RequestContext", LocalProxy(_cv_request, unbound_message=_no_req_msg)
)
request: Request = cast("Request", LocalProxy(_cv_request, "request", unbound_message=_no_req_msg))
session: SessionMixin = cast(
    "SessionMixin", LocalProxy(_cv_request, "session", unbound_message=_no_req_msg)
)


