"""Prints how many hostile requests each suite sent (the figure docs/RELIABILITY.md reports)."""

from __future__ import annotations

import pytest

from .kit import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        total = sum(TALLY.values())
        parts = ", ".join(f"{suite}: {n}" for suite, n in sorted(TALLY.items()))
        terminalreporter.write_line(f"hostile inputs tried: {total} ({parts})")
