"""The walk through twitapp without a browser: plain HTTP to gunicorn, every hop checked.

A browser hides redirects, cookie attributes and the answers to requests no page would make
(a forged POST, ``Accept: application/json``); here each of them is asserted directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .http_client import HttpClient, Reply
from .people import PASSWORD, Person, fill, log_in, post, register, signed_up, toggle_follow

REDIRECTS = (302, 303)

NewClient = Callable[[], HttpClient]
UniqueName = Callable[[str], str]


def redirects_to(reply: Reply, path: str) -> bool:
    return reply.status in REDIRECTS and reply.location_path == path


def landing(client: HttpClient, reply: Reply) -> Reply:
    """Follow one redirect, as a browser would, and return the page it lands on."""
    assert reply.status in REDIRECTS, f"expected a redirect, got {reply.status}"
    assert reply.location is not None
    landed = client.get(reply.location)
    assert landed.status == 200, f"{reply.location}: {landed.status}"
    return landed


def test_a_visit_from_registration_to_logout(new_client: NewClient, unique_name: UniqueName) -> None:
    me = new_client()
    ada = Person(unique_name("ada"), PASSWORD)

    # Signed out, home is not for you: off to the public timeline.
    assert redirects_to(me.get("/"), "/public")

    # Register, with one mistake first: the form comes back with the error and what was typed.
    form_page = me.get("/register")
    assert form_page.status == 200 and form_page.content_type == "text/html"
    # Pages may not be framed by other sites or sniffed into another type.
    assert form_page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in form_page.headers.get("Content-Security-Policy", "")
    assert form_page.page().form_with("username").fields.get("csrf_token"), "no CSRF token in the form"
    typo = fill(
        me, "/register", "username",
        {"username": ada.username, "email": ada.email, "password": PASSWORD, "password2": "oops"},
    )
    assert typo.status == 400
    assert "The two passwords do not match" in typo.page().text
    refilled = typo.page().form_with("username").fields
    assert refilled["username"] == ada.username
    assert refilled["email"] == ada.email.strip()
    assert me.get("/" + ada.username).status == 404, "a refused registration made an account"

    done = me.submit(
        typo.page(), "username",
        {"username": ada.username, "email": ada.email, "password": PASSWORD, "password2": PASSWORD},
        page_url=typo.url,
    )
    assert redirects_to(done, "/login")
    assert "You were successfully registered and can login now" in landing(me, done).page().text

    # A wrong password first, then the right one.
    wrong = fill(me, "/login", "username", {"username": ada.username, "password": "nope"})
    assert wrong.status == 400 and "Invalid password" in wrong.page().text
    cookie_before = me.cookies.get("session")
    logged_in = log_in(me, ada)
    assert redirects_to(logged_in, "/")
    assert me.cookies.get("session") != cookie_before, "the session was not renewed on login"
    home = landing(me, logged_in).page()
    assert "You were logged in" in home.text
    assert home.form_with("text").fields.get("csrf_token")

    # Post; the message is on the home timeline, the public one and the user page.
    text = f"Hello from {ada.username}, over plain HTTP"
    recorded = post(me, text)
    assert redirects_to(recorded, "/")
    home = landing(me, recorded).page()
    assert "Your message was recorded" in home.text
    assert text in home.text
    assert text in me.get("/public").page().text
    assert text in me.get(f"/{ada.username}").page().text
    # Flashes are shown once.
    assert "Your message was recorded" not in me.get("/").page().text

    # Log out: back to the public timeline, and the pages that need a login send you away.
    logout_link = me.get("/").page().link_to("/logout")
    assert logout_link, "no way to sign out on the home timeline"
    out = me.get(logout_link)
    assert redirects_to(out, "/public")
    assert "You were logged out" in landing(me, out).page().text
    assert redirects_to(me.get("/"), "/public")
    assert me.get(f"/{ada.username}/follow").status == 401
    token = me.get("/login").page().form_with("username").fields["csrf_token"]
    assert me.post("/add_message", {"text": "ghost", "csrf_token": token}).status == 401
    assert "ghost" not in me.get("/public").page().text


def test_the_session_cookie_is_httponly_and_samesite(new_client: NewClient, unique_name: UniqueName) -> None:
    me = new_client()
    person = Person(unique_name("cookie"), PASSWORD)
    assert register(me, person).status in REDIRECTS
    reply = log_in(me, person)
    cookies = reply.set_cookies()
    assert "session" in cookies, f"login set no session cookie: {list(cookies)}"
    session = cookies["session"]
    assert session["httponly"] is True
    assert session["samesite"].lower() in ("lax", "strict")
    assert session["path"] == "/"
    # Every cookie the site sets keeps away from scripts.
    logged_out = me.get("/logout").set_cookies()
    assert logged_out, "logging out set no cookie (where does its flash message live?)"
    for name, morsel in logged_out.items():
        assert morsel["httponly"] is True, f"cookie {name} is readable by scripts"


def test_following_someone_changes_the_home_timeline(new_client: NewClient, unique_name: UniqueName) -> None:
    grace = Person(unique_name("grace"), PASSWORD)
    hers = f"{grace.username} says: the compiler is done"
    post(signed_up(new_client(), grace), hers)

    me = signed_up(new_client(), Person(unique_name("ada"), PASSWORD))
    assert hers not in me.get("/").page().text
    # Nothing is followed by a plain GET of the old MiniTwit URL: it asks to confirm.
    confirm = me.get(f"/{grace.username}/follow")
    assert confirm.status == 200 and confirm.page().form_to(f"/{grace.username}/follow")
    assert "Follow" in confirm.page().text and "Unfollow" not in confirm.page().text
    assert hers not in me.get("/").page().text

    followed = toggle_follow(me, grace.username, "follow")
    assert redirects_to(followed, f"/{grace.username}")
    assert f'You are now following "{grace.username}"' in landing(me, followed).page().text
    assert hers in me.get("/").page().text
    assert me.get(f"/{grace.username}").page().form_to(f"/{grace.username}/unfollow")

    unfollowed = toggle_follow(me, grace.username, "unfollow")
    assert f'You are no longer following "{grace.username}"' in landing(me, unfollowed).page().text
    assert hers not in me.get("/").page().text

    assert me.get(f"/{unique_name('nobody')}").status == 404
    assert me.get(f"/{unique_name('nobody')}/follow").status == 404


def test_forged_posts_are_refused_and_change_nothing(new_client: NewClient, unique_name: UniqueName) -> None:
    victim = signed_up(new_client(), Person(unique_name("victim"), PASSWORD))
    stranger = Person(unique_name("stranger"), PASSWORD)
    strangers_client = signed_up(new_client(), stranger)
    strangers_token = strangers_client.get("/").page().form_with("text").fields["csrf_token"]
    own_token = victim.get("/").page().form_with("text").fields["csrf_token"]
    assert own_token != strangers_token

    forged = "forged message, should never appear"
    for fields in (
        {"text": forged},  # no token at all
        {"text": forged, "csrf_token": ""},
        {"text": forged, "csrf_token": own_token[:-2] + "xx"},  # almost right
        {"text": forged, "csrf_token": strangers_token},  # valid, but another session's
    ):
        refused = victim.post("/add_message", fields)
        assert refused.status == 400, f"{fields}: {refused.status}"
    assert victim.post(f"/{stranger.username}/follow", {}).status == 400
    assert victim.post("/logout", {}).status == 400

    assert forged not in victim.get("/").page().text
    assert forged not in victim.get("/public").page().text
    # The refused follow did not happen: the page still offers to follow, not to unfollow.
    assert victim.get(f"/{stranger.username}").page().form_to(f"/{stranger.username}/follow")
    # The refused logout did not happen either, and the real token still works.
    assert victim.post("/add_message", {"text": "genuine", "csrf_token": own_token}).status in REDIRECTS


def _json(client: HttpClient, path: str) -> dict[str, Any]:
    reply = client.get(path, headers={"Accept": "application/json"})
    assert reply.status == 200, f"{path}: {reply.status}"
    assert reply.content_type == "application/json"
    assert "accept" in reply.headers.get("Vary", "").lower()
    body = reply.json()
    assert isinstance(body, dict)
    return body


def _all_pages(client: HttpClient, path: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Every message of a JSON timeline, following ``next``; and each page's size."""
    messages: list[dict[str, Any]] = []
    sizes: list[int] = []
    url = path
    while True:
        body = _json(client, url)
        messages += body["messages"]
        sizes.append(len(body["messages"]))
        if body["next"] is None:
            return messages, sizes
        assert isinstance(body["next"], int)
        url = f"{path}?before={body['next']}"
        assert len(sizes) < 100, "the cursor does not advance"


