"""Benchmarks for wsgi_stack against Flask and raw Werkzeug (issue 8).

Every benchmark is one command run from the project root:

* ``python -m bench.framework`` -- in-process cost per request, calls per request, import time;
* ``python -m bench.e2e`` -- the same apps under gunicorn, driven by ``wrk``;
* ``python -m bench.memory`` -- resident size of a gunicorn worker as requests accumulate.

The scenarios live in :mod:`bench.scenarios`, the apps that serve them in :mod:`bench.apps`.
"""
