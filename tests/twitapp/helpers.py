"""Helpers the twitapp tests share: driving the forms and reading the pages."""

from __future__ import annotations

import html
import re
from typing import Any


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
