"""``python -m wsgi_stack``: the ``wsgi-stack`` command (:mod:`wsgi_stack.cli`) without installing."""

from .cli import main

main()
