"""Issue 16's items walked in headless Chromium, at phone and at desktop size.

Avatars that always load; the live counter and the over-limit state; a refused post shown again
at home with the draft and the error at the field; deleting one's own message after a
confirmation; forms that report every error at once, tied to the fields, with the focus on the
first; a CSRF failure that keeps the person signed in and the draft; message pages with <time>;
profile counts and people lists; empty states; paging both ways; the skip link, landmarks, the
favicon and robots.txt, field borders at 3:1. Every page must fit the window across.
(The JSON API is walked by test_api_docs.py, with curl.)
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.mariadb import server_available, temporary_database

from .browser import DESKTOP, PHONE, Browser, Viewport
from .http_client import HttpClient
from .live_server import BROWSER_THREADS, running_server
from .people import PASSWORD, Person, post, signed_up, toggle_follow


def _active_id(browser: Browser) -> str:
    return str(browser.driver.execute_script("return document.activeElement.id"))


def _fits(browser: Browser, viewport: Viewport) -> None:
    overflow = browser.horizontal_overflow()
    assert overflow == 0, f"{browser.path} is {overflow}px wider than the {viewport.name} window"


def _avatars_loaded(browser: Browser) -> int:
    """How many avatars the page shows; fails if any is broken or comes from elsewhere."""
    pictures = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('img.avatar')).map("
        "i => [i.currentSrc, i.complete, i.naturalWidth]);"
    )
    for src, complete, width in pictures:
        assert src.startswith(browser.base_url + "/avatars/"), src
        assert complete and width > 0, f"broken picture {src}"
    return len(pictures)


def _contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
def test_issue_16_in_the_browser(
    viewport: Viewport,
    browser: Browser,
    new_client: Callable[[], HttpClient],
    unique_name: Callable[[str], str],
    prolific: tuple[Person, list[str]],
) -> None:
    browser.use_viewport(viewport)
    me = Person(unique_name("ux"), PASSWORD)
    friend = Person(unique_name("friend"), PASSWORD)
    friend_client = signed_up(new_client(), friend)
    post(friend_client, f"{friend.username} says hello")
    author, texts = prolific

    # -- 6. small things, signed out: skip link, labelled landmarks, favicon, robots.txt
    browser.open("/public")
    _fits(browser, viewport)
    body = browser.find("body")
    body.send_keys(Keys.TAB)
    assert browser.driver.execute_script("return document.activeElement.className") == "skip-link"
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert _active_id(browser) == "content"
    assert browser.find("nav.navigation").get_attribute("aria-label")
    assert browser.find("meta[name=description]").get_attribute("content")
    icon = browser.driver.execute_async_script(
        "const done = arguments[0]; fetch('/favicon.ico').then(r => done([r.status, r.headers.get('content-type')]));"
    )
    assert icon[0] == 200 and "svg" in icon[1]
    assert _avatars_loaded(browser) > 0

    # -- 3. sign up: every error at once, tied to its field, focus on the first, values kept
    browser.open("/register")
    border = browser.driver.execute_script(
        "const s = getComputedStyle(document.getElementById('field-username'));"
        "return [s.borderTopColor, getComputedStyle(document.querySelector('.page')).backgroundColor];"
    )
    assert _contrast(*border) >= 3, f"field border {border[0]} on {border[1]}"
    browser.fill_and_submit({"username": "-" + me.username, "email": "not-an-address",
                             "password": PASSWORD, "password2": "different"})
    _fits(browser, viewport)
    for field, words in (("username", "A username has"), ("email", "valid email address"),
                         ("password2", "do not match")):
        element = browser.find(f"#field-{field}")
        assert element.get_attribute("aria-invalid") == "true"
        described = element.get_attribute("aria-describedby")
        assert words in browser.find(f"#{described.split()[-1]}").text
    assert browser.find("#field-password").get_attribute("aria-invalid") is None
    assert _active_id(browser) == "field-username"
    assert browser.find("#field-email").get_attribute("value") == "not-an-address"
    assert browser.find("#field-password").get_attribute("value") == ""
    assert browser.find(".flashes").get_attribute("role") == "alert"
    browser.fill_and_submit({"username": me.username, "email": me.email.strip(),
                             "password": PASSWORD, "password2": PASSWORD})
    assert browser.path == "/login"
    browser.fill_and_submit({"username": me.username, "password": PASSWORD})
    assert browser.path == "/"

    # -- 4. empty states say what to do next
    assert "write your first message above" in browser.text

    # -- 2. the live counter and the over-limit state; the server judges
    box = browser.find("#field-text")
    box.send_keys("y" * 290)
    counter = browser.find("#text-count")
    assert counter.text == "10 characters over the limit of 280"
    assert "over" in box.get_attribute("class") and box.get_attribute("aria-invalid") == "true"
    assert len(box.get_attribute("value")) == 290  # nothing cut silently
    form = box.find_element(By.XPATH, "./ancestor::form")
    browser._click_and_wait(form.find_element(By.CSS_SELECTOR, "[type=submit]"))
    assert browser.path == "/"  # the refused post is shown at the home URL
    assert browser.find("#field-text").get_attribute("value") == "y" * 290
    assert "at most 280 characters, this one has 290" in browser.find("#error-text").text
    assert _active_id(browser) == "field-text"
    _fits(browser, viewport)
    box = browser.find("#field-text")
    box.clear()
    box.send_keys("y" * 20)
    assert browser.find("#text-count").text == "260 characters left"
    assert box.get_attribute("aria-invalid") == "false"
    browser._click_and_wait(box.find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "[type=submit]"))
    assert "Your message was recorded" in browser.text

    # -- 3. a CSRF failure (an expired token) keeps the person signed in and the draft
    browser.driver.execute_script("document.querySelector('form [name=csrf_token]').value = 'expired';")
    browser.fill_and_submit({"text": "a draft worth keeping"})
    assert f"sign out [{me.username}]" in browser.text
    assert browser.find("#field-text").get_attribute("value") == "a draft worth keeping"
    assert "security token" in browser.find("#error-text").text
    browser.fill_and_submit({"text": "a draft worth keeping"})
    assert "Your message was recorded" in browser.text

    # -- 4. message pages, <time> with the full date on hover
    first = browser.find(".messages li")
    stamp = first.find_element(By.TAG_NAME, "time")
    assert stamp.text == "just now" and stamp.get_attribute("title").endswith(" UTC")
    assert stamp.get_attribute("datetime").endswith("+00:00")
    browser._click_and_wait(first.find_element(By.CSS_SELECTOR, "a.permalink"))
    assert re.fullmatch(rf"/{me.username}/\d+", browser.path)
    assert "a draft worth keeping" in browser.text
    _fits(browser, viewport)

    # -- 2. delete one's own message, after a confirmation
    browser.click_link("delete")
    assert "Delete this message?" in browser.text
    browser._click_and_wait(browser.find("button.danger"))
    assert browser.path == "/" and "Your message was deleted" in browser.text
    assert "a draft worth keeping" not in browser.find(".messages").text
    assert "y" * 20 in browser.find(".messages").text

    # -- 4. profile header with counts, followers and following pages
    browser.open(f"/{friend.username}")
    browser.go_towards(f"/{friend.username}/follow")
    assert "You are currently following this user." in browser.text
    counts = browser.find(".counts").text
    assert "1 message" in counts and "1 follower" in counts and "0 following" in counts
    _avatars_loaded(browser)
    browser.click_link("follower")
    assert browser.path == f"/{friend.username}/followers"
    assert me.username in browser.find(".people").text
    _fits(browser, viewport)
    browser.open(f"/{friend.username}/following")
    assert "does not follow anyone yet" in browser.text
    browser.click_link("my timeline")
    assert f"{friend.username} says hello" in browser.text
    toggle_follow(friend_client, me.username, "follow")

    # -- 4. paging both ways
    browser.open(f"/{author.username}")
    browser.click_link("older messages")
    assert texts[0] in browser.find(".messages").text
    browser.click_link("newer messages")
    assert "after=" in browser.path
    assert texts[-1] in browser.find(".messages").text
    assert not browser.find_all("a[rel=prev]")  # back at the newest

    # -- 6. robots.txt is there for crawlers
    browser.open("/robots.txt")
    assert "User-agent: *" in browser.text


def test_an_unreachable_gravatar_leaves_no_broken_picture(
    monkeypatch: pytest.MonkeyPatch, chromium: Any, artifacts_dir: Path
) -> None:
    """A site with Gravatar on, and Gravatar out of reach (Chromium here resolves no host but
    127.0.0.1): the page asks Gravatar, and the site's script puts its own picture in place."""
    available, reason = server_available()
    if not available:
        pytest.skip(reason)
    monkeypatch.setenv("TWITAPP_GRAVATAR_URL", "https://www.gravatar.com/avatar/")
    with temporary_database(prefix="twitapp_gravatar") as url, running_server(
        url, secret_key=secrets.token_urlsafe(48), log_path=artifacts_dir / "gunicorn-gravatar.log",
        threads=BROWSER_THREADS,
    ) as server:
        client = signed_up(HttpClient(server.base_url), Person("hopper", PASSWORD))
        post(client, "Gravatar is on here.")
        page = client.get("/public").text
        assert 'src="https://www.gravatar.com/avatar/' in page and "data-fallback=" in page
        browser = Browser(chromium, server.base_url)
        browser.open("/public")
        WebDriverWait(chromium, 10).until(lambda d: d.execute_script(
            "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0);"))
        sources = chromium.execute_script(
            "return Array.from(document.querySelectorAll('img.avatar')).map(i => i.currentSrc);")
        assert sources and all(src.startswith(server.base_url + "/avatars/") for src in sources)
