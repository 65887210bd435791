"""Inert stand-ins for parts of Flask that wsgi_stack leaves out on purpose (see ``scope.toml``).

They exist only so that in-scope test files which import such names at module level can be collected. Using one
raises ``OutOfScope``: a test that gets that far belongs in ``scope.toml``.
"""

from __future__ import annotations

from typing import Any, NoReturn


class OutOfScope(RuntimeError):
    """A stand-in for an out-of-scope Flask feature was used."""


def refuse(what: str) -> NoReturn:
    """Raise ``OutOfScope`` naming the feature that was reached."""
    raise OutOfScope(f"{what} is out of wsgi_stack's scope (tests/flask_suite/scope.toml)")


class StandIn:
    """An object that refuses every use: calling it or reading a public attribute raises ``OutOfScope``."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("_"):
            # Introspection (pytest's collector, copy, pickle) probes private names and expects AttributeError.
            raise AttributeError(name)
        refuse(f"{self._what}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        refuse(self._what)

    def __repr__(self) -> str:
        return f"<out-of-scope stand-in {self._what}>"
