"""Stand-ins for Flask's blinker signals named at the top of in-scope test files."""

from __future__ import annotations

from . import StandIn

appcontext_popped = StandIn("flask.appcontext_popped")
