"""JSON providers: how an app turns Python values into JSON and back.

Every app has one, ``app.json``; :func:`~wsgi_stack.json.dumps`, ``jsonify`` and
``request.get_json`` go through it. Replace it by assigning ``app.json_provider_class``
before the app is created, or ``app.json`` after, for example to use a faster library.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
import weakref
from datetime import date

from werkzeug.http import http_date

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

    from ..app import App


class JSONProvider:
    """The interface: ``dumps``/``loads`` to implement, the rest built on them.

    The provider keeps only a weak reference to its app, so the app and its provider
    do not form a reference cycle.
    """

    def __init__(self, app: App) -> None:
        self._app = t.cast("App", weakref.proxy(app))

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` to JSON and write it to a text file."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize a JSON string or bytes."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Read a file and deserialize its JSON."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A response whose body is the JSON of the one argument, of several positional
        arguments (as a list), or of the keyword arguments (as a dict)."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    """What the default provider does with values the json module does not know."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses and dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


#: Encoders already built, by their ``json.dumps`` options; bounded, since callers choose them.
_encoders: dict[tuple[tuple[str, t.Any], ...], json.JSONEncoder] = {}
_MAX_ENCODERS = 32


def _encoder(options: dict[str, t.Any]) -> json.JSONEncoder:
    """The encoder ``json.dumps(obj, **options)`` would build, built once per set of options.

    ``json.dumps`` makes a new ``JSONEncoder`` whenever it is given any option, and making
    one costs more than encoding a session or a small API answer. An encoder keeps nothing
    between calls, so one per set of options serves every call (and thread) alike.
    """
    try:
        key = tuple(options.items())
        return _encoders[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable option (a list of separators...): build it each time
        key = None
    encoder_class = options.get("cls") or json.JSONEncoder
    encoder = encoder_class(**{name: value for name, value in options.items() if name != "cls"})
    if key is not None and len(_encoders) < _MAX_ENCODERS:
        _encoders[key] = encoder
    return encoder


class DefaultJSONProvider(JSONProvider):
    """JSON with the standard library, knowing dates, decimals, UUIDs, dataclasses and
    ``__html__``; sorted keys and ASCII output by default, as in Flask."""

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    ensure_ascii = True
    sort_keys = True
    #: ``None``: indented in debug mode, compact otherwise. ``True``/``False`` force it.
    compact: bool | None = None
    mimetype = "application/json"

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        # The provider's settings, unless the call gives its own.
        options = {"default": self.default, "ensure_ascii": self.ensure_ascii, "sort_keys": self.sort_keys}
        options.update(kwargs)
        return _encoder(options).encode(obj)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        dump_args: dict[str, t.Any]
        if (self.compact is None and self._app.debug) or self.compact is False:
            dump_args = {"indent": 2}
        else:
            dump_args = {"separators": (",", ":")}
        return self._app.response_class(
            f"{self.dumps(obj, **dump_args)}\n", mimetype=self.mimetype
        )
