"""twitapp's commands, ``init-db`` and ``seed``: written once, run from two command lines.

* ``python -m twitapp init-db|seed ...`` (:mod:`twitapp.__main__`, argparse): builds an app
  for the database ``--database-url`` or ``DATABASE_URL`` names;
* ``python -m wsgi_stack --app server:app init-db|seed ...`` (``app.cli``, click, as in
  Flask's tutorial): runs in the context of the app it loads.

Both call :func:`init_db` and :func:`seed` here, inside an app context, and print what they
return; a database that cannot be reached (or a bad URL) is an error message and exit
status 1 on either.
"""

from __future__ import annotations

import time
from typing import Any

import click

from wsgi_stack.cli import with_appcontext

from . import db
from .seed import seed as fill

#: What either command line reports as "error: ..." with exit status 1, never a traceback.
FAILURES = (db.DatabaseUnavailable, db.BadDatabaseURL)


def init_db() -> str:
    """Drop and re-create the schema of the current app's database; what to tell the user."""
    db.init_db()
    return f"created an empty schema in {safe_url(db.database_url())}"


def seed(users: int, messages: int, follows: int, *, password: str, random_seed: int) -> str:
    """Add fake users, follows and messages to the current app's database in bulk (progress
    goes to stdout); the closing line to tell the user."""
    started = time.monotonic()
    timings = fill(db.get_db(), users, messages, follows, rng_seed=random_seed, password=password)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    return f"seeded {safe_url(db.database_url())} in {time.monotonic() - started:.1f} s ({parts})"


def safe_url(url: str) -> str:
    """``url`` without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest}"


# --------------------------------------------------------------------------- app.cli (click)


def _run_click(work: Any, *args: Any, **kwargs: Any) -> None:
    """Run ``work`` in the command's app context and echo its message; FAILURES become
    click's "Error: ..." and exit status 1."""
    try:
        message = work(*args, **kwargs)
        # Commit and let go of the connection now: click pops the app context (and its
        # teardown, which would do the same) only after the connections are closed below.
        db.end_request()
    except FAILURES as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.forget_request_connection()  # only after a failure: dropped, never committed
        db.close_thread_connections()
    click.echo(message)


@click.command("init-db", help="Drop and re-create the schema (deletes all data).")
@with_appcontext
def init_db_command() -> None:
    _run_click(init_db)


_COUNT = click.IntRange(min=0)


@click.command("seed", help="Add fake users, follows and messages in bulk.")
@click.option("--users", type=_COUNT, default=1000, show_default=True, help="Users to add.")
@click.option("--messages", type=_COUNT, default=10000, show_default=True, help="Messages to add.")
@click.option("--follows", type=_COUNT, default=10000, show_default=True,
              help="Follow relations to add in total.")
@click.option("--password", default="password", show_default=True, help="Every new user's password.")
@click.option("--random-seed", type=int, default=1, show_default=True)
@with_appcontext
def seed_command(users: int, messages: int, follows: int, password: str, random_seed: int) -> None:
    _run_click(seed, users, messages, follows, password=password, random_seed=random_seed)


def init_app(app: Any) -> None:
    """Make the commands ``app.cli`` commands (``python -m wsgi_stack --app ... init-db``)."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_command)
