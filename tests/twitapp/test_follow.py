"""Following and unfollowing: flashes, 401/404, confirmation pages, effect on timelines."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import flashes, message_texts, post, register, register_and_login


@pytest.fixture
def two_users(client: Any) -> Any:
    """bob has posted; alice is signed in."""
    register_and_login(client, "bob")
    post(client, "bob's news")
    client.get("/logout")
    register_and_login(client, "alice")
    post(client, "alice's news")
    return client


def test_follow_and_unfollow(two_users: Any) -> None:
    client = two_users
    assert "You are not yet following this user." in client.get("/bob").text
    assert message_texts(client, "/") == ["alice's news"]

    response = client.post("/bob/follow", follow_redirects=True)
    assert response.request.path == "/bob"
    assert flashes(response.text) == [("success", 'You are now following "bob"')]
    assert "You are currently following this user." in response.text
    assert message_texts(client, "/") == ["alice's news", "bob's news"]

    # Following twice is harmless and shows no message twice.
    assert client.post("/bob/follow", follow_redirects=True).request.path == "/bob"
    assert message_texts(client, "/") == ["alice's news", "bob's news"]

    response = client.post("/BOB/unfollow", follow_redirects=True)
    assert flashes(response.text) == [("success", 'You are no longer following "bob"')]
    assert "You are not yet following this user." in response.text
    assert message_texts(client, "/") == ["alice's news"]


def test_get_shows_a_confirmation_and_changes_nothing(two_users: Any) -> None:
    client = two_users
    for action, button in (("follow", "Follow user"), ("unfollow", "Unfollow user")):
        response = client.get(f"/bob/{action}")
        assert response.status_code == 200
        assert f'action="/bob/{action}" method="post"' in response.text
        assert button in response.text
    assert message_texts(client, "/") == ["alice's news"]


@pytest.mark.parametrize("action", ["follow", "unfollow"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signed_out_is_401(client: Any, action: str, method: str) -> None:
    register(client, "bob")
    response = client.open(f"/bob/{action}", method=method)
    assert response.status_code == 401
    assert client.open(f"/nobody/{action}", method=method).status_code == 401


@pytest.mark.parametrize("action", ["follow", "unfollow"])
def test_unknown_user_is_404(two_users: Any, action: str) -> None:
    assert two_users.post(f"/nobody/{action}").status_code == 404
    assert two_users.get(f"/nobody/{action}").status_code == 404


def test_cannot_follow_yourself(two_users: Any) -> None:
    response = two_users.post("/alice/follow")
    assert response.status_code == 400
    assert message_texts(two_users, "/") == ["alice's news"]
    assert "This is you!" in two_users.get("/alice").text


def test_signed_out_user_page_has_no_buttons(two_users: Any) -> None:
    two_users.get("/logout")
    page = two_users.get("/bob").text
    assert "following this user" not in page and '"/bob/follow"' not in page


def test_follows_are_per_user(two_users: Any) -> None:
    client = two_users
    client.post("/bob/follow")
    client.get("/logout")
    register_and_login(client, "carol")
    assert "You are not yet following this user." in client.get("/bob").text
    assert message_texts(client, "/") == []
