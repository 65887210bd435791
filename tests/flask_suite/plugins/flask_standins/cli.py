"""Stand-ins for ``flask.cli`` names imported at the top of Flask's ``tests/test_testing.py``."""

from __future__ import annotations

from typing import Any

from . import refuse


class ScriptInfo:
    """Stand-in for ``flask.cli.ScriptInfo``; the command line is pending (issue 13)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        refuse("flask.cli.ScriptInfo")


class FlaskCliRunner:
    """Stand-in for ``flask.testing.FlaskCliRunner``; subclassable, refuses to be made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        refuse("flask.testing.FlaskCliRunner")
