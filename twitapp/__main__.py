"""Command line: ``python -m twitapp init-db`` and ``python -m twitapp seed ...``.

The database is the one ``DATABASE_URL`` names (or ``--database-url``); unset, the
SQLite file in the instance folder that the web app uses. The commands themselves are
:mod:`twitapp.commands`, which also serves them as ``app.cli`` commands
(``python -m wsgi_stack --app server:app init-db``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from . import commands, create_app, db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twitapp", description="Create or fill twitapp's database.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="default: $DATABASE_URL, else the SQLite file in the instance folder")
    subcommands = parser.add_subparsers(dest="command", required=True)
    subcommands.add_parser("init-db", help="drop and re-create the schema (deletes all data)")
    seeding = subcommands.add_parser("seed", help="add fake users, follows and messages in bulk")
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
    try:
        with app.app_context():
            if args.command == "init-db":
                print(commands.init_db())
            else:
                print(commands.seed(args.users, args.messages, args.follows,
                                    password=args.password, random_seed=args.random_seed))
    except commands.FAILURES as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close_thread_connections()
    return 0


if __name__ == "__main__":
    sys.exit(main())
