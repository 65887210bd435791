"""Registration, login and logout: MiniTwit's messages word for word, refilled forms."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import escape

from twitapp import db

from .helpers import flashes, login, register, register_and_login


def test_register_then_login_then_logout(client: Any) -> None:
    response = register(client, "alice", follow_redirects=True)
    assert response.request.path == "/login"
    assert flashes(response.text) == [("success", "You were successfully registered and can login now")]

    response = login(client, "alice", follow_redirects=True)
    assert response.request.path == "/"
    assert flashes(response.text) == [("success", "You were logged in")]
    assert "sign out [alice]" in response.text

    response = client.get("/logout", follow_redirects=True)
    assert response.request.path == "/public"
    assert flashes(response.text) == [("success", "You were logged out")]
    assert "sign out" not in response.text
    assert client.get("/").status_code == 302  # signed out again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": ""}, "You have to enter a username"),
        ({"username": "   "}, "You have to enter a username"),
        ({"email": ""}, "You have to enter a valid email address"),
        ({"email": "broken"}, "You have to enter a valid email address"),
        ({"email": "a@b"}, "You have to enter a valid email address"),
        ({"email": "two words@example.com"}, "You have to enter a valid email address"),
        ({"email": "x" * 250 + "@example.com"}, "You have to enter a valid email address"),
        ({"password": "", "password2": ""}, "You have to enter a password"),
        ({"password2": "other"}, "The two passwords do not match"),
        ({"username": "<script>"}, "A username has 1 to 32 letters"),
        ({"username": "a" * 33}, "A username has 1 to 32 letters"),
        ({"username": "-dash"}, "A username has 1 to 32 letters"),
        ({"username": "rob'); DROP TABLE user;--"}, "A username has 1 to 32 letters"),
        ({"username": "public"}, "The username is already taken"),
        ({"username": "Login"}, "The username is already taken"),
    ],
)
def test_register_errors_refill_the_form(client: Any, fields: dict[str, str], message: str) -> None:
    data = {"username": "newbie", "email": "newbie@example.com", "password": "pw", "password2": "pw"}
    data.update(fields)
    response = client.post("/register", data=data)
    assert response.status_code == 400
    shown = flashes(response.text)
    assert len(shown) == 1 and shown[0][0] == "error" and shown[0][1].startswith(message)
    # The form comes back with what was typed, except the passwords.
    if data["username"].strip():
        assert f'value="{escape(data["username"].strip())}"' in response.text
    if data["email"]:
        assert f'value="{data["email"]}"' in response.text
    assert 'value="pw"' not in response.text
    with client.application.app_context():
        assert db.get_db().count("user") == 0


def test_username_taken_ignores_case(client: Any) -> None:
    assert register(client, "alice", follow_redirects=True).status_code == 200
    for name in ("alice", "ALICE", "Alice"):
        response = register(client, name)
        assert response.status_code == 400
        assert flashes(response.text) == [("error", "The username is already taken")]


def test_duplicate_insert_race_is_reported_not_500(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two registrations of one name at once: the unique index decides, politely."""
    assert register(client, "alice", follow_redirects=True).status_code == 200
    monkeypatch.setattr(db.Connection, "user_by_name", lambda self, name: None)
    response = register(client, "alice")
    assert response.status_code == 400
    assert flashes(response.text) == [("error", "The username is already taken")]


def test_login_errors(client: Any) -> None:
    register(client, "alice", "right", follow_redirects=True)
    response = login(client, "bob", "right")
    assert response.status_code == 400
    assert flashes(response.text) == [("error", "Invalid username")]
    assert 'value="bob"' in response.text

    response = login(client, "alice", "wrong")
    assert response.status_code == 400
    assert flashes(response.text) == [("error", "Invalid password")]

    response = login(client, "' OR '1'='1", "' OR '1'='1")
    assert flashes(response.text) == [("error", "Invalid username")]
    assert client.get("/").status_code == 302  # still signed out


def test_login_name_is_case_insensitive(client: Any) -> None:
    register(client, "Alice", follow_redirects=True)
    response = login(client, "aLiCe", follow_redirects=True)
    assert flashes(response.text) == [("success", "You were logged in")]
    assert "sign out [Alice]" in response.text


def test_signed_in_user_is_sent_home_from_forms(client: Any) -> None:
    register_and_login(client, "alice")
    for path in ("/login", "/register"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/"


def test_forms_render(client: Any) -> None:
    for path, fields in (("/login", ("username", "password")),
                         ("/register", ("username", "email", "password", "password2"))):
        response = client.get(path)
        assert response.status_code == 200
        for field in fields:
            assert f'name="{field}"' in response.text


def test_password_is_stored_hashed_with_scrypt_by_default(app_factory: Any) -> None:
    app = app_factory(PASSWORD_HASH_METHOD="scrypt")
    client = app.test_client()
    register(client, "alice", "my clear password")
    with app.app_context():
        user = db.get_db().user_by_name("alice")
    assert user is not None
    assert user["pw_hash"].startswith("scrypt:")
    assert "my clear password" not in user["pw_hash"]
    assert login(client, "alice", "my clear password").status_code == 302


def test_stale_session_user_is_signed_out(client: Any) -> None:
    register_and_login(client, "alice")
    with client.application.app_context():
        from twitapp import init_db
        init_db()  # the user vanishes under the session
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/public"


def test_missing_form_fields_are_client_errors(client: Any) -> None:
    assert client.post("/register", data={}).status_code == 400
    assert client.post("/login", data={}).status_code == 400
