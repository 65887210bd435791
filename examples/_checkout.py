"""Lets ``python examples/NAME.py`` use this checkout's wsgi_stack without installing it.

Python puts the script's folder (examples/) first on ``sys.path``; this puts the project root
right after it, so ``import wsgi_stack`` finds the package beside examples/. Once wsgi_stack is
installed (``pip install -e .``) the line that imports this module can go.
"""

import sys
from pathlib import Path

_root = str(Path(__file__).resolve().parent.parent)
if _root not in sys.path:
    sys.path.insert(1, _root)
