"""What every site has besides its pages: robots.txt, a favicon, and the app's own avatars."""

from __future__ import annotations

from typing import Any

from wsgi_stack import current_app, redirect, url_for

from .. import avatars

ROBOTS = "User-agent: *\nAllow: /\n"


def init_app(app: Any) -> None:
    app.add_url_rule("/robots.txt", "robots_txt", robots_txt)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.add_url_rule("/avatars/<digest>.svg", "avatar", avatars.avatar)


def robots_txt() -> Any:
    response = current_app.response_class(ROBOTS, mimetype="text/plain")
    response.cache_control.max_age = 86400
    return response


def favicon() -> Any:
    """Browsers ask for /favicon.ico on their own; the picture is an SVG among the static files."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
