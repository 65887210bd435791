"""Pictures of people that never break: an identicon the app draws itself, Gravatar only if asked.

Every person's picture is derived from the SHA-256 of their trimmed, lower-cased e-mail
address (the hash Gravatar also accepts). By default the page shows the app's own
identicon, served from ``/avatars/<hash>.svg``: a 5x5 mirrored pattern in one colour, both
taken from the hash, so the same address always looks the same and no page asks a third
party for anything. With ``GRAVATAR_URL`` set, the page asks Gravatar first (``d=404``: no
picture there is an error, not Gravatar's own placeholder) and the site's script swaps in
the identicon when that fails, so even an unreachable Gravatar leaves no broken frame.
"""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from wsgi_stack import Response, current_app, g, url_for

from .i18n import _

#: Hex digits of the hash that name an identicon (128 bits: unique enough, short URLs).
DIGEST_LENGTH = 32
_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_LENGTH}}}")
#: Identicons never change for a given hash: browsers may keep them for a year.
CACHE_SECONDS = 365 * 24 * 3600
_CELLS = 5


@functools.lru_cache(maxsize=4096)  # a page shows the same few authors again and again
def email_hash(email: str) -> str:
    """SHA-256 of the address as Gravatar wants it: trimmed and lower-cased."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


_PLACEHOLDER = "0" * DIGEST_LENGTH


def _identicon_shape() -> str:
    """The identicon route with a placeholder digest, built once per request: a page of 30
    messages would otherwise build the same URL shape 30 times."""
    shape = g.get("_twitapp_identicon_url")
    if shape is None:
        shape = g._twitapp_identicon_url = url_for("site.avatar", digest=_PLACEHOLDER)
    return shape


def identicon_url(email: str) -> str:
    """The app's own picture of ``email`` (a path on this site)."""
    return _identicon_shape().replace(_PLACEHOLDER, email_hash(email)[:DIGEST_LENGTH])


def avatar_sources(email: str, size: int = 48) -> tuple[str, str | None]:
    """``(src, fallback)`` of a picture: Gravatar's with the identicon to fall back on when
    Gravatar is configured, else the identicon alone."""
    digest = email_hash(email)
    own = _identicon_shape().replace(_PLACEHOLDER, digest[:DIGEST_LENGTH])
    base = current_app.config.get("GRAVATAR_URL")
    if not base:
        return own, None
    return f"{base}{digest}?{urlencode({'d': '404', 's': size})}", own


def avatar_url(email: str, size: int = 48) -> str:
    """The picture a page shows first: Gravatar's when configured, else the identicon."""
    return avatar_sources(email, size)[0]


def identicon_svg(digest: str) -> str:
    """A 5x5 identicon, left half mirrored to the right, colour and cells from ``digest``."""
    hue = int(digest[:3], 16) * 360 // 4096
    bits = int(digest[3:], 16)
    cells = []
    for row in range(_CELLS):
        for column in range((_CELLS + 1) // 2):
            bit = row * 3 + column
            if bits >> bit & 1:
                cells.append(f"M{column} {row}h1v1h-1z")
                if column != _CELLS - 1 - column:
                    cells.append(f"M{_CELLS - 1 - column} {row}h1v1h-1z")
    path = "".join(cells) or "M2 2h1v1h-1z"  # never an empty picture
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" height="48"'
        ' shape-rendering="crispEdges">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="#f0f3f7"/>'
        f'<path fill="hsl({hue} 60% 42%)" d="{path}"/></svg>'
    )


def avatar(digest: str) -> Response:
    """``GET /avatars/<digest>.svg``: the identicon, cacheable for a year."""
    if not _DIGEST.fullmatch(digest):
        raise NotFound(_("There is no such picture."))
    response = current_app.response_class(identicon_svg(digest), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.cache_control.immutable = True
    return response
