"""The app's logger: named after the app, never silent, and writing where the server reads.

``app.logger`` is the standard library logger called ``app.name``. Two rules decide its
setup, the first time it is used (:func:`create_logger`):

* in debug mode, a logger with no level of its own gets ``DEBUG``;
* when no handler up the logger's hierarchy would show its records
  (:func:`has_level_handler`), :data:`default_handler` is added. Configure logging
  (``logging.basicConfig``, ``dictConfig``) before the first use and it is left alone.

:data:`default_handler` writes to :data:`wsgi_errors_stream`: the request's
``environ["wsgi.errors"]`` during a request (the server's error log, which is where a
WSGI server wants them), ``sys.stderr`` otherwise.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .scaffold import Scaffold


def _current_errors_stream() -> t.TextIO:
    request_ctx = _cv_request.get(None)
    if request_ctx is not None:
        return request_ctx.request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


#: The error stream of the current request, or ``sys.stderr`` outside a request.
wsgi_errors_stream: t.TextIO = LocalProxy(_current_errors_stream)  # type: ignore[assignment]


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on ``logger`` or an ancestor it propagates to would show a
    record at the logger's effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: The handler added to an app's logger when logging is not configured.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s"))


def create_logger(app: Scaffold) -> logging.Logger:
    """The logger for ``app``, set up by the two rules above."""
    logger = logging.getLogger(app.name)
    if getattr(app, "debug", False) and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


#: The layer trace's logger (``STACK_TRACE``): always shown on stderr, even when the
#: application configured no logging at all, since showing it is the point of the flag.
trace_logger = logging.getLogger("wsgi_stack.trace")
if not trace_logger.handlers:
    _trace_handler = logging.StreamHandler(sys.stderr)
    _trace_handler.setFormatter(logging.Formatter("[trace] %(message)s"))
    trace_logger.addHandler(_trace_handler)
trace_logger.setLevel(logging.INFO)
trace_logger.propagate = False

__all__ = ["create_logger", "default_handler", "has_level_handler", "trace_logger", "wsgi_errors_stream"]
