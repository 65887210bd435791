"""CSRF tokens, security headers, cookie flags, login throttling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import twitapp
from twitapp import db

from .helpers import flashes, login, message_texts, post, register, register_and_login


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no CSRF field"
    return match.group(1)


# --------------------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_client(app_factory: Any) -> Any:
    return app_factory(CSRF_ENABLED=True).test_client()


def _register_with_token(client: Any, name: str) -> None:
    token = _token(client.get("/register").text)
    data = {"username": name, "email": f"{name}@example.com", "password": "pw",
            "password2": "pw", "csrf_token": token}
    assert client.post("/register", data=data).status_code == 302


def test_forms_work_with_their_token(csrf_client: Any) -> None:
    client = csrf_client
    _register_with_token(client, "bob")
    _register_with_token(client, "alice")
    token = _token(client.get("/login").text)
    response = client.post("/login", data={"username": "alice", "password": "pw", "csrf_token": token})
    assert response.status_code == 302
    home = client.get("/").text
    token = _token(home)
    assert client.post("/add_message", data={"text": "hi", "csrf_token": token}).status_code == 302
    token = _token(client.get("/bob").text)
    assert client.post("/bob/follow", data={"csrf_token": token}).status_code == 302
    # The header form is accepted too (for scripts).
    assert client.post("/bob/unfollow", headers={"X-CSRF-Token": token}).status_code == 302
    assert message_texts(client, "/public") == ["hi"]


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 43, "\N{SNOWMAN}" * 10])
def test_missing_or_wrong_token_is_400_and_changes_nothing(csrf_client: Any, token: str | None) -> None:
    client = csrf_client
    _register_with_token(client, "bob")
    extra = {} if token is None else {"csrf_token": token}

    response = client.post("/register", data={"username": "eve", "email": "eve@example.com",
                                              "password": "pw", "password2": "pw", **extra})
    assert response.status_code == 400
    assert "security token" in response.text
    response = client.post("/login", data={"username": "bob", "password": "pw", **extra})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in

    # Signed in properly, the state-changing forms still need the token.
    token_ok = _token(client.get("/login").text)
    client.post("/login", data={"username": "bob", "password": "pw", "csrf_token": token_ok})
    assert client.post("/add_message", data={"text": "forged", **extra}).status_code == 400
    assert message_texts(client, "/public") == []
    with client.application.app_context():
        conn = db.get_db()
        assert conn.user_by_name("eve") is None
        assert conn.count("follower") == 0


def test_token_from_another_session_is_refused(csrf_client: Any, app_factory: Any) -> None:
    other = csrf_client.application.test_client()
    stolen = _token(other.get("/register").text)
    _token(csrf_client.get("/register").text)  # csrf_client has a token of its own
    data = {"username": "eve", "email": "eve@example.com", "password": "pw", "password2": "pw",
            "csrf_token": stolen}
    assert csrf_client.post("/register", data=data).status_code == 400


def test_token_is_renewed_at_login(csrf_client: Any) -> None:
    client = csrf_client
    _register_with_token(client, "bob")
    before = _token(client.get("/login").text)
    client.post("/login", data={"username": "bob", "password": "pw", "csrf_token": before})
    assert _token(client.get("/").text) != before


def test_routing_errors_come_before_the_token_check(csrf_client: Any) -> None:
    response = csrf_client.post("/public")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert csrf_client.post("/no/such/page").status_code == 404


def test_csrf_error_as_json(csrf_client: Any) -> None:
    # Signed out, posting is refused for that reason first: 401, not a missing token.
    response = csrf_client.post("/add_message", data={"text": "x"}, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == 401
    _register_with_token(csrf_client, "bob")
    token = _token(csrf_client.get("/login").text)
    csrf_client.post("/login", data={"username": "bob", "password": "pw", "csrf_token": token})
    response = csrf_client.post("/add_message", json={"text": "x"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400 and "security token" in error["description"]


def test_csrf_failure_shows_the_form_again_signed_in(csrf_client: Any) -> None:
    """An expired token: the draft comes back, at the field, with a fresh token, still signed in."""
    _register_with_token(csrf_client, "bob")
    token = _token(csrf_client.get("/login").text)
    csrf_client.post("/login", data={"username": "bob", "password": "pw", "csrf_token": token})
    response = csrf_client.post("/", data={"text": "my precious draft", "csrf_token": "stale"})
    assert response.status_code == 400
    page = response.text
    assert "sign out [bob]" in page
    assert ">my precious draft</textarea>" in page
    assert 'aria-invalid="true"' in page and "security token" in page
    fresh = _token(page)
    assert csrf_client.post("/", data={"text": "my precious draft", "csrf_token": fresh}).status_code == 302
    assert message_texts(csrf_client, "/public") == ["my precious draft"]


@pytest.mark.parametrize("path", ["/", "/no-such-user/follow", "/no-such-user/unfollow"])
def test_a_form_that_cannot_come_back_gets_the_plain_csrf_400(csrf_client: Any, path: str) -> None:
    # Found by tests/hostile: the retry showed a home page nobody was signed in to, or looked
    # up a user that does not exist, and the error raised there was a 500.
    if path != "/":
        _register_with_token(csrf_client, "bob")
        token = _token(csrf_client.get("/login").text)
        csrf_client.post("/login", data={"username": "bob", "password": "pw", "csrf_token": token})
    response = csrf_client.post(path, data={"text": "hi"})
    assert response.status_code == 400
    assert "security token" in response.text


def test_csrf_failure_keeps_the_registration_draft(csrf_client: Any) -> None:
    csrf_client.get("/register")
    response = csrf_client.post("/register", data={"username": "eve", "email": "eve@example.com",
                                                   "password": "pw", "password2": "pw"})
    assert response.status_code == 400
    assert 'value="eve"' in response.text and 'value="eve@example.com"' in response.text
    assert 'value="pw"' not in response.text
    assert _token(response.text)


# --------------------------------------------------------------------------- headers and cookies


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/public", None), ("/public", "application/json"), ("/login", None), ("/nobody", None),
     ("/nobody", "application/json"), ("/static/style.css", None), ("/", None)],
)
def test_security_headers_everywhere(client: Any, path: str, accept: str | None) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "img-src 'self';" in policy  # no third party unless Gravatar is turned on


def test_gravatar_host_allowed_only_when_configured(app_factory: Any) -> None:
    client = app_factory(GRAVATAR_URL="https://www.gravatar.com/avatar/").test_client()
    policy = client.get("/public").headers["Content-Security-Policy"]
    assert "img-src 'self' https://www.gravatar.com;" in policy


def test_static_stylesheet(client: Any) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b"@media" in response.data  # the responsive rules ship


def test_pages_satisfy_the_policy(client: Any) -> None:
    """No inline script, style attribute or event handler on any page the app renders."""
    register_and_login(client, "alice")
    post(client, "<p style='color:red' onclick='x()'>hi</p>")
    register(client, "bob")
    pages = [client.get(path).text for path in ("/", "/public", "/alice", "/bob", "/bob/follow",
                                                 "/nobody", "/add_message")]
    client.get("/logout")
    pages += [client.get(path).text for path in ("/login", "/register")]
    # A script or style element, or a style/on* attribute or javascript: URL inside a tag.
    # (A <script src=...> of the site's own is what the policy allows.)
    inline = re.compile(r"<script\b(?![^>]*\ssrc=)|<style\b|<[a-z][^>]*\s(style|on[a-z]+)=|<[^>]*javascript:",
                        re.IGNORECASE)
    for page in pages:
        assert not inline.search(page), inline.search(page)
    templates = Path(twitapp.__file__).parent / "templates"
    for template in templates.glob("*.html"):
        assert not inline.search(template.read_text()), template


def test_session_cookie_flags(app_factory: Any) -> None:
    client = app_factory().test_client()
    register(client, "alice")
    response = login(client, "alice")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie

    secure = app_factory(SESSION_COOKIE_SECURE=True).test_client()
    response = login(secure, "alice")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_oversized_body_is_413(client: Any) -> None:
    register_and_login(client, "alice")
    response = post(client, "x" * (65 * 1024))
    assert response.status_code == 413
    assert message_texts(client, "/public") == []


# --------------------------------------------------------------------------- login throttling


@pytest.fixture
def throttled(app_factory: Any) -> Any:
    app = app_factory(LOGIN_MAX_FAILURES_PER_USER=3, LOGIN_MAX_FAILURES_PER_ADDRESS=5,
                      LOGIN_FAILURE_WINDOW=600)
    client = app.test_client()
    register(client, "alice", "right", follow_redirects=True)
    register(client, "bob", "right", follow_redirects=True)
    return client


def test_throttle_per_username(throttled: Any) -> None:
    client = throttled
    for _ in range(3):
        assert flashes(login(client, "alice", "wrong").text) == [("error", "Invalid password")]
    response = login(client, "alice", "right")  # even the right password waits now
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 600
    assert "Too many failed logins" in response.text
    assert client.get("/").status_code == 302
    # The same name from another address is blocked too; another name is not.
    other = {"REMOTE_ADDR": "10.0.0.9"}
    assert login(client, "ALICE", "right", environ_base=other).status_code == 429
    assert login(client, "bob", "right", environ_base=other).status_code == 302


def test_throttle_per_address(throttled: Any) -> None:
    client = throttled
    for name in ("carol", "dave", "erin", "frank", "gina"):  # unknown names count too
        assert login(client, name, "guess").status_code == 400
    response = login(client, "bob", "right")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    json = login(client, "bob", "right", headers={"Accept": "application/json"})
    assert json.status_code == 429 and json.get_json()["error"]["code"] == 429
    # A different address is not affected.
    assert login(client, "bob", "right", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_success_clears_the_username_counter(throttled: Any) -> None:
    client = throttled
    for _ in range(2):
        login(client, "alice", "wrong")
    assert login(client, "alice", "right").status_code == 302
    client.get("/logout")
    for _ in range(2):
        assert login(client, "alice", "wrong").status_code == 400
    assert login(client, "alice", "right").status_code == 302


def test_throttle_window_expires(throttled: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = throttled
    for _ in range(3):
        login(client, "alice", "wrong")
    login(client, "carol", "guess")
    assert login(client, "alice", "right").status_code == 429
    later = db.now() + 601
    monkeypatch.setattr(db, "now", lambda: later)
    assert login(client, "alice", "right").status_code == 302
    client.get("/logout")
    # A new window counts from one again, and the expired counters are gone.
    login(client, "alice", "wrong")
    with client.application.app_context():
        rows = db.get_db().login_failures(["user:alice", "addr:127.0.0.1", "user:carol"])
    assert sorted((row["bucket"], row["failures"]) for row in rows) == [("addr:127.0.0.1", 1), ("user:alice", 1)]
    assert login(client, "alice", "right").status_code == 302
