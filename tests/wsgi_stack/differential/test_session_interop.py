"""Session cookie interoperability, both ways (issue 3).

A cookie written by the Flask app is read by the candidate's app with the same SECRET_KEY, and a
cookie written by the candidate is read by Flask: the signature, timestamp, compression and tagged
JSON must all agree. Flask-to-Flask runs as the control, so a failure here is the candidate's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import ModuleType
from typing import Any

import pytest
from markupsafe import Markup

from .interop import cookie_from, read_cookie, typed, write_cookie

SECRET = "interop-secret"
UTC = dt.timezone.utc

DATASETS: dict[str, dict[str, Any]] = {
    "strings and numbers": {"user": "ann", "n": 1, "f": 2.5, "neg": -3, "none": None, "yes": True},
    "tuple": {"t": (1, "two", (3, 4)), "empty": ()},
    "bytes": {"b": b"\x00\xff\x10binary", "empty": b""},
    "Markup": {"m": Markup("<b>bold</b> &amp;")},
    "UUID": {"u": uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")},
    "datetime": {"d": dt.datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)},
    "nested dicts": {"outer": {"inner": {"deep": [1, {"x": (True,)}]}, "list": [[], {}]}},
    "a dict whose one key looks like a tag": {"fake": {" t": [1, 2]}, "fake2": {" di": {" m": "x"}}},
    "a dict with two keys, one tag-like": {"d": {" t": 1, "y": 2}},
    "unicode": {"text": "Zoë ✓ 日本語", "key é": "v"},
    "large, compressed": {"text": "repeat " * 400},
    "every tag at once": {
        "t": (b"x", Markup("<i>"), uuid.UUID(int=5), dt.datetime(2000, 1, 1, tzinfo=UTC)),
        "l": [{" t": "tag-like"}, (1,)],
    },
}


DIRECTIONS = ["flask->flask", "flask->candidate", "candidate->flask", "candidate->candidate"]


def _modules(direction: str, reference: ModuleType, candidate: ModuleType) -> tuple[ModuleType, ModuleType]:
    writer, reader = direction.split("->")
    pick = {"flask": reference, "candidate": candidate}
    return pick[writer], pick[reader]


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_cookie_read_by_the_other_framework(
    dataset: str, direction: str, reference: ModuleType, candidate: ModuleType
) -> None:
    writer, reader = _modules(direction, reference, candidate)
    data = DATASETS[dataset]
    value, attributes = write_cookie(writer, data, SECRET_KEY=SECRET)
    reading, _ = read_cookie(reader, value, SECRET_KEY=SECRET)
    assert reading["data"] == data
    # Equal is not enough for tuples vs lists or Markup vs str: the types must survive too.
    assert typed(reading["data"]) == typed(data)
    assert reading["permanent"] is False
    assert "expires" not in attributes
    if dataset == "large, compressed":
        assert value.startswith("."), "a payload that compresses well must be written compressed"


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_permanent_session_crosses_over(direction: str, reference: ModuleType, candidate: ModuleType) -> None:
    writer, reader = _modules(direction, reference, candidate)
    config = {"SECRET_KEY": SECRET, "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=2)}
    value, attributes = write_cookie(writer, {"a": 1}, MAKE_PERMANENT=True, **config)
    reading, _ = read_cookie(reader, value, **config)
    assert reading == {"data": {"a": 1, "_permanent": True}, "permanent": True}
    expires = dt.datetime.strptime(attributes["expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs((expires - dt.datetime.now(UTC)) - dt.timedelta(hours=2)) < dt.timedelta(seconds=10)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_other_secret_key_is_not_accepted(direction: str, reference: ModuleType, candidate: ModuleType) -> None:
    writer, reader = _modules(direction, reference, candidate)
    value, _ = write_cookie(writer, {"user": "ann"}, SECRET_KEY="key-one")
    reading, _ = read_cookie(reader, value, SECRET_KEY="key-two")
    assert reading["data"] == {}


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_secret_key_fallbacks_rotation(direction: str, reference: ModuleType, candidate: ModuleType) -> None:
    """Old keys still read; the new key writes. Checked across frameworks at each step."""
    writer, reader = _modules(direction, reference, candidate)
    old_cookie, _ = write_cookie(writer, {"user": "ann"}, SECRET_KEY="old-key")

    rotated = {"SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["older", "old-key"]}
    reading, _ = read_cookie(reader, old_cookie, **rotated)
    assert reading["data"] == {"user": "ann"}

    # The reader re-signs on change, and it must sign with the NEW key only.
    _, response = read_cookie(reader, old_cookie, path="/touch", **rotated)
    new_cookie, _ = cookie_from(response)
    for judge in (reference, candidate):
        assert read_cookie(judge, new_cookie, SECRET_KEY="new-key")[0]["data"] == {"user": "ann", "touched": True}
        assert read_cookie(judge, new_cookie, SECRET_KEY="old-key")[0]["data"] == {}
