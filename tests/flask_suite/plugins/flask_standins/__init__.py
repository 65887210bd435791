"""Inert stand-ins for parts of Flask that are still pending in wsgi_stack (see ``scope.toml``).

They exist only so that test files which import such names at module level can be collected, and their other
tests run. Using one raises ``OutOfScope``: a test that gets that far is pending, listed in ``scope.toml``.
"""

from __future__ import annotations

from typing import Any, NoReturn


class OutOfScope(RuntimeError):
    """A stand-in for a pending Flask feature was used."""


def refuse(what: str) -> NoReturn:
    """Raise ``OutOfScope`` naming the feature that was reached."""
    raise OutOfScope(f"{what} is pending in wsgi_stack (tests/flask_suite/scope.toml)")


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
        return f"<pending stand-in {self._what}>"
