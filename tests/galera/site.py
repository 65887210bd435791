"""twitapp for the cluster tests' gunicorns: ``server.py``'s app with test-sized settings.

Cheap password hashing (thousands of registrations and logins on two shared cores) and a
login throttle that never trips: all test traffic comes from 127.0.0.1, so the per-address
bucket would otherwise block the hot-row run, which is made of failed logins on purpose.
"""

from __future__ import annotations

from server import config_from_environment
from twitapp import create_app

TEST_SETTINGS = {
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 10**9,
    "LOGIN_MAX_FAILURES_PER_USER": 10**9,
}

app = create_app({**config_from_environment(), **TEST_SETTINGS})
