"""Fixtures for the end-to-end suite: MariaDB, gunicorn, headless Chromium, a plain HTTP client.

One server and one browser serve the whole session (starting them is most of the cost); each
test makes users of its own with unique names, so tests do not depend on one another's data.

Missing pieces are never passed over quietly:

- MariaDB unreachable: the tests skip with the reason, or fail when ``CI`` is set.
- Chromium missing or broken: the browser tests skip, a banner in the terminal summary says so,
  and with ``CI`` set they fail instead unless ``E2E_ALLOW_NO_BROWSER=1``.

When a test fails, its report carries the tail of the gunicorn log, and a browser test leaves
a screenshot and the page's HTML in ``tests/e2e/artifacts/failures/``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from tests.support.mariadb import server_available, temporary_database

from .browser import (
    DESKTOP,
    Browser,
    BrowserUnavailable,
    fresh_profile_dir,
    remove_profile_dir,
    start_chromium,
)
from .http_client import HttpClient
from .live_server import BROWSER_THREADS, LiveServer, running_server
from .people import ENOUGH_FOR_TWO_PAGES, PASSWORD, Person, post, signed_up

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"

_server_key = pytest.StashKey[LiveServer]()
_no_browser_key = pytest.StashKey[str]()
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here ``e2e``, so ``-m "not e2e"`` leaves the slow part out."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    report: pytest.TestReport = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    server = item.config.stash.get(_server_key, None)
    if report.failed and server is not None and "live_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("gunicorn log (last lines)", server.log_tail()))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reason = terminalreporter.config.stash.get(_no_browser_key, None)
    if reason is None:
        return
    terminalreporter.write_sep("!", "BROWSER TESTS WERE SKIPPED", red=True, bold=True)
    terminalreporter.write_line(f"Chromium is not usable here: {reason}", red=True, bold=True)
    terminalreporter.write_line(
        "The end-to-end browser walk and the screenshots did NOT run. "
        "Install Chromium with scripts/install-browser.sh and run again.",
        red=True,
        bold=True,
    )


# -- the server side ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where the suite leaves screenshots and logs (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A MariaDB database of this run's own, dropped at the end."""
    available, reason = server_available()
    if not available:
        if _in_ci():
            pytest.fail(f"CI needs MariaDB for the e2e suite: {reason}", pytrace=False)
        pytest.skip(reason)
    # twitapp talks to MySQL without TLS unless the URL asks for it (?ssl=true).
    with temporary_database(prefix="twitapp_e2e") as url:
        yield url


@pytest.fixture(scope="session")
def live_server(
    pytestconfig: pytest.Config, database_url: str, artifacts_dir: Path
) -> Iterator[LiveServer]:
    """``gunicorn -w 2 --threads 4 server:app`` on the run's database, stopped at the end of the session.

    Threads (gthread), as ``scripts/run`` serves it: Chromium's speculative connections must not hold a
    sync worker until its timeout (they did: WORKER TIMEOUT, "no URI read").
    """
    with running_server(
        database_url,
        secret_key=secrets.token_urlsafe(48),
        log_path=artifacts_dir / "gunicorn.log",
        threads=BROWSER_THREADS,
    ) as server:
        pytestconfig.stash[_server_key] = server
        yield server
    # A 500 shows up in a test's assertions; an exception in a teardown hook or a worker
    # that died does not, so the server's log must be free of them too.
    trouble = [
        line
        for line in server.log_path.read_text(errors="replace").splitlines()
        if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
    ]
    if trouble:
        pytest.fail(
            f"gunicorn logged {len(trouble)} error line(s), first: {trouble[0]}\n"
            f"see {server.log_path}",
            pytrace=False,
        )


@pytest.fixture
def new_client(live_server: LiveServer) -> Callable[[], HttpClient]:
    """Make a plain HTTP client for the server: one per person, each with its own cookies."""
    return lambda: HttpClient(live_server.base_url)


@pytest.fixture(scope="session")
def prolific(live_server: LiveServer) -> tuple[Person, list[str]]:
    """An author with more than a page of messages: the person, and the texts oldest first."""
    person = Person(f"prolific{secrets.token_hex(3)}", PASSWORD)
    client = signed_up(HttpClient(live_server.base_url), person)
    texts = [f"Numbered note {n:02d} by {person.username}" for n in range(1, ENOUGH_FOR_TWO_PAGES + 1)]
    for text in texts:
        post(client, text)
    return person, texts


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """A username nobody else in this run has: ``stem`` plus a few hex digits."""
    return lambda stem: f"{stem}{secrets.token_hex(3)}"


# -- the browser side -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(pytestconfig: pytest.Config, artifacts_dir: Path) -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the session, with a profile of its own."""
    profile = fresh_profile_dir()
    try:
        driver = start_chromium(profile, artifacts_dir / "chromedriver.log")
    except BrowserUnavailable as exc:
        remove_profile_dir(profile)
        reason = str(exc)
        if _in_ci() and os.environ.get("E2E_ALLOW_NO_BROWSER") != "1":
            pytest.fail(
                f"CI needs Chromium for the e2e browser tests: {reason} "
                "(set E2E_ALLOW_NO_BROWSER=1 to let them skip)",
                pytrace=False,
            )
        pytestconfig.stash[_no_browser_key] = reason
        pytest.skip(f"BROWSER TESTS SKIPPED, Chromium is not usable: {reason}")
    try:
        yield driver
    finally:
        driver.quit()
        remove_profile_dir(profile)


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    chromium: webdriver.Chrome,
    live_server: LiveServer,
    artifacts_dir: Path,
) -> Iterator[Browser]:
    """The session's Chromium as a new visitor: no cookies, a desktop window."""
    # Through DevTools, so cookies of every site go, whatever page the last test left open.
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    page = Browser(chromium, live_server.base_url)
    page.use_viewport(DESKTOP)
    yield page
    reports = request.node.stash.get(_reports_key, {})
    if "call" in reports and reports["call"].failed:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        failures = artifacts_dir / "failures"
        page.screenshot(failures / f"{stem}.png")
        (failures / f"{stem}.html").write_text(chromium.page_source)
