#!/usr/bin/env bash
# Make sure Debian's headless-capable Chromium and its WebDriver are installed, for tests/e2e.
#
# Idempotent and quiet when both are already there. Never downloads a browser from anywhere but
# the distribution's package archive. Exit status: 0 when /usr/bin/chromium and
# /usr/bin/chromedriver are usable afterwards, 1 otherwise (the e2e suite then skips its
# browser part loudly, or fails in CI unless E2E_ALLOW_NO_BROWSER=1).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
# A Korean font, so that the Korean pages (tests/e2e/test_languages.py) show letters, not boxes.
KOREAN_FONTS=/usr/share/fonts/truetype/nanum

have_browser() {
    [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" && -d "$KOREAN_FONTS" ]]
}

if have_browser; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install chromium and chromium-driver yourself" >&2
    exit 1
fi

# apt needs root; use sudo only when we are not root and it is there to use.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        echo "install-browser: not root and no sudo; cannot install chromium" >&2
        exit 1
    fi
fi

echo "install-browser: installing chromium and chromium-driver with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt run may hold the lock for a while (for example an image still provisioning).
APT_OPTS=(-o DPkg::Lock::Timeout=300 -qq)
"${SUDO[@]}" apt-get "${APT_OPTS[@]}" update >/dev/null
"${SUDO[@]}" apt-get "${APT_OPTS[@]}" install -y --no-install-recommends chromium chromium-driver fonts-nanum >/dev/null

if have_browser; then
    echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed" >&2
    exit 0
fi
echo "install-browser: apt-get finished but $CHROMIUM or $CHROMEDRIVER is still missing" >&2
exit 1
