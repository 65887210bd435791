"""Timelines and posting: HTML and JSON, keyset pagination, escaping, literal storage."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitapp import db, queries

from .helpers import flashes, login, message_texts, post, register, register_and_login


def test_home_redirects_to_public_when_signed_out(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.location == "/public"


def test_post_message_shows_everywhere(client: Any) -> None:
    register_and_login(client, "alice")
    response = post(client, "first tweet", follow_redirects=True)
    assert response.request.path == "/"
    assert flashes(response.text) == [("success", "Your message was recorded")]
    assert "first tweet" in response.text
    for url in ("/", "/public", "/alice"):
        assert message_texts(client, url) == ["first tweet"]
    assert "There's no message so far." not in client.get("/public").text


def test_empty_public_timeline(client: Any) -> None:
    response = client.get("/public")
    assert response.status_code == 200
    assert "There's no message so far." in response.text


def test_add_message_needs_a_user(client: Any) -> None:
    response = post(client, "anonymous")
    assert response.status_code == 401
    assert message_texts(client, "/public") == []


def test_add_message_other_methods(client: Any) -> None:
    # A reload of an old /add_message address goes home (and, signed out, on to /public).
    response = client.get("/add_message")
    assert response.status_code == 302 and response.location == "/"
    response = client.put("/add_message")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t"])
def test_blank_message_is_refused(client: Any, text: str) -> None:
    register_and_login(client, "alice")
    response = post(client, text)
    assert response.status_code == 400
    assert flashes(response.text) == [("error", "You have to enter a message")]
    assert message_texts(client, "/public") == []


def test_missing_text_field_is_400(client: Any) -> None:
    register_and_login(client, "alice")
    assert client.post("/add_message", data={}).status_code == 400


def test_message_length_limit(client: Any) -> None:
    register_and_login(client, "alice")
    assert "At most 280 characters." in client.get("/").text
    too_long = "x" * 281
    response = post(client, too_long)
    assert response.status_code == 400
    (category, text), = flashes(response.text)
    assert category == "error" and text.startswith("Your message is too long: at most 280 characters")
    assert f">{too_long}</textarea>" in response.text  # the draft comes back
    assert message_texts(client, "/public") == []

    exactly = "y" * 280
    assert post(client, exactly).status_code == 302
    # 280 characters outside the Basic Multilingual Plane: 4 bytes each in utf8mb4.
    wide = "\N{GRINNING FACE}" * 280
    assert post(client, wide).status_code == 302
    # A CR LF typed in a browser counts as one character.
    assert post(client, "a\r\n" * 140).status_code == 302
    assert message_texts(client, "/public") == ["a\n" * 140, wide, exactly]


def test_script_is_shown_escaped(client: Any) -> None:
    register_and_login(client, "alice")
    payload = "<script>alert('pwned')</script> & <b>bold</b>"
    post(client, payload)
    for url in ("/", "/public", "/alice"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert message_texts(client, "/public") == [payload]


@pytest.mark.parametrize(
    "payload",
    [
        "'); DROP TABLE message; --",
        "\" OR 1=1 --",
        "100% of ? placeholders %s %(name)s ?? {0}",
        "Robert'); DELETE FROM user WHERE ('1'='1",
        "\\'; SELECT SLEEP(5); -- \\",
        "nul \x00 byte",
    ],
)
def test_sql_shaped_text_is_stored_literally(client: Any, payload: str) -> None:
    register_and_login(client, "alice")
    assert post(client, payload).status_code == 302
    assert post(client, "after").status_code == 302
    assert message_texts(client, "/public") == ["after", payload]
    with client.application.app_context():
        assert db.get_db().count("user") == 1


def test_user_timeline(client: Any) -> None:
    register_and_login(client, "alice")
    post(client, "from alice")
    client.get("/logout")
    register_and_login(client, "bob")
    post(client, "from bob")
    assert message_texts(client, "/alice") == ["from alice"]
    assert message_texts(client, "/bob") == ["from bob"]
    assert message_texts(client, "/ALICE") == ["from alice"]  # names match without case
    assert message_texts(client, "/public") == ["from bob", "from alice"]
    page = client.get("/bob").text
    assert "This is you!" in page
    assert "bob&#39;s Timeline" in page


@pytest.mark.parametrize("path", ["/nobody", "/nobody?before=3", "/%3Cscript%3E", "/a%27b"])
def test_unknown_user_is_404(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.text
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404
    assert "Accept" in response.headers["Vary"]


def test_json_answer(client: Any) -> None:
    register(client, "alice", email="  Alice@Example.COM ")
    login(client, "alice")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    post(client, "hello json")
    for url in ("/", "/public", "/alice"):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert "Accept" in response.headers["Vary"]
        body = response.get_json()
        assert body["next"] is None and body["next_url"] is None
        (message,) = body["messages"]
        assert message["author"] == "alice"
        assert message["text"] == "hello json"
        assert isinstance(message["message_id"], int)
        published = datetime.fromisoformat(message["pub_date"])
        assert published.tzinfo is not None
        assert before <= published <= datetime.now(timezone.utc)
        digest = hashlib.sha256(b"alice@example.com").hexdigest()[:32]
        assert message["avatar"] == f"/avatars/{digest}.svg"
        assert message["url"] == f"/alice/{message['message_id']}"


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("text/html", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json", True),
        ("application/json, text/html;q=0.5", True),
        ("text/html;q=0.1, application/json", True),
    ],
)
def test_content_negotiation(client: Any, accept: str | None, json: bool) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/public", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == ("application/json" if json else "text/html")
    assert "Accept" in response.headers["Vary"]


def test_avatar_is_the_apps_own_picture(client: Any) -> None:
    """No third party by default: the picture is an identicon served by the app."""
    register(client, "alice", email="Alice@Example.com")
    login(client, "alice")
    post(client, "pic")
    digest = hashlib.sha256(b"alice@example.com").hexdigest()[:32]
    page = client.get("/public").text
    assert f'src="/avatars/{digest}.svg"' in page
    assert "gravatar" not in page.lower()
    picture = client.get(f"/avatars/{digest}.svg")
    assert picture.status_code == 200 and picture.mimetype == "image/svg+xml"
    assert picture.text.startswith("<svg") and "<path" in picture.text
    assert "immutable" in picture.headers["Cache-Control"]
    assert client.get(f"/avatars/{digest}.svg").data == picture.data  # the same every time
    other = client.get(f"/avatars/{'0' * 31}1.svg").data
    assert other != picture.data
    for bad in ("xyz", digest[:-1], digest.upper(), "../etc"):
        assert client.get(f"/avatars/{bad}.svg").status_code == 404


def test_gravatar_when_configured_falls_back_to_the_identicon(app_factory: Any) -> None:
    client = app_factory(GRAVATAR_URL="https://www.gravatar.com/avatar/").test_client()
    register(client, "alice", email="Alice@Example.com")
    login(client, "alice")
    post(client, "pic")
    digest = hashlib.sha256(b"alice@example.com").hexdigest()
    page = client.get("/public").text
    assert f'src="https://www.gravatar.com/avatar/{digest}?d=404&amp;s=48"' in page
    assert f'data-fallback="/avatars/{digest[:32]}.svg"' in page


# --------------------------------------------------------------------------- pagination


def _post_numbered(client: Any, count: int) -> None:
    for number in range(count):
        assert post(client, f"message {number}").status_code == 302


def _walk(client: Any, url: str) -> list[list[str]]:
    """Follow ``next_url`` from ``url`` to the end; the texts of every page."""
    pages = []
    while url:
        body = client.get(url, headers={"Accept": "application/json"}).get_json()
        pages.append([message["text"] for message in body["messages"]])
        assert (body["next"] is None) == (body["next_url"] is None)
        url = body["next_url"]
    return pages


@pytest.mark.parametrize("url", ["/", "/public", "/alice"])
def test_pagination_walks_every_message_once(app_factory: Any, url: str) -> None:
    client = app_factory(MESSAGES_PER_PAGE=3).test_client()
    register_and_login(client, "alice")
    _post_numbered(client, 7)
    assert _walk(client, url) == [
        ["message 6", "message 5", "message 4"],
        ["message 3", "message 2", "message 1"],
        ["message 0"],
    ]


def test_pagination_edges(app_factory: Any) -> None:
    client = app_factory(MESSAGES_PER_PAGE=3).test_client()
    register_and_login(client, "alice")
    _post_numbered(client, 6)  # exactly two full pages
    assert _walk(client, "/public") == [
        ["message 5", "message 4", "message 3"],
        ["message 2", "message 1", "message 0"],
    ]
    first = client.get("/public", headers={"Accept": "application/json"}).get_json()
    cursor = first["next"]
    assert first["next_url"] == f"/public?before={cursor}"

    # The HTML pages link to the older page, and back to the newest from later pages.
    page = client.get("/public").text
    assert f'href="/public?before={cursor}" rel="next">older messages' in page
    assert "newest messages" not in page
    older = client.get(f"/public?before={cursor}").text
    assert "older messages" not in older and 'href="/public">newest messages' in older

    # A cursor past the newest message shows the newest page; before the oldest, nothing.
    assert message_texts(client, "/public?before=999999") == ["message 5", "message 4", "message 3"]
    assert message_texts(client, "/public?before=1") == []
    assert message_texts(client, "/public?before=") == ["message 5", "message 4", "message 3"]


@pytest.mark.parametrize("cursor", ["abc", "0", "-1", "1.5", "1e3", "99999999999999999999", "%00", "１２"])
def test_bad_cursor_is_400(client: Any, cursor: str) -> None:
    register_and_login(client, "alice")
    for url in ("/", "/public", "/alice"):
        response = client.get(f"{url}?before={cursor}")
        assert response.status_code == 400
        assert "before" in response.text


def test_home_timeline_merges_followed_authors(app_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-author merge gives the same pages as a plain sort, also across statement chunks."""
    monkeypatch.setattr(queries, "HOME_AUTHORS_PER_STATEMENT", 2)
    client = app_factory(MESSAGES_PER_PAGE=4).test_client()
    names = [f"user{n}" for n in range(6)]
    expected = []
    for round_ in range(3):
        for name in names:
            if round_ == 0:
                register(client, name)
            login(client, name)
            if name != "user5":  # user5 is not followed: their messages must not show
                expected.append(f"{name} says {round_}")
            post(client, f"{name} says {round_}")
            client.get("/logout")
    login(client, "user0")
    for name in names[1:5]:
        assert client.post(f"/{name}/follow").status_code == 302
    pages = _walk(client, "/")
    assert [text for page in pages for text in page] == list(reversed(expected))
    assert [len(page) for page in pages] == [4, 4, 4, 3]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=280).filter(lambda t: t.strip()))
def test_any_text_comes_back_exactly(client: Any, text: str) -> None:
    """Whatever a person types (any Unicode, quotes, NULs, emoji) is stored and shown as typed."""
    if not client.get("/").status_code == 200:
        register_and_login(client, "writer")
    assert post(client, text).status_code == 302
    assert message_texts(client, "/public")[0] == text.replace("\r\n", "\n")
