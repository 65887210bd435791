"""Fixtures for the differential tests: the reference framework and the candidate.

The reference is always Flask. The candidate is ``wsgi_stack`` unless ``DIFF_CANDIDATE`` names
another importable module; ``DIFF_CANDIDATE=flask`` runs Flask against itself, which proves the
kit (every scenario must then pass, so nothing in the comparison is flaky or run-dependent).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from .kit import candidate_name


@pytest.fixture(scope="session")
def reference() -> ModuleType:
    return importlib.import_module("flask")


@pytest.fixture(scope="session")
def candidate() -> ModuleType:
    # An import error is a failure, not a skip: a framework that does not import differs from Flask.
    return importlib.import_module(candidate_name())
