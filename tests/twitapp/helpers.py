"""Helpers the twitapp tests share: driving the forms and reading the pages."""

from __future__ import annotations

import html
import re
from typing import Any

import twitapp
from twitapp import db

#: Hashing with the real default (scrypt) takes ~50 ms; tests register hundreds of users.
FAST_HASH = "pbkdf2:sha256:1000"
TEST_KEY = "test-secret-key-that-is-long-enough-0123456789"


def make_app(database_url: str, **overrides: Any) -> Any:
    """A test app on ``database_url`` with empty tables.

    ``create_app`` creates the schema where it is missing; emptying the tables is much
    faster than ``init_db``'s DROP/CREATE on MariaDB (each DDL statement syncs to disk).
    """
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_KEY,
        "DATABASE_URL": database_url,
        "CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_HASH,
    }
    config.update(overrides)
    app = twitapp.create_app(config)
    with app.app_context():
        db.get_db().delete_all()
    return app


def flashes(page: str) -> list[tuple[str, str]]:
    """(category, text) of every flashed message shown on a page (text HTML-unescaped)."""
    found = re.findall(
        r'<li class="flash flash-([a-z]+)"><span class="category">[a-z]+:</span> (.*?)</li>', page
    )
    return [(category, html.unescape(text)) for category, text in found]


def register(client: Any, username: str, password: str = "secret", password2: str | None = None,
             email: str | None = None, **kwargs: Any) -> Any:
    return client.post(
        "/register",
        data={
            "username": username,
            "password": password,
            "password2": password if password2 is None else password2,
            "email": email if email is not None else f"{username}@example.com",
        },
        **kwargs,
    )


def login(client: Any, username: str, password: str = "secret", **kwargs: Any) -> Any:
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def register_and_login(client: Any, username: str, password: str = "secret") -> None:
    """Register and sign in, consuming the flashed messages on the way."""
    assert register(client, username, password, follow_redirects=True).request.path == "/login"
    assert login(client, username, password, follow_redirects=True).request.path == "/"


def post(client: Any, text: str, **kwargs: Any) -> Any:
    return client.post("/add_message", data={"text": text}, **kwargs)


def message_texts(client: Any, url: str) -> list[str]:
    """Texts of the messages a timeline's JSON answer lists, newest first."""
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data
    return [message["text"] for message in response.get_json()["messages"]]
