"""Signals: Flask's ten blinker signals, sent at Flask's points, free when nobody listens.

A signal is a named event other code can subscribe to without the app knowing about it
(an extension that counts requests, a test that records which templates were rendered)::

    from wsgi_stack import request_started

    def log_start(sender, **extra):
        sender.logger.debug("request started")

    request_started.connect(log_start, app)   # only this app's requests

Every signal is sent with the app as the sender, so a receiver connected "for ``app``"
hears only that app. The signals, what they carry, and where in the request they are
sent (in this order for one request; the hooks are shown for reference):

=========================  =====================  ==================================================
signal                     keyword arguments      sent
=========================  =====================  ==================================================
``appcontext_pushed``      (none)                 :meth:`AppContext.push`, after it became current
``request_started``        (none)                 :meth:`App.full_dispatch_request`, before the
                                                  ``before_request`` hooks
``before_render_template`` ``template, context``  before a template renders (the context may be
                                                  changed)
``template_rendered``      ``template, context``  after a template rendered (for a streamed one,
                                                  when the stream is exhausted)
``message_flashed``        ``message, category``  :func:`flash`, after the message is stored
``got_request_exception``  ``exception``          :meth:`App.handle_exception`, first thing, before
                                                  propagating or answering 500
``request_finished``       ``response``           :meth:`App.finalize_request`, after the
                                                  ``after_request`` hooks and the session save
``request_tearing_down``   ``exc``                :meth:`App.do_teardown_request`, after the
                                                  ``teardown_request`` functions
``appcontext_tearing_down`` ``exc``               :meth:`App.do_teardown_appcontext`, after the
                                                  ``teardown_appcontext`` functions
``appcontext_popped``      (none)                 :meth:`AppContext.pop`, after it stopped being
                                                  current
=========================  =====================  ==================================================

**Free when unheard.** A blinker ``Signal`` keeps its receivers in a dict,
``signal.receivers``, empty until someone connects. Every place that sends a signal
first reads that dict and calls :func:`send` only when it is not empty::

    if request_started.receivers:
        signals.send(request_started, self)

So an app nobody listens to pays one attribute read per signal and no function call.

**Seen in the trace.** A signal sent while the layer trace is on, and that has a receiver
for this app, is a ``signal`` span (``signal:request-started receivers=1``) with the
receivers' time inside it.
"""

from __future__ import annotations

import typing as t

from blinker import Namespace, NamedSignal

from .globals import _cv_app, _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .trace import RequestTrace

#: The namespace of the framework's own signals; define an extension's in its own.
_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")

# Tells send() "find the trace from the current context".
_FIND = object()


def send(signal: NamedSignal, app: App, /, *, trace: t.Any = _FIND, **kwargs: t.Any) -> None:
    """Send ``signal`` with ``app`` as the sender and ``kwargs`` to every receiver.

    Callers check ``signal.receivers`` first (see the module's docstring), so this runs
    only when someone listens. Coroutine receivers run through :meth:`App.ensure_sync`,
    as views do. ``trace`` is the request trace to record the signal in; by default the
    current request's (or, outside a request, the current app context's), given
    explicitly only where the context is already gone (``appcontext_popped``).
    """
    if trace is _FIND:
        trace = _current_trace()
    if trace is None or not signal.has_receivers_for(app):
        signal.send(app, _async_wrapper=app.ensure_sync, **kwargs)
        return
    receivers = sum(1 for _ in signal.receivers_for(app))
    span = trace.enter("signal", signal.name, receivers=receivers)
    trace.run(span, signal.send, app, _async_wrapper=app.ensure_sync, **kwargs)
    trace.leave(span)


def _current_trace() -> RequestTrace | None:
    request_ctx = _cv_request.get(None)
    if request_ctx is not None:
        return request_ctx.trace
    # An app context pushed for a request carries the request's trace (set by
    # RequestContext.push), so signals sent while it is pushed or popped are seen too.
    app_ctx = _cv_app.get(None)
    return app_ctx.trace if app_ctx is not None else None


__all__ = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send",
    "template_rendered",
]
