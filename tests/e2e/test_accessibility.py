"""axe-core on every kind of page, signed out and in, at phone and desktop sizes: 0 violations.

axe-core comes from the npm registry into ``scripts/audit/node_modules`` (``scripts/test``
installs it; ``npm ci --prefix scripts/audit --omit=optional`` by hand). It is injected over
DevTools, which the page's Content-Security-Policy does not govern, and runs every rule it
runs by default (WCAG A/AA and best practices). Lighthouse's scores are ``scripts/audit/run.py``'s.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .browser import DESKTOP, PHONE, Browser, Viewport
from .http_client import HttpClient
from .live_server import PROJECT_ROOT, LiveServer
from .people import PASSWORD, Person, post, signed_up, toggle_follow

AXE = PROJECT_ROOT / "scripts" / "audit" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE}); run npm ci --prefix scripts/audit --omit=optional"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text()


@pytest.fixture(scope="module")
def pair(live_server: LiveServer) -> tuple[Person, Person]:
    """Two people who follow each other and have written something."""
    import secrets

    one = Person(f"axeone{secrets.token_hex(3)}", PASSWORD)
    two = Person(f"axetwo{secrets.token_hex(3)}", PASSWORD)
    first = signed_up(HttpClient(live_server.base_url), one)
    second = signed_up(HttpClient(live_server.base_url), two)
    post(first, "An accessible message, with a <b>tag</b> shown as text.")
    post(second, "Another one.")
    toggle_follow(first, two.username, "follow")
    toggle_follow(second, one.username, "follow")
    return one, two


def violations(browser: Browser, axe: str) -> list[str]:
    browser.driver.execute_script(axe)
    found = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map("
        "v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))),"
        " e => done(['axe failed: ' + e]));"
    )
    return list(found)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
def test_no_axe_violations(
    viewport: Viewport, browser: Browser, pair: tuple[Person, Person], axe_source: str
) -> None:
    one, two = pair
    browser.use_viewport(viewport)
    report: dict[str, list[str]] = {}

    def audit(label: str) -> None:
        report[label] = violations(browser, axe_source)

    for path in ("/public", "/register", "/login", f"/{two.username}", f"/{two.username}/followers"):
        browser.open(path)
        audit(path)
    browser.open("/register")
    browser.fill_and_submit({"username": "-", "email": "no", "password": "a", "password2": "b"})
    audit("register with errors")

    browser.open("/login")
    browser.fill_and_submit({"username": one.username, "password": one.password})
    assert browser.path == "/"
    audit("home, signed in, with a flash")
    browser.open("/")
    audit("home, signed in")
    browser.fill_and_submit({"text": "x" * 300})
    audit("home after a refused post")
    browser.open(f"/{one.username}")
    audit("own page")
    permalink = browser.find(".message .permalink").get_attribute("href")
    browser.driver.get(permalink)
    audit("message page")
    browser.driver.get(permalink + "/delete")
    audit("delete confirmation")
    browser.open(f"/{two.username}/unfollow")
    audit("unfollow confirmation")
    browser.open("/nobody-here-at-all")
    audit("404 page")

    bad = {page: found for page, found in report.items() if found}
    assert not bad, f"axe violations at {viewport.name} size: {bad}"
