"""Lighthouse and axe-core on twitapp's main pages, against the real server, in Debian's Chromium.

    npm ci --prefix scripts/audit            # once: lighthouse + axe-core (no browser download)
    .venv/bin/python scripts/audit/run.py    # ~1-2 min; exit 1 if any page misses

It starts ``gunicorn server:app`` on a MariaDB database of its own (as the e2e suite does),
signs up a small cast with messages and follows, then audits /public, /register, /login, a user
page and the signed-in home timeline:

* Lighthouse (accessibility, best practices, SEO), the CLI with ``CHROME_PATH=/usr/bin/chromium``;
  the signed-in page gets the session cookie through ``--extra-headers``;
* axe-core in the same Chromium through Selenium (the script is injected over DevTools, which
  the page's Content-Security-Policy does not govern), every rule axe runs by default.

``--axe-only`` skips Lighthouse; ``--json PATH`` writes the figures. Every score must be 100 and
every page free of axe violations. Nothing leaves 127.0.0.1: Chromium resolves no other host.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, Viewport, start_chromium  # noqa: E402
from tests.e2e.http_client import HttpClient  # noqa: E402
from tests.e2e.live_server import running_server  # noqa: E402
from tests.e2e.people import PASSWORD, Person, post, signed_up, toggle_follow  # noqa: E402
from tests.support.mariadb import temporary_database  # noqa: E402

CATEGORIES = ("accessibility", "best-practices", "seo")
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: Seconds one Lighthouse run may take (it is killed after that and counts as a failure).
LIGHTHOUSE_TIMEOUT = 180


def prepare_cast(base_url: str) -> tuple[str, dict[str, str]]:
    """Sign up three people with messages; the viewer follows the others. Returns the name
    of the user page to audit and the viewer's cookies."""
    suffix = secrets.token_hex(2)
    viewer = Person(f"margaret{suffix}", PASSWORD)
    cast = {
        Person(f"grace{suffix}", PASSWORD): ["Found a moth in relay 70 of panel F.", "We've always done it this way."],
        Person(f"linus{suffix}", PASSWORD): ["Talk is cheap. Show me the code."],
        viewer: ["Testing the landing sequence once more before lunch."],
    }
    clients = {person: signed_up(HttpClient(base_url), person) for person in cast}
    for person, texts in cast.items():
        for text in texts:
            post(clients[person], text)
    for person in cast:
        if person != viewer:
            toggle_follow(clients[viewer], person.username, "follow")
    user_page = next(iter(cast)).username
    return user_page, dict(clients[viewer].cookies)


def lighthouse(url: str, cookies: dict[str, str], viewport: Viewport, out: Path) -> dict[str, Any]:
    """Scores (0-100) per category and the titles of the audits that failed."""
    command = [
        "node", str(LIGHTHOUSE), url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json", f"--output-path={out}", "--quiet",
        "--chrome-flags=" + " ".join(CHROMIUM_FLAGS).replace(
            "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"),
        "--max-wait-for-load=20000",
    ]
    if viewport.mobile:
        command.append("--form-factor=mobile")
    else:
        command += ["--preset=desktop"]
    if cookies:
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        command.append("--extra-headers=" + json.dumps({"Cookie": header}))
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    subprocess.run(command, env=env, check=True, timeout=LIGHTHOUSE_TIMEOUT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    report = json.loads(out.read_text())
    final = report.get("finalDisplayedUrl") or report.get("finalUrl")
    if final != url:  # e.g. signed out and sent to /public: not the page meant
        raise RuntimeError(f"Lighthouse audited {final}, not {url}")
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    failed = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failed.append(f"{name}: {ref['id']} ({audit['title']})")
    return {"scores": scores, "failed": failed}


def axe_violations(driver: Any, url: str) -> list[str]:
    """axe-core's violations on ``url`` (already signed in or not), as 'rule: n nodes'."""
    driver.get(url)
    if driver.current_url != url:
        raise RuntimeError(f"axe would audit {driver.current_url}, not {url}")
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map("
        "v => v.id + ': ' + v.nodes.length + ' node(s), ' + v.help)), e => done(['axe failed: ' + e]));"
    )
    return list(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--axe-only", action="store_true", help="skip Lighthouse")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if not AXE.exists() or (not args.axe_only and not LIGHTHOUSE.exists()):
        print(f"run: npm ci --prefix {HERE.relative_to(ROOT)}", file=sys.stderr)
        return 2

    results: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="twitapp-audit-"))
    try:
        with temporary_database(prefix="twitapp_audit") as database_url, running_server(
            database_url, secret_key=secrets.token_urlsafe(48), log_path=workdir / "gunicorn.log"
        ) as server:
            user_page, cookies = prepare_cast(server.base_url)
            pages = [("/public", False), ("/register", False), ("/login", False),
                     (f"/{user_page}", False), ("/", True)]
            driver = start_chromium(workdir / "profile", workdir / "chromedriver.log")
            try:
                for viewport in (PHONE, DESKTOP):
                    for path, signed_in in pages:
                        key = f"{'home (signed in)' if signed_in else path} {viewport.name}"
                        driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
                        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                            "width": viewport.width, "height": viewport.height,
                            "deviceScaleFactor": 1, "mobile": viewport.mobile})
                        driver.get(server.base_url + "/robots.txt")
                        if signed_in:
                            for name, value in cookies.items():
                                driver.add_cookie({"name": name, "value": value, "path": "/"})
                        entry: dict[str, Any] = {"axe": axe_violations(driver, server.base_url + path)}
                        if not args.axe_only:
                            out = workdir / f"lh-{len(results)}.json"
                            entry |= lighthouse(server.base_url + path, cookies if signed_in else {},
                                                viewport, out)
                        results[key] = entry
                        scores = entry.get("scores", {})
                        print(f"{key:28} " + " ".join(f"{k} {v:3}" for k, v in scores.items())
                              + f"  axe violations {len(entry['axe'])}", flush=True)
                        for line in entry["axe"] + entry.get("failed", []):
                            print(f"    {line}")
            finally:
                driver.quit()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    bad = [key for key, entry in results.items()
           if entry["axe"] or any(score < 100 for score in entry.get("scores", {}).values())]
    print("all pages: 100 / 0 violations" if not bad else f"pages that miss: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
