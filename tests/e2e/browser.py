"""Headless Chromium through Selenium: Debian's browser and driver, nothing downloaded.

:func:`start_chromium` starts one browser with a fresh profile; :class:`Browser` wraps it with
the handful of things a walk through the site needs, each of which waits for the page it leads
to, so a test never races a navigation.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Only the site under test is reachable: every other host name fails at once, so nothing
    # leaves the machine and a slow outside resolver (Gravatar's pictures) cannot stall a page.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
NAVIGATION_TIMEOUT = 20.0


@dataclass(frozen=True)
class Viewport:
    """A window size; ``mobile`` also makes the page honour ``<meta name=viewport>``."""

    name: str
    width: int
    height: int
    mobile: bool


PHONE = Viewport("phone", 390, 844, mobile=True)
DESKTOP = Viewport("desktop", 1280, 900, mobile=False)


class BrowserUnavailable(RuntimeError):
    """Chromium or its driver is missing or would not start."""


def missing_browser_reason() -> str | None:
    """Why Chromium cannot be used here, or None when both binaries are in place."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} not found (run scripts/install-browser.sh)"
    return None


def start_chromium(profile_dir: Path, log_path: Path) -> webdriver.Chrome:
    """Start headless Chromium with a fresh profile in ``profile_dir``."""
    reason = missing_browser_reason()
    if reason:
        raise BrowserUnavailable(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_argument(f"--window-size={DESKTOP.width},{DESKTOP.height}")
    # With the driver's path given, Selenium does not look for (or fetch) one of its own.
    service = Service(str(CHROMEDRIVER), log_output=str(log_path))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        raise BrowserUnavailable(f"Chromium would not start: {exc.msg or exc}") from exc
    driver.set_page_load_timeout(NAVIGATION_TIMEOUT)
    return driver


def fresh_profile_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="e2e-chromium-"))


def remove_profile_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _replaced(old_page: WebElement) -> bool:
    """Whether the document ``old_page`` belongs to has been replaced (Selenium's
    ``staleness_of``, one poll). Asked in the middle of the swap, ChromeDriver can answer
    "Node with given id does not belong to the document" instead of "stale": that is no
    answer yet, so the wait polls again rather than failing the test."""
    try:
        old_page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return False
        raise
    return False


class Browser:
    """One person's browser on one site: navigate, fill, click, read, all waiting for the page."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    # -- where we are and what is shown -------------------------------------------------------

    @property
    def path(self) -> str:
        """The current URL without the scheme and host."""
        url: str = self.driver.current_url
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    @property
    def text(self) -> str:
        """The page's visible text, as a person reads it."""
        return self.driver.find_element(By.TAG_NAME, "body").text

    @property
    def title(self) -> str:
        return self.driver.title

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    # -- doing things ---------------------------------------------------------------------------

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def _click_and_wait(self, action: WebElement) -> None:
        """Click ``action`` and wait until the page it leads to has replaced this one."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        action.click()
        wait = WebDriverWait(self.driver, NAVIGATION_TIMEOUT)
        wait.until(lambda d: _replaced(old_page))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def click_link(self, words: str) -> None:
        """Click the link whose text contains ``words``."""
        self._click_and_wait(self.driver.find_element(By.PARTIAL_LINK_TEXT, words))

    def fill_and_submit(self, values: dict[str, str]) -> None:
        """Type ``values`` into the fields with those names and submit their form.

        The form is the one holding the first field; it is sent with its own submit button,
        as a person would, so hidden fields (the CSRF token) go along untouched.
        """
        fields = [self.find(f"[name='{name}']") for name in values]
        for element, value in zip(fields, values.values()):
            element.clear()
            element.send_keys(value)
        form = fields[0].find_element(By.XPATH, "./ancestor::form")
        self._click_and_wait(form.find_element(By.CSS_SELECTOR, "[type=submit]"))

    def go_towards(self, path_suffix: str) -> None:
        """Click the link or form button that goes to a URL ending with ``path_suffix``.

        Follow and unfollow may be links (as in MiniTwit) or small POST forms (twitapp's
        safer choice); a person just clicks what is there, and so does the suite.
        """
        found = self.find_all(
            f"a[href$='{path_suffix}'], form[action$='{path_suffix}'] [type=submit]"
        )
        assert found, f"nothing on {self.path} leads to …{path_suffix}"
        self._click_and_wait(found[0])

    # -- windows and pictures -------------------------------------------------------------------

    def use_viewport(self, viewport: Viewport) -> None:
        """Make the page lay out as on ``viewport`` (a phone honours the meta viewport tag)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": 1,
                "mobile": viewport.mobile,
            },
        )

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"Chromium could not save a screenshot to {path}")
        return path

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: nothing sticks out)."""
        return int(
            self.driver.execute_script(
                "return Math.max(0, document.documentElement.scrollWidth"
                " - document.documentElement.clientWidth);"
            )
        )
