"""Tagged JSON: JSON that keeps tuples, bytes, Markup, UUIDs and datetimes.

The session cookie stores its data as JSON, and JSON has no tuples, bytes or dates. So
before encoding, every value that JSON would lose is replaced by a one-key dict whose key
is a *tag* (``" t"``, ``" b"``, ...) and whose value is JSON-friendly; after decoding,
every such dict is turned back. The tags start with a space so ordinary keys rarely look
like one, and a real one-key dict whose key *is* a tag gets tagged itself (``" di"``), so
nothing is ever misread.

This is the same format as Flask's ``flask.json.tag``, which is what lets a session
cookie written by Flask be read here and the other way round.

To add a type, subclass :class:`JSONTag` and call :meth:`TaggedJSONSerializer.register`.
"""

from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from ..json import dumps, loads


class JSONTag:
    """One kind of value the serializer knows how to tag and untag."""

    __slots__ = ("serializer",)

    #: The tag; an empty key means the tag passes its value through untagged
    #: (used for containers whose items need tagging).
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Turn ``value`` into something JSON can hold (still untagged)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Turn the JSON form back into the Python value."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> dict[str, t.Any]:
        """The tagged form: ``{key: to_json(value)}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is itself a registered tag.

    The key gets ``__`` appended so it can no longer be mistaken for a tag; untagging
    takes it off again.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Any other dict: stays a dict, its values are tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        return {key: self.serializer.tag(item) for key, item in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """A list stays a list; its items are tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        return [self.serializer.tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` is stored as its HTML and comes back as Markup."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """Stored as an HTTP date, so to the second and in UTC."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSerializer:
    """Dump and load tagged JSON; the session's serializer.

    Tags are tried in :attr:`order`; the first whose ``check`` accepts a value tags it.
    """

    __slots__ = ("tags", "order", "_plain_values_pass")

    #: The tags every serializer starts with, in the order they are tried.
    default_tags = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._plain_values_pass = True
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag. An existing key is an error unless ``force``; ``index`` places
        it in the order (the end by default)."""
        tag = tag_class(self)
        # With only the default tags, a str, int, float, bool or None is never tagged, so
        # tag() can return it without asking every tag; a custom tag might claim one.
        if tag_class not in TaggedJSONSerializer.default_tags:
            self._plain_values_pass = False
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: t.Any) -> t.Any:
        """Tag ``value`` (recursively, through the container tags)."""
        if self._plain_values_pass and type(value) in _PLAIN_TYPES:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn one tagged dict back into its value; other dicts come back as they are."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        if key not in self.tags:
            return value
        return self.tags[key].to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Inner values first, so a tag's to_python always receives plain Python values.
        # Only containers can hold a tag: scalars are kept without a call of their own.
        if isinstance(value, dict):
            value = {
                key: self._untag_scan(item) if isinstance(item, (dict, list)) else item
                for key, item in value.items()
            }
            value = self.untag(value)
        elif isinstance(value, list):
            value = [
                self._untag_scan(item) if isinstance(item, (dict, list)) else item
                for item in value
            ]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and encode it as compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Decode JSON and untag it."""
        return self._untag_scan(loads(value))
