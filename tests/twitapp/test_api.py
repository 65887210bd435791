"""The JSON API: the site's own URLs with JSON in and out, codes a client can act on, and one
error shape (``{"error": {"code", "name", "description", "fields"?}}``) for every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import message_texts

JSON = {"Accept": "application/json"}


def _error(response: Any, code: int) -> dict[str, Any]:
    assert response.status_code == code, response.data
    assert response.mimetype == "application/json", response.data[:200]
    error = response.get_json()["error"]
    assert error["code"] == code and error["name"] and error["description"]
    return error


@pytest.fixture
def api(app_factory: Any) -> Any:
    """A client that speaks JSON, CSRF on: it fetches the token as a program would."""
    client = app_factory(CSRF_ENABLED=True).test_client()

    def call(method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
        token = client.get("/login", headers=JSON).get_json()["csrf_token"]
        headers = {**JSON, "X-CSRF-Token": token, **kwargs.pop("headers", {})}
        if body is None:
            return client.open(url, method=method, headers=headers, **kwargs)
        return client.open(url, method=method, json=body, headers=headers, **kwargs)

    client.call = call
    return client


def test_register_login_post_follow_delete_logout(api: Any) -> None:
    response = api.call("POST", "/register", {"username": "bob", "email": "bob@example.com", "password": "pw"})
    assert response.status_code == 201 and response.get_json()["user"]["username"] == "bob"
    assert response.headers["Location"] == "/bob"
    assert api.call("POST", "/register", {"username": "alice", "email": "a@example.com",
                                          "password": "pw", "password2": "pw"}).status_code == 201
    response = api.call("POST", "/login", {"username": "alice", "password": "pw"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "alice" and body["csrf_token"]

    response = api.call("POST", "/add_message", {"text": "from a program"})
    assert response.status_code == 201
    message = response.get_json()["message"]
    assert message["text"] == "from a program" and response.headers["Location"] == message["url"]
    assert api.get(message["url"], headers=JSON).get_json()["message"]["text"] == "from a program"
    assert api.call("POST", "/", {"text": "at home too"}).status_code == 201

    assert api.call("POST", "/bob/follow").status_code == 204
    assert api.call("POST", "/bob/follow").status_code == 204  # twice is fine
    assert api.get("/alice", headers=JSON).get_json()["user"]["following"] == 1
    assert api.call("POST", "/bob/unfollow").status_code == 204
    assert api.call("POST", message["url"] + "/delete").status_code == 204
    assert message_texts(api, "/public") == ["at home too"]
    assert api.call("POST", "/logout").status_code == 204
    _error(api.call("POST", "/add_message", {"text": "signed out"}), 401)


def test_field_errors(api: Any) -> None:
    error = _error(api.call("POST", "/register", {"username": "", "email": "x", "password": ""}), 400)
    assert set(error["fields"]) == {"username", "email", "password"}
    api.call("POST", "/register", {"username": "bob", "email": "bob@example.com", "password": "pw"})
    error = _error(api.call("POST", "/register", {"username": "BOB", "email": "b@example.com", "password": "pw"}), 409)
    assert error["fields"] == {"username": "The username is already taken"}
    error = _error(api.call("POST", "/login", {"username": "bob"}), 400)
    assert list(error["fields"]) == ["password"]
    error = _error(api.call("POST", "/login", {"username": "bob", "password": "wrong"}), 401)
    assert error["fields"] == {"password": "Invalid password"}
    assert api.call("POST", "/login", {"username": "bob", "password": "pw"}).status_code == 200
    error = _error(api.call("POST", "/add_message", {"text": "   "}), 400)
    assert error["fields"] == {"text": "You have to enter a message"}
    error = _error(api.call("POST", "/add_message", {"text": "x" * 281}), 400)
    assert error["fields"]["text"].startswith("Your message is too long")


def test_not_found_forbidden_and_self(api: Any) -> None:
    for name in ("alice", "bob"):
        api.call("POST", "/register", {"username": name, "email": f"{name}@example.com", "password": "pw"})
    api.call("POST", "/login", {"username": "bob", "password": "pw"})
    url = api.call("POST", "/add_message", {"text": "bob's"}).get_json()["message"]["url"]
    api.call("POST", "/logout")
    _error(api.call("POST", url + "/delete"), 401)
    _error(api.call("POST", "/bob/follow"), 401)
    api.call("POST", "/login", {"username": "alice", "password": "pw"})
    _error(api.call("POST", url + "/delete"), 403)
    _error(api.call("POST", "/bob/999999/delete"), 404)
    _error(api.call("POST", "/nobody/follow"), 404)
    _error(api.call("POST", "/alice/follow"), 400)
    _error(api.get("/nobody", headers=JSON), 404)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"text": 5}', b'{"text": ["a"]}', b"\xff\xfe"],
)
def test_bad_bodies_are_400_in_the_error_shape(api: Any, body: bytes) -> None:
    api.call("POST", "/register", {"username": "bob", "email": "bob@example.com", "password": "pw"})
    api.call("POST", "/login", {"username": "bob", "password": "pw"})
    _error(api.call("POST", "/add_message", data=body, headers={"Content-Type": "application/json"}), 400)
    api.call("POST", "/logout")
    for url in ("/register", "/login"):
        _error(api.call("POST", url, data=body, headers={"Content-Type": "application/json"}), 400)


def test_csrf_for_programs(app_factory: Any) -> None:
    client = app_factory(CSRF_ENABLED=True).test_client()
    body = {"username": "bob", "email": "bob@example.com", "password": "pw"}
    error = _error(client.post("/register", json=body), 400)
    assert "security token" in error["description"]
    token = client.get("/register", headers=JSON).get_json()["csrf_token"]
    assert client.post("/register", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_throttled_login_is_429(app_factory: Any) -> None:
    client = app_factory(LOGIN_MAX_FAILURES_PER_USER=2).test_client()
    client.post("/register", json={"username": "bob", "email": "bob@example.com", "password": "pw"})
    for _ in range(2):
        _error(client.post("/login", json={"username": "bob", "password": "no"}), 401)
    response = client.post("/login", json={"username": "bob", "password": "pw"})
    _error(response, 429)
    assert int(response.headers["Retry-After"]) > 0


ENDPOINTS = ["/register", "/login", "/logout", "/add_message", "/", "/bob/follow", "/bob/unfollow",
             "/bob/1/delete", "/nobody/follow", "/bob/999/delete", "/bob/x/delete", "/bob/followers"]
BAD_BODIES = [b"", b"{", b"[]", b"123", b'"s"', b"null", b"true", b'{"text": {"a": 1}}',
              b'{"username": 1, "password": [], "email": null}', b'{"text": "' + b"x" * 5000 + b'"}',
              b"\xff\xfe\x00", b'{"text": "\\ud800"}', b'{"csrf_token": 5}']


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_every_endpoint_answers_bad_input_with_the_error_shape(app_factory: Any, signed_in: bool) -> None:
    """Garbage in JSON to every writing URL: a 4xx in the error shape, never a 500 or HTML."""
    for csrf in (False, True):
        client = app_factory(CSRF_ENABLED=csrf).test_client()
        token = client.get("/login", headers=JSON).get_json()["csrf_token"]
        for name in ("bob", "alice"):
            client.post("/register", json={"username": name, "email": f"{name}@example.com", "password": "pw"},
                        headers={"X-CSRF-Token": token})
        if signed_in:
            client.post("/login", json={"username": "alice", "password": "pw"}, headers={"X-CSRF-Token": token})
            token = client.get("/login", headers=JSON).get_json()["csrf_token"]
        for url in ENDPOINTS:
            for body in BAD_BODIES:
                for headers in ({"Content-Type": "application/json"},
                                {"Content-Type": "application/json", "X-CSRF-Token": token}):
                    response = client.post(url, data=body, headers={**headers, **JSON})
                    code = response.status_code
                    if code < 400:
                        continue  # e.g. logout, or a follow whose body is not read: done, fine
                    assert 400 <= code < 500, (url, body, code, response.data[:300])
                    assert response.mimetype == "application/json", (url, body, response.data[:200])
                    error = response.get_json()["error"]
                    assert error["code"] == code and error["description"]
            if signed_in and url == "/logout":
                client.post("/login", json={"username": "alice", "password": "pw"},
                            headers={"X-CSRF-Token": client.get("/login", headers=JSON).get_json()["csrf_token"]})
                token = client.get("/login", headers=JSON).get_json()["csrf_token"]
