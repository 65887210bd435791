"""What every site has besides its pages: robots.txt, a favicon, and the app's own avatars."""

from __future__ import annotations

from typing import Any

from wsgi_stack import Blueprint, current_app, redirect, url_for

from .. import avatars

ROBOTS = "User-agent: *\nAllow: /\n"


bp = Blueprint("site", __name__)
bp.add_url_rule("/avatars/<digest>.svg", "avatar", avatars.avatar)


@bp.route("/robots.txt")
def robots_txt() -> Any:
    response = current_app.response_class(ROBOTS, mimetype="text/plain")
    response.cache_control.max_age = 86400
    return response


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico on their own; the picture is an SVG among the static files."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
