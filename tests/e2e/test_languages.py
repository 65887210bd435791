"""twitapp in Korean and in English, in Chromium: chosen by the browser's Accept-Language,
switched (and remembered) with the links at the foot of the page, and a form error in Korean.

Chromium's languages are set through DevTools (``Network.setExtraHTTPHeaders``), as a
person's browser settings would send them. Screenshots go to the artifacts folder, and with
``E2E_UPDATE_SCREENSHOTS=1`` to ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import DESKTOP, Browser
from .http_client import HttpClient
from .live_server import PROJECT_ROOT, LiveServer
from .people import PASSWORD, Person, post, signed_up

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
KOREAN = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"  # what Chromium sends with Korean first
ENGLISH = "en-US,en;q=0.9"


@pytest.fixture(scope="module")
def authors(live_server: LiveServer) -> list[Person]:
    """Two people who wrote something, one in Korean, one in English."""
    people = {
        Person("jiwoo", PASSWORD): ["오늘 점심은 김치찌개. 배부르다!", "새 노트북에서 첫 글을 씁니다."],
        Person("ada", PASSWORD): ["The Analytical Engine weaves algebraic patterns."],
    }
    for person, texts in people.items():
        client = signed_up(HttpClient(live_server.base_url), person)
        for text in texts:
            post(client, text)
    return list(people)


@pytest.fixture
def speaking(browser: Browser) -> Iterator[object]:
    """``speaking(header)`` makes the browser send that Accept-Language; reset afterwards."""
    driver = browser.driver
    driver.execute_cdp_cmd("Network.enable", {})

    def set_languages(header: str) -> None:
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": header}})

    yield set_languages
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def _save(browser: Browser, artifacts_dir: Path, name: str) -> Path:
    assert browser.horizontal_overflow() == 0, f"{name} is wider than the window"
    path = browser.screenshot(artifacts_dir / "screenshots" / f"{name}.png")
    assert path.stat().st_size > 5_000
    if os.environ.get("E2E_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path


def _language(browser: Browser) -> str:
    return str(browser.driver.execute_script("return document.documentElement.lang"))


def test_korean_browser_gets_the_korean_site(browser: Browser, speaking, authors, artifacts_dir: Path) -> None:
    speaking(KOREAN)
    browser.use_viewport(DESKTOP)
    browser.open("/public")
    assert _language(browser) == "ko"
    assert browser.find("h1").text == "공개 타임라인"
    nav = browser.find(".navigation").text
    assert "가입" in nav and "로그인" in nav
    assert "오늘 점심은 김치찌개" in browser.find(".messages").text
    assert "방금" in browser.find(".messages").text  # "just now"
    _save(browser, artifacts_dir, "public-ko-desktop")


def test_english_browser_gets_minitwits_english(browser: Browser, speaking, authors, artifacts_dir: Path) -> None:
    speaking(ENGLISH)
    browser.open("/public")
    assert _language(browser) == "en"
    assert browser.find("h1").text == "Public Timeline"
    assert "sign up" in browser.find(".navigation").text
    _save(browser, artifacts_dir, "public-en-desktop")


def test_the_switch_wins_over_the_browser_and_is_remembered(browser: Browser, speaking, authors) -> None:
    speaking(KOREAN)
    browser.open("/public")
    assert _language(browser) == "ko"
    browser.click_link("English")
    assert browser.path == "/public" and _language(browser) == "en"
    assert browser.find("h1").text == "Public Timeline"
    browser.open("/login")  # another page, the same choice
    assert _language(browser) == "en" and browser.find("h1").text == "Sign In"
    assert browser.find(".languages [aria-current]").text == "English"
    browser.click_link("한국어")
    assert browser.path == "/login" and browser.find("h1").text == "로그인"
    cookie = browser.driver.get_cookie("lang")
    assert cookie is not None and cookie["value"] == "ko" and cookie["httpOnly"]


def test_a_form_error_in_korean(browser: Browser, speaking, authors, artifacts_dir: Path) -> None:
    speaking(KOREAN)
    browser.open("/register")
    assert browser.find("h1").text == "가입"
    browser.fill_and_submit(
        {"username": "jiwoo", "email": "jiwoo@example.org", "password": PASSWORD, "password2": "different"}
    )
    text = browser.text
    assert "이미 사용 중인 사용자 이름입니다" in text  # the username is taken
    assert "두 비밀번호가 서로 다릅니다" in text  # the passwords differ
    field = browser.find("#field-username")
    assert field.get_attribute("aria-invalid") == "true"
    _save(browser, artifacts_dir, "register-error-ko-desktop")


def test_korean_timeline_of_a_signed_in_person(browser: Browser, speaking, authors, artifacts_dir: Path) -> None:
    speaking(KOREAN)
    jiwoo = authors[0]
    browser.open("/login")
    browser.fill_and_submit({"username": jiwoo.username, "password": jiwoo.password})
    assert browser.path == "/"
    assert "로그인했습니다" in browser.text  # the flash: "You were logged in"
    assert browser.find("h1").text == "내 타임라인"
    label = browser.find("label[for='field-text']").text
    assert label == "jiwoo 님, 무슨 생각을 하고 있나요?"
    box = browser.find("#field-text")
    box.send_keys("안녕")
    assert browser.find("#text-count").text.endswith("자 남음")  # the live counter, in Korean
    _save(browser, artifacts_dir, "timeline-ko-desktop")
