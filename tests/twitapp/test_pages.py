"""The pages around the timelines: forms that help, posting at home, message pages, deleting,
profiles with counts, people lists, paging both ways, and the small things every site has."""

from __future__ import annotations

import re
from typing import Any

import pytest

from twitapp import db

from .helpers import flashes, login, message_texts, post, register, register_and_login


def _field(page: str, name: str) -> str:
    match = re.search(rf'<input id="field-{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


def test_register_reports_every_error_at_once_tied_to_fields(client: Any) -> None:
    response = client.post("/register", data={"username": "-bad", "email": "nope",
                                              "password": "pw", "password2": "other"})
    assert response.status_code == 400
    page = response.text
    assert [text for _, text in flashes(page)] == [
        "A username has 1 to 32 letters, digits, '.', '_' or '-', and starts with a letter or digit",
        "You have to enter a valid email address",
        "The two passwords do not match",
    ]
    for name in ("username", "email", "password2"):
        field = _field(page, name)
        assert 'aria-invalid="true"' in field
        assert f"error-{name}" in field  # aria-describedby names the message
        assert f'id="error-{name}"' in page
    assert 'aria-invalid' not in _field(page, "password")
    # The first field in error takes the focus; only it.
    assert "autofocus" in _field(page, "username") and page.count("autofocus") == 1
    # Values kept, passwords not.
    assert 'value="-bad"' in _field(page, "username") and 'value="nope"' in _field(page, "email")
    assert 'value="pw"' not in page and 'value="other"' not in page
    assert 'role="alert"' in page  # the errors are announced


def test_login_error_is_at_its_field(client: Any) -> None:
    register(client, "alice")
    page = login(client, "alice", "wrong").text
    assert 'aria-invalid="true"' in _field(page, "password")
    assert "autofocus" in _field(page, "password")
    assert 'value="alice"' in _field(page, "username")


def test_failed_post_comes_back_at_home_with_draft_and_error(client: Any) -> None:
    register_and_login(client, "alice")
    home = client.get("/").text
    assert 'action="/"' in home and 'data-max-length="280"' in home
    assert "maxlength=" not in home.split("<textarea", 1)[1].split(">", 1)[0]  # nothing cut silently
    response = client.post("/", data={"text": "z" * 300})
    assert response.status_code == 400
    assert response.request.path == "/"
    page = response.text
    assert ">" + "z" * 300 + "</textarea>" in page
    assert 'id="error-text"' in page and 'aria-invalid="true"' in page
    assert "at most 280 characters, this one has 300" in page
    assert client.post("/", data={"text": "fine"}).status_code == 302
    assert message_texts(client, "/") == ["fine"]


def test_message_page_and_delete(client: Any) -> None:
    register_and_login(client, "alice")
    post(client, "keep me")
    post(client, "delete me")
    ids = [m["message_id"] for m in client.get("/public", headers={"Accept": "application/json"}).get_json()["messages"]]
    doomed, kept = ids
    page = client.get(f"/alice/{doomed}")
    assert page.status_code == 200 and "delete me" in page.text
    assert '<time datetime="' in page.text and 'title="' in page.text and " UTC" in page.text
    assert client.get(f"/ALICE/{doomed}").status_code == 200  # names match without case
    assert client.get(f"/bob/{doomed}").status_code == 404
    assert client.get("/alice/999999").status_code == 404
    assert f'href="/alice/{doomed}/delete"' in client.get("/").text

    confirm = client.get(f"/alice/{doomed}/delete")
    assert confirm.status_code == 200 and "Delete this message?" in confirm.text
    assert 'method="post"' in confirm.text
    response = client.post(f"/alice/{doomed}/delete", follow_redirects=True)
    assert flashes(response.text) == [("success", "Your message was deleted")]
    assert message_texts(client, "/public") == ["keep me"]
    assert client.get(f"/alice/{doomed}").status_code == 404
    assert client.post(f"/alice/{doomed}/delete").status_code == 404

    # Someone else's message: 403 and still there; signed out: 401.
    client.get("/logout")
    register_and_login(client, "bob")
    assert f"/alice/{kept}/delete" not in client.get("/public").text
    assert client.post(f"/alice/{kept}/delete").status_code == 403
    client.get("/logout")
    assert client.post(f"/alice/{kept}/delete").status_code == 401
    assert message_texts(client, "/public") == ["keep me"]


def test_profile_counts_and_people_lists(client: Any) -> None:
    for name in ("bob", "carol"):
        register(client, name)
    register_and_login(client, "alice")
    post(client, "one")
    post(client, "two")
    client.post("/bob/follow")
    client.post("/carol/follow")
    client.get("/logout")
    login(client, "bob")
    client.post("/alice/follow")

    page = client.get("/alice").text
    assert re.search(r"<strong>2</strong> messages", page)
    assert re.search(r'href="/alice/followers"><strong>1</strong> follower<', page)
    assert re.search(r'href="/alice/following"><strong>2</strong> following', page)

    following = client.get("/alice/following").text
    assert "People followed by alice" in following
    assert 'href="/bob"' in following and 'href="/carol"' in following
    followers = client.get("/alice/followers", headers={"Accept": "application/json"}).get_json()
    assert [u["username"] for u in followers["users"]] == ["bob"]
    assert "carol does not follow anyone yet." in client.get("/carol/following").text
    assert "Nobody follows bob yet." not in client.get("/bob/followers").text
    assert client.get("/nobody/followers").status_code == 404
    assert client.get("/alice/followers?after=x").status_code == 400
    counts = client.get("/alice", headers={"Accept": "application/json"}).get_json()["user"]
    assert (counts["messages"], counts["followers"], counts["following"]) == (2, 1, 2)


def test_people_lists_page(app_factory: Any) -> None:
    client = app_factory(MESSAGES_PER_PAGE=2).test_client()
    for name in ("a1", "a2", "a3", "star"):
        register(client, name)
    for name in ("a1", "a2", "a3"):
        login(client, name)
        client.post("/star/follow")
        client.get("/logout")
    first = client.get("/star/followers", headers={"Accept": "application/json"}).get_json()
    assert [u["username"] for u in first["users"]] == ["a1", "a2"]
    second = client.get(first["next_url"], headers={"Accept": "application/json"}).get_json()
    assert [u["username"] for u in second["users"]] == ["a3"] and second["next_url"] is None


def test_empty_states_say_what_to_do(client: Any) -> None:
    assert "Sign up and be the first" in client.get("/public").text
    register_and_login(client, "alice")
    home = client.get("/").text
    assert "write your first message above" in home
    assert "You have not posted anything yet." in client.get("/alice").text


def test_paging_both_ways(app_factory: Any) -> None:
    client = app_factory(MESSAGES_PER_PAGE=3).test_client()
    register_and_login(client, "alice")
    for n in range(1, 8):
        post(client, f"m{n}")
    for url in ("/", "/public", "/alice"):
        first = client.get(url, headers={"Accept": "application/json"}).get_json()
        assert [m["text"] for m in first["messages"]] == ["m7", "m6", "m5"]
        assert first["newer_url"] is None
        second = client.get(first["next_url"], headers={"Accept": "application/json"}).get_json()
        assert [m["text"] for m in second["messages"]] == ["m4", "m3", "m2"]
        third = client.get(second["next_url"], headers={"Accept": "application/json"}).get_json()
        assert [m["text"] for m in third["messages"]] == ["m1"] and third["next_url"] is None
        # And back: newer pages from the oldest one.
        back = client.get(third["newer_url"], headers={"Accept": "application/json"}).get_json()
        assert [m["text"] for m in back["messages"]] == ["m4", "m3", "m2"]
        assert back["next_url"] is not None
        top = client.get(back["newer_url"], headers={"Accept": "application/json"}).get_json()
        assert [m["text"] for m in top["messages"]] == ["m7", "m6", "m5"]
        assert top["newer_url"] is None
        html = client.get(second["next_url"]).text
        assert 'rel="prev">newer messages' in html and "newest messages" in html
    assert client.get("/public?after=x").status_code == 400
    assert client.get("/public?after=1&before=3").status_code == 400


def test_times_are_relative_with_the_full_date_on_hover(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    register_and_login(client, "alice")
    post(client, "now")
    assert ">just now</time>" in client.get("/").text
    later = db.now() + 3 * 3600 + 5
    monkeypatch.setattr(db, "now", lambda: later)
    page = client.get("/").text
    assert ">3 hours ago</time>" in page
    assert re.search(r'title="\d{4}-\d\d-\d\d @ \d\d:\d\d UTC"', page)


def test_site_basics(client: Any) -> None:
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.mimetype == "text/plain" and "User-agent: *" in robots.text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon.location.endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").status_code == 200
    script = client.get("/static/twitapp.js")
    assert script.status_code == 200 and "data-max-length" in script.text
    page = client.get("/public").text
    assert '<meta name="description" content="' in page
    assert '<a class="skip-link" href="#content">' in page and '<main class="body" id="content"' in page
    assert '<nav class="navigation" aria-label="Site">' in page
    assert '<link rel="icon"' in page and "twitapp.js" in page
    register(client, "alice", email="bad")
    flashed = client.post("/register", data={}).text
    # Flashes are inside the main landmark.
    assert flashed.index('<main') < flashed.index('class="flashes"') < flashed.index("</main>")


def test_views_are_blueprints_with_minitwits_urls(app: Any) -> None:
    """Issue 12 item 7: auth, timelines and follow are blueprints; the URLs are MiniTwit's."""
    assert {"auth", "timelines", "follow", "site"} <= set(app.blueprints)
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/"] == "timelines.timeline"
    assert rules["/public"] == "timelines.public_timeline"
    assert rules["/add_message"] == "timelines.add_message"
    assert rules["/<username>"] == "timelines.user_timeline"
    assert rules["/register"] == "auth.register"
    assert rules["/login"] == "auth.login" and rules["/logout"] == "auth.logout"
    assert rules["/<username>/follow"] == "follow.follow_user"
    assert rules["/<username>/unfollow"] == "follow.unfollow_user"


@pytest.mark.parametrize("name", ["alice", "Bob.x", "a-b_c"])
def test_fast_urls_agree_with_url_for(app: Any, name: str) -> None:
    """The page builds message and picture URLs from cached shapes; they must be url_for's."""
    from wsgi_stack import url_for

    from twitapp import avatars, web

    with app.test_request_context("/"):
        assert web.user_url(name) == url_for("timelines.user_timeline", username=name)
        assert web.message_url(name, 42) == url_for("timelines.message_page", username=name, message_id=42)
        row = {"username": name, "message_id": 42, "email": "x@example.org", "author_id": 1, "pub_date": 0}
        view = web.message_view(row)
        assert view["url"] == url_for("timelines.message_page", username=name, message_id=42)
        digest = avatars.email_hash("x@example.org")[:avatars.DIGEST_LENGTH]
        assert view["avatar"] == url_for("site.avatar", digest=digest)
    with app.test_request_context("/", base_url="http://localhost/prefix"):
        assert web.message_url(name, 7) == url_for("timelines.message_page", username=name, message_id=7)
        assert avatars.identicon_url("x@example.org") == url_for("site.avatar", digest=digest)


def test_profile_counts_are_capped(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting stops past a cap (a full count costs every view of a prolific author's page)."""
    from twitapp import web

    monkeypatch.setattr(web, "PROFILE_COUNT_CAP", 2)
    register_and_login(client, "alice")
    for n in range(3):
        post(client, f"m{n}")
    page = client.get("/alice").text
    assert re.search(r"<strong>2\+</strong> messages", page)
    body = client.get("/alice", headers={"Accept": "application/json"}).get_json()["user"]
    assert body["messages"] == 2 and body["more"] == {"messages": True, "followers": False, "following": False}
    newest = client.get("/alice", headers={"Accept": "application/json"}).get_json()["messages"][0]
    client.post(newest["url"] + "/delete")
    assert re.search(r"<strong>2</strong> messages", client.get("/alice").text)
