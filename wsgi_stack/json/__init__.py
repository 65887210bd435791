"""JSON helpers that go through the current app's JSON provider when there is one.

Outside an application context they fall back to the standard library with the same
extra types (dates, decimals, UUIDs, dataclasses, ``__html__``) the default provider knows.
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string, with ``app.json`` when an app is active."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.dumps(obj, **kwargs)
    from .provider import _default

    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` to JSON and write it to ``fp``."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.app.json.dump(obj, fp, **kwargs)
        return
    from .provider import _default

    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize JSON, with ``app.json`` when an app is active."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Read JSON from a file, with ``app.json`` when an app is active."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON response of the arguments, through the current app's provider.

    One argument is dumped as it is, several as a list, keyword arguments as a dict.
    Needs an application context.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(
            "jsonify needs an application context: it answers with the current app's"
            " response class and JSON settings."
        )
    return app_ctx.app.json.response(*args, **kwargs)