def test_timelines_answer_json_and_page_by_cursor(
    new_client: NewClient, prolific: tuple[Person, list[str]]
) -> None:
    author, texts = prolific
    reader = new_client()

    messages, sizes = _all_pages(reader, f"/{author.username}")
    assert [m["text"] for m in messages] == texts[::-1], "not every message once, newest first"
    assert len(sizes) >= 2, f"{len(texts)} messages fit on one page: {sizes}"
    assert len(set(sizes[:-1])) == 1 and 0 < sizes[-1] <= sizes[0], f"uneven pages: {sizes}"
    ids = [m["message_id"] for m in messages]
    assert ids == sorted(ids, reverse=True)

    digest = hashlib.sha256(author.email.strip().lower().encode()).hexdigest()[:32]
    for message in messages:
        assert message["author"] == author.username
        assert datetime.fromisoformat(message["pub_date"]).utcoffset() is not None
        assert message["avatar"] == f"/avatars/{digest}.svg"  # the site's own picture
    picture = reader.get(messages[0]["avatar"])
    assert picture.status == 200 and picture.content_type == "image/svg+xml"

    # The same URL without asking for JSON is the HTML page, also marked as varying on Accept.
    html = reader.get(f"/{author.username}")
    assert html.content_type == "text/html" and "accept" in html.headers.get("Vary", "").lower()
    # On the public timeline, just older than a cursor comes the message right before it
    # (other tests post too, so the first page may have moved on).
    public = _json(reader, f"/public?before={ids[0] + 1}")
    assert public["messages"][0]["text"] == texts[-1]
    # A cursor that is not a message id is a clear 400, in JSON when JSON was asked for.
    bad = reader.get("/public?before=abc", headers={"Accept": "application/json"})
    assert bad.status == 400 and bad.content_type == "application/json"
    assert reader.get("/public?before=-1").status == 400


def test_home_timeline_json_follows_whom_you_follow(
    new_client: NewClient, unique_name: UniqueName, prolific: tuple[Person, list[str]]
) -> None:
    author, texts = prolific
    me = signed_up(new_client(), Person(unique_name("reader"), PASSWORD))
    mine = f"my own words, {unique_name('n')}"
    post(me, mine)
    assert [m["text"] for m in _json(me, "/")["messages"]] == [mine]
    toggle_follow(me, author.username, "follow")
    home = _json(me, "/")
    # Mine is the newest of all; the author's newest comes right after it.
    assert [m["text"] for m in home["messages"][:2]] == [mine, texts[-1]]
    assert home["next"] is not None
    everything, _sizes = _all_pages(me, "/")
    assert sorted(m["text"] for m in everything) == sorted([*texts, mine])
    # Signed out, the JSON client is redirected like anyone else.
    assert redirects_to(new_client().get("/", headers={"Accept": "application/json"}), "/public")
