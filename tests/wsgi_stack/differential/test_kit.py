"""The kit itself: it must notice a difference, name the field, and not invent one."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import flask
import pytest

from . import kit
from .kit import Difference, Scenario, all_scenarios, compare, decode_session_payload, differential, parse_set_cookie, req
from .sessioncookies import flask_cookie


def _observation(**fields: Any) -> list[tuple[str, dict[str, Any]]]:
    base: dict[str, Any] = {"status": "200 OK", "header Content-Type": "text/html; charset=utf-8",
                            "Set-Cookie": [], "body": b"x"}
    base.update(fields)
    return [("request 1 (GET /)", base)]


def test_identical_observations_have_no_difference() -> None:
    assert compare(_observation(), _observation()) == []


def test_a_status_difference_names_the_field_and_both_values() -> None:
    [difference] = compare(_observation(), _observation(status="404 NOT FOUND"))
    assert difference == Difference("request 1 (GET /)", "status", "200 OK", "404 NOT FOUND")
    assert "status" in str(difference) and "404 NOT FOUND" in str(difference)


def test_raised_versus_response_is_an_outcome_difference() -> None:
    raised = [("request 1 (GET /)", {"raised": "ZeroDivisionError", "message": "boom"})]
    [difference] = compare(_observation(), raised)
    assert difference.field == "outcome"
    assert difference.candidate == "raised ZeroDivisionError: boom"


def test_exception_messages_are_not_compared_but_types_are() -> None:
    a = [("p", {"raised": "RuntimeError", "message": "one wording"})]
    b = [("p", {"raised": "RuntimeError", "message": "another wording"})]
    c = [("p", {"raised": "TypeError", "message": "one wording"})]
    assert compare(a, b) == []
    assert [d.field for d in compare(a, c)] == ["outcome"]


def test_set_cookie_attributes_are_compared_one_by_one() -> None:
    ref = [parse_set_cookie("a=1; Path=/; HttpOnly; SameSite=Lax")]
    cand = [parse_set_cookie("a=1; Path=/x; SameSite=Lax")]
    fields = sorted(d.field for d in compare(_observation(**{"Set-Cookie": ref}), _observation(**{"Set-Cookie": cand})))
    assert fields == ["Set-Cookie[0] 'a' attribute httponly", "Set-Cookie[0] 'a' attribute path"]


def test_expires_tolerates_a_few_seconds_only() -> None:
    def cookie(expires: str) -> list[dict[str, Any]]:
        return [parse_set_cookie(f"s=v; Expires={expires}; Path=/")]

    near = compare(_observation(**{"Set-Cookie": cookie("Wed, 02 Jan 2030 03:04:05 GMT")}),
                   _observation(**{"Set-Cookie": cookie("Wed, 02 Jan 2030 03:04:07 GMT")}))
    far = compare(_observation(**{"Set-Cookie": cookie("Wed, 02 Jan 2030 03:04:05 GMT")}),
                  _observation(**{"Set-Cookie": cookie("Wed, 02 Jan 2030 03:05:05 GMT")}))
    assert near == []
    assert [d.field for d in far] == ["Set-Cookie[0] 's' attribute expires"]


def test_session_cookies_are_compared_by_decoded_payload() -> None:
    plain = flask_cookie({"a": 1}, "k")
    packed = flask_cookie({"text": "abc " * 100}, "k")
    assert decode_session_payload(plain) == ("plain", '{"a":1}')
    assert decode_session_payload(packed)[0] == "zlib"
    # Two cookies for the same data signed at different times compare equal; different data does not.
    later = flask_cookie({"a": 1}, "k", age_seconds=100)
    assert plain != later
    assert parse_set_cookie(f"session={plain}", ["session"]) == parse_set_cookie(f"session={later}", ["session"])
    other = flask_cookie({"a": 2}, "k")
    assert parse_set_cookie(f"session={plain}", ["session"]) != parse_set_cookie(f"session={other}", ["session"])


def test_a_different_framework_is_caught(tmp_path: Path) -> None:
    """A Flask whose responses default to text/plain must fail a scenario that Flask passes."""
    fake = types.ModuleType("fake_flask")
    fake.__dict__.update(flask.__dict__)
    fake.__name__ = "fake_flask"

    class PlainResponse(flask.Response):
        default_mimetype = "text/plain"

    class PlainFlask(flask.Flask):
        response_class = PlainResponse

    fake.Flask = PlainFlask  # type: ignore[attr-defined]

    def build(fw: Any, root: Path) -> Any:
        app = kit.make_app(fw, root)
        app.add_url_rule("/", "index", lambda: "hi")
        return app

    scenario = Scenario(name="self-test", build=build, requests=(req("/"),), group="kit")
    assert differential(scenario, flask, flask, tmp_path / "same") == []
    differences = differential(scenario, flask, fake, tmp_path / "differ")
    assert [(d.field, d.reference, d.candidate) for d in differences] == [
        ("header Content-Type", "text/html; charset=utf-8", "text/plain; charset=utf-8")
    ]


def test_upload_data_is_fresh_for_each_framework(tmp_path: Path) -> None:
    # Both runs must see the file's bytes, not the second an exhausted stream.
    scenario = next(s for s in all_scenarios() if s.name.startswith("file upload"))
    first = kit.run(scenario, flask, tmp_path / "a")
    second = kit.run(scenario, flask, tmp_path / "b")
    assert b"hello file" in first[0][1]["body"]
    assert first == second


def test_there_are_enough_distinct_scenarios_in_every_group() -> None:
    scenarios = all_scenarios()
    groups: dict[str, int] = {}
    for scenario in scenarios:
        groups[scenario.group] = groups.get(scenario.group, 0) + 1
    assert len({s.name for s in scenarios}) == len(scenarios) >= 120
    assert set(groups) >= {"routing", "request", "response", "errors", "sessions", "templates", "hooks"}


@pytest.mark.parametrize("name", ["slash rule redirects the slashless URL with 308"])
def test_report_script_lists_scenarios(name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from . import report

    monkeypatch.setattr(sys, "argv", ["report"])
    status = report.main(["--candidate", "flask", "--only", "routing: slash"])
    out = capsys.readouterr().out
    assert status == 0
    assert name in out and "flask vs flask" in out and "0 differ unexpectedly" in out
