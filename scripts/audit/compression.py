"""Lighthouse's ``uses-text-compression`` audit on twitapp's main pages, against the real server.

    npm ci --prefix scripts/audit                    # once (see run.py)
    .venv/bin/python scripts/audit/compression.py    # ~1 min; exit 1 if a page is flagged

The same server, database and cast as ``run.py`` (gunicorn, MariaDB, Debian's Chromium); each of
/public, /register, /login, a user page and the signed-in home timeline is audited once, with
only that audit, and the script prints its score and the bytes Lighthouse says compression would
still save (0 when every text response, the page and its stylesheet and script, came gzipped).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import CHROMIUM, CHROMIUM_FLAGS, LIGHTHOUSE, LIGHTHOUSE_TIMEOUT, ROOT, prepare_cast

from tests.e2e.live_server import running_server  # noqa: E402  (run.py put ROOT on sys.path)
from tests.support.mariadb import temporary_database  # noqa: E402

AUDIT = "uses-text-compression"


def audit(url: str, cookies: dict[str, str], out: Path) -> tuple[float, int]:
    """(score, bytes still to save) for one page."""
    command = [
        "node", str(LIGHTHOUSE), url, f"--only-audits={AUDIT}", "--output=json",
        f"--output-path={out}", "--quiet", "--chrome-flags=" + " ".join(CHROMIUM_FLAGS).replace(
            "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"),
    ]  # fmt: skip
    if cookies:
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        command.append("--extra-headers=" + json.dumps({"Cookie": header}))
    subprocess.run(command, check=True, timeout=LIGHTHOUSE_TIMEOUT, env={"CHROME_PATH": str(CHROMIUM),
                   "PATH": "/usr/bin:/bin"}, capture_output=True)  # fmt: skip
    result = json.loads(out.read_text())["audits"][AUDIT]
    items = (result.get("details") or {}).get("items", [])
    return float(result["score"] or 0), sum(int(item["wastedBytes"]) for item in items)


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"run: npm ci --prefix {Path(__file__).parent.relative_to(ROOT)}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="twitapp-compression-audit-"))
    flagged = []
    try:
        with temporary_database(prefix="twitapp_audit") as database_url, running_server(
            database_url, secret_key=secrets.token_urlsafe(48), log_path=workdir / "gunicorn.log"
        ) as server:
            user_page, cookies = prepare_cast(server.base_url)
            pages = [("/public", {}), ("/register", {}), ("/login", {}), (f"/{user_page}", {}),
                     ("/", cookies)]  # fmt: skip
            for index, (path, page_cookies) in enumerate(pages):
                score, wasted = audit(server.base_url + path, page_cookies, workdir / f"lh-{index}.json")
                name = "home (signed in)" if page_cookies else path
                print(f"{name:24} {AUDIT} score {score:.0f}, {wasted:,} bytes still to save", flush=True)
                if score < 1:
                    flagged.append(name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("every page passes" if not flagged else f"flagged: {flagged}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
