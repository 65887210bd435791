"""twitapp's ``server:app`` for :mod:`bench.twitapp_frameworks`' gunicorn part, on the framework
the environment names (``BENCH_TWITAPP_FRAMEWORK``: ``flask`` through the shim in
``BENCH_TWITAPP_SHIM``, or ``wsgi_stack``). Importing it on the other framework raises, so a
worker that would serve the wrong one never boots."""

from __future__ import annotations

import os

from bench.twitapp_frameworks import use_framework

use_framework(os.environ["BENCH_TWITAPP_FRAMEWORK"], os.environ["BENCH_TWITAPP_SHIM"])

from server import app  # noqa: E402  (only once the framework is chosen)

__all__ = ["app"]
