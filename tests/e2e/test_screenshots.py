"""Screenshots of the main pages on a phone and a desktop, and a check that they fit.

The suite saves them as PNG under ``tests/e2e/artifacts/screenshots/``. With
``E2E_UPDATE_SCREENSHOTS=1`` it also copies them to ``docs/screenshots/`` (kept in git, shown
in the README); do that on purpose, after looking at them, not on every run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .browser import DESKTOP, PHONE, Browser, Viewport
from .http_client import HttpClient
from .live_server import PROJECT_ROOT, LiveServer
from .people import PASSWORD, Person, post, signed_up, toggle_follow

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"

# A small cast with believable messages, so the pictures show the site as it is used.
VIEWER = Person("margaret", PASSWORD)
CAST: dict[Person, list[str]] = {
    Person("grace", PASSWORD): [
        "The most dangerous phrase in the language is: we've always done it this way.",
        "Found a moth in relay 70 of panel F. First actual case of a bug being found.",
    ],
    Person("linus", PASSWORD): [
        "Talk is cheap. Show me the code.",
    ],
    VIEWER: [
        "Software engineering: the craft of building things that work when nobody is watching.",
        "Testing the landing sequence once more before lunch.",
    ],
}


@pytest.fixture(scope="module")
def cast(live_server: LiveServer) -> Person:
    """The cast registered, their messages posted (interleaved), the viewer following all."""
    clients = {person: signed_up(HttpClient(live_server.base_url), person) for person in CAST}
    rounds = max(len(texts) for texts in CAST.values())
    for n in range(rounds):
        for person, texts in CAST.items():
            if n < len(texts):
                post(clients[person], texts[n])
    for person in CAST:
        if person != VIEWER:
            toggle_follow(clients[VIEWER], person.username, "follow")
    return VIEWER


def _save(browser: Browser, artifacts_dir: Path, name: str, viewport: Viewport) -> Path:
    """Check the page fits the window across and shows no broken picture, then save it."""
    overflow = browser.horizontal_overflow()
    assert overflow == 0, f"{name} is {overflow}px wider than a {viewport.width}px {viewport.name} window"
    broken = browser.driver.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src);"
    )
    assert not broken, f"{name} shows broken pictures: {broken}"
    return browser.screenshot(artifacts_dir / "screenshots" / f"{name}-{viewport.name}.png")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
def test_main_pages_on(
    viewport: Viewport, browser: Browser, cast: Person, artifacts_dir: Path
) -> None:
    saved: list[Path] = []
    browser.use_viewport(viewport)

    # Register with errors: the name is taken and the passwords differ, both shown at once.
    browser.open("/register")
    browser.fill_and_submit(
        {"username": "grace", "email": "grace@example.org", "password": PASSWORD, "password2": "typo"}
    )
    assert "The username is already taken" in browser.text
    assert "The two passwords do not match" in browser.text
    saved.append(_save(browser, artifacts_dir, "register-error", viewport))

    # The viewer's home timeline: everyone's messages, newest first, and the box to post.
    browser.open("/login")
    browser.fill_and_submit({"username": cast.username, "password": cast.password})
    assert browser.path == "/"
    shown = browser.find(".messages").text
    for texts in CAST.values():
        for text in texts:
            assert text in shown
    saved.append(_save(browser, artifacts_dir, "timeline", viewport))

    # Someone else's page, as a follower sees it.
    browser.open("/grace")
    assert "You are currently following this user." in browser.text
    saved.append(_save(browser, artifacts_dir, "user", viewport))

    # A message's own page.
    browser.driver.get(browser.find(".messages a.permalink").get_attribute("href"))
    assert "Message by grace" in browser.text
    saved.append(_save(browser, artifacts_dir, "message", viewport))

    # A post over the limit: refused, shown again at home with the draft and the error.
    browser.open("/")
    browser.fill_and_submit({"text": "Ada's notes on the engine. " * 11})
    assert browser.path == "/" and "Your message is too long" in browser.text
    saved.append(_save(browser, artifacts_dir, "post-error", viewport))

    for path in saved:
        assert path.stat().st_size > 5_000, f"{path} is suspiciously small for a page"
    if os.environ.get("E2E_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for path in saved:
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
