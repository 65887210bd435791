"""A person's visit to twitapp in headless Chromium, page by page.

Every step is a click or typing on the page the previous step led to, and every step checks
what the page now says, not just where it is. The other people in the story (someone to
follow, an author with pages of messages) are made over HTTP beforehand, so the walk only
does in the browser what it is about.
"""

from __future__ import annotations

from collections.abc import Callable

from .browser import Browser
from .http_client import HttpClient
from .people import PASSWORD, Person, post, signed_up


def test_a_visit_in_the_browser(
    browser: Browser,
    new_client: Callable[[], HttpClient],
    unique_name: Callable[[str], str],
    prolific: tuple[Person, list[str]],
) -> None:
    ada = Person(unique_name("ada"), PASSWORD)
    grace = Person(unique_name("grace"), PASSWORD)
    graces_words = f"{grace.username}: a ship in port is safe, but that is not what ships are for"
    post(signed_up(new_client(), grace), graces_words)
    author, texts = prolific

    # Signed out, the home page sends a visitor to the public timeline.
    browser.open("/")
    assert browser.path == "/public"
    assert "Public Timeline" in browser.text

    # Sign up, with one mistake first.
    browser.click_link("sign up")
    assert browser.path == "/register"
    browser.fill_and_submit(
        {"username": ada.username, "email": ada.email.strip(), "password": PASSWORD, "password2": "oops"}
    )
    assert "The two passwords do not match" in browser.text
    assert browser.find("[name=username]").get_attribute("value") == ada.username
    assert browser.find("[name=email]").get_attribute("value") == ada.email.strip()
    browser.fill_and_submit({"password": PASSWORD, "password2": PASSWORD})
    assert browser.path == "/login"
    assert "You were successfully registered and can login now" in browser.text

    # Sign in: the home timeline greets ada, with nothing on it yet.
    browser.fill_and_submit({"username": ada.username, "password": PASSWORD})
    assert browser.path == "/"
    assert "You were logged in" in browser.text
    assert f"What's on your mind {ada.username}?" in browser.text
    assert "There's no message so far." in browser.text

    # Post a message; it is on the home timeline and the public one, under ada's name.
    words = f"{ada.username} here, testing in a real browser: Grüße, 世界"
    browser.fill_and_submit({"text": words})
    assert browser.path == "/"
    assert "Your message was recorded" in browser.text
    assert words in browser.find(".messages").text
    assert graces_words not in browser.text
    browser.click_link("public timeline")
    assert browser.path == "/public"
    newest = browser.find(".messages li").text
    assert ada.username in newest and words in newest

    # Markup in a message is shown as typed, never run.
    trap = '<script>document.title = "pwned"</script><b>bold?</b>'
    browser.click_link("my timeline")
    browser.fill_and_submit({"text": trap})
    assert trap in browser.find(".messages li").text
    assert "pwned" not in browser.title
    assert not browser.find_all(".messages b")

    # Follow grace from her page (reached by her name on the public timeline)...
    browser.open("/public")
    browser.click_link(grace.username)
    assert browser.path == f"/{grace.username}"
    assert "You are not yet following this user." in browser.text
    browser.go_towards(f"/{grace.username}/follow")
    assert browser.path == f"/{grace.username}"
    assert f'You are now following "{grace.username}"' in browser.text
    assert "You are currently following this user." in browser.text
    # ... and her (older) message joins ada's home timeline, below ada's newer ones.
    browser.click_link("my timeline")
    shown = [item.text for item in browser.find_all(".messages li")]
    assert len(shown) == 3 and words in shown[1] and graces_words in shown[2]

    # Unfollow: the home timeline is ada's alone again.
    browser.open(f"/{grace.username}")
    browser.go_towards(f"/{grace.username}/unfollow")
    assert f'You are no longer following "{grace.username}"' in browser.text
    assert "You are not yet following this user." in browser.text
    browser.click_link("my timeline")
    assert graces_words not in browser.text and words in browser.text

    # Page back through an author with more than one page of messages.
    browser.open(f"/{author.username}")
    first_page = browser.find(".messages").text
    assert texts[-1] in first_page and texts[0] not in first_page
    browser.click_link("older messages")
    assert "before=" in browser.path
    older_page = browser.find(".messages").text
    assert texts[0] in older_page and texts[-1] not in older_page
    browser.click_link("newest messages")
    assert texts[-1] in browser.find(".messages").text

    # Sign out; the pages that need a login send ada away.
    browser.click_link("sign out")
    assert browser.path == "/public"
    assert "You were logged out" in browser.text
    assert "sign in" in browser.find("nav").text
    browser.open("/")
    assert browser.path == "/public"
    browser.open(f"/{grace.username}/follow")
    assert "401" in browser.title
    assert "Unauthorized" in browser.text
