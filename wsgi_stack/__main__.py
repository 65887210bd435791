"""``python -m wsgi_stack``: the command line of :mod:`wsgi_stack.cli`."""

from .cli import main

raise SystemExit(main())
