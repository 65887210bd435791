"""The default JSON provider reuses its encoders: the same text as ``json.dumps``, every option."""

import datetime as dt
import decimal
import json

import pytest

from wsgi_stack import Flask
from wsgi_stack.json import provider

VALUE = {"b": [1, 2.5, None], "a": "é<>&", "when": dt.date(2024, 1, 2), "n": decimal.Decimal("1.10")}


class Upper(json.JSONEncoder):
    def encode(self, o):
        return super().encode(o).upper()


@pytest.mark.parametrize("options", [
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"sort_keys": False, "ensure_ascii": False},
    {"separators": [",", ":"]},  # unhashable: built for the call, never cached
    {"cls": Upper},
])
def test_dumps_is_json_dumps_with_the_providers_defaults(options):
    app = Flask(__name__)
    expected = json.dumps(VALUE, **{"default": provider._default, "ensure_ascii": True, "sort_keys": True, **options})
    assert app.json.dumps(VALUE, **options) == expected
    assert app.json.dumps(VALUE, **options) == expected  # again, from the cached encoder


def test_provider_attributes_changed_later_are_followed():
    app = Flask(__name__)
    assert app.json.dumps({"b": 1, "a": "é"}) == '{"a": "\\u00e9", "b": 1}'
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    assert app.json.dumps({"b": 1, "a": "é"}) == '{"b": 1, "a": "é"}'


def test_encoder_cache_is_bounded():
    app = Flask(__name__)
    for indent in range(provider._MAX_ENCODERS * 3):
        assert app.json.dumps([1], indent=indent) == json.dumps([1], indent=indent)
    assert len(provider._encoders) <= provider._MAX_ENCODERS
