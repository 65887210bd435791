#!/bin/sh
# The end-to-end benchmark under its issue's name: gunicorn + wrk, see bench/e2e.py.
# Usage: bench/e2e.sh [--only S1,S3] [--seconds 5] [--rounds 1] [--quick]
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" -m bench.e2e "$@"
