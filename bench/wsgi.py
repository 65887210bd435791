"""The WSGI entry point the gunicorn benchmarks serve: ``bench.wsgi:app``.

Which app is chosen by the environment, so one module serves every combination:
``BENCH_FRAMEWORK`` (``wsgi_stack``, ``flask`` or ``werkzeug``) and ``BENCH_SCENARIOS``
(``S1,S3``; all five when empty).
"""

from __future__ import annotations

import os

from bench.apps import build_app

app = build_app(os.environ["BENCH_FRAMEWORK"], os.environ.get("BENCH_SCENARIOS") or None)
