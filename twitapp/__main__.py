"""Command line: ``python -m twitapp init-db`` and ``python -m twitapp seed ...``.

The database is the one ``DATABASE_URL`` names (or ``--database-url``); unset, the
SQLite file in the instance folder that the web app uses.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time

from . import create_app, db
from .seed import seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twitapp", description="Create or fill twitapp's database.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="default: $DATABASE_URL, else the SQLite file in the instance folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-db", help="drop and re-create the schema (deletes all data)")
    seeding = commands.add_parser("seed", help="add fake users, follows and messages in bulk")
    seeding.add_argument("--users", type=int, default=1000, help="users to add (default 1000)")
    seeding.add_argument("--messages", type=int, default=10000, help="messages to add (default 10000)")
    seeding.add_argument("--follows", type=int, default=10000,
                         help="follow relations to add in total (default 10000)")
    seeding.add_argument("--password", default="password", help="every new user's password")
    seeding.add_argument("--random-seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "seed" and min(args.users, args.messages, args.follows) < 0:
        parser.error("counts must not be negative")

    # No session is ever signed here, so a throwaway key will do.
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_hex(32)})
    url = app.config["DATABASE_URL"]
    try:
        with app.app_context():
            if args.command == "init-db":
                db.init_db()
                print(f"created an empty schema in {_safe(url)}")
            else:
                started = time.monotonic()
                timings = seed(db.get_db(), args.users, args.messages, args.follows,
                               rng_seed=args.random_seed, password=args.password)
                parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
                print(f"seeded {_safe(url)} in {time.monotonic() - started:.1f} s ({parts})")
    except (db.DatabaseUnavailable, db.BadDatabaseURL) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close_thread_connections()
    return 0


def _safe(url: str) -> str:
    """``url`` without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest}"


if __name__ == "__main__":
    sys.exit(main())
