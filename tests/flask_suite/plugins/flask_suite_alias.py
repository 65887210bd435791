"""pytest plugin: ``import flask`` gives ``wsgi_stack``, one module for one module.

Loaded with ``-p flask_suite_alias`` by ``run.py``. A meta-path finder answers every import of ``flask`` or
``flask.<sub>`` with the already-imported ``wsgi_stack`` / ``wsgi_stack.<sub>`` module object itself, so
``flask.json.tag is wsgi_stack.json.tag`` and a test that patches ``flask.x`` patches wsgi_stack. Nothing is
copied or wrapped, and wsgi_stack's files are never touched.

While some of Flask is pending in wsgi_stack (see ``scope.toml``), a test file that imports a pending name at
module level would lose every test in it, not only those that use the name. For such a name, a stand-in module
can be named in ``STANDIN_NAMES`` (or ``STANDIN_MODULES`` for a whole module); it is supplied only while
wsgi_stack lacks the name, and the terminal summary lists every one handed out. Nothing is pending today, so
both tables are empty.

``importlib.metadata`` answers for the alias too: the distribution ``flask`` is the Flask release the suite
judges against (``FLASK_VERSION``), as ``importlib.metadata.version("flask")`` would be in Flask's own run
(test_cli.py's ``test_get_version`` compares the ``--version`` output with it).

The plugin refuses to start when a real Flask is importable: the run would silently judge Flask, not wsgi_stack.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
import typing as t
import warnings
from pathlib import Path
from types import ModuleType
from typing import Iterator, Sequence

import pytest

ALIAS = "flask"
TARGET = "wsgi_stack"
# The Flask release the alias stands for (run.py's FLASK_VERSION, the suite being run).
FLASK_VERSION = "3.1.3"

# Pending modules that test files import at the top: alias name -> stand-in module.
STANDIN_MODULES: dict[str, str] = {}
# Pending names imported at the top of test files: (alias module, attribute) -> "stand-in module:attribute".
STANDIN_NAMES: dict[tuple[str, str], str] = {}


class AliasDistribution(importlib.metadata.Distribution):
    """The metadata of the alias: a name and a version, no files, no entry points."""

    def __init__(self, name: str, version: str) -> None:
        self._metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"

    def read_text(self, filename: str) -> str | None:
        return self._metadata if filename in ("METADATA", "PKG-INFO") else None

    def locate_file(self, path: str | Path) -> Path:
        raise FileNotFoundError(f"the {ALIAS!r} alias has no files: {path}")


class ModuleAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``alias`` and ``alias.<sub>`` as the very module objects of ``target`` and ``target.<sub>``."""

    def __init__(
        self,
        alias: str,
        target: str,
        standin_modules: dict[str, str] | None = None,
        standin_names: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.alias = alias
        self.target = target
        self.standin_modules = dict(standin_modules or {})
        self.standin_names = dict(standin_names or {})
        self.standins_used: list[str] = []
        self._own_specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def target_name(self, fullname: str) -> str | None:
        """The target module name for an aliased name, or None when the name is not ours."""
        if fullname == self.alias:
            return self.target
        if fullname.startswith(self.alias + "."):
            return self.target + fullname[len(self.alias) :]
        return None

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        name = self.target_name(fullname)
        if name is None:
            return None
        module = self._resolve(fullname, name)
        self._supply_standin_names(fullname, module)
        # No origin: the import system then leaves the target's __spec__, __file__ and __path__ alone.
        return importlib.util.spec_from_loader(
            fullname, self, is_package=hasattr(module, "__path__")
        )

    def find_distributions(
        self, context: importlib.metadata.DistributionFinder.Context = importlib.metadata.DistributionFinder.Context()
    ) -> Iterator[importlib.metadata.Distribution]:
        """``importlib.metadata.version("flask")`` and friends; only when asked for the alias by name."""
        if context.name is not None and re.sub(r"[-_.]+", "-", context.name).lower() == self.alias:
            yield AliasDistribution(self.alias, FLASK_VERSION)

    def _resolve(self, fullname: str, name: str) -> ModuleType:
        standin = self.standin_modules.get(fullname)
        if standin is not None:
            # Pending by definition: a same-named module of the target (say, a tool of its own by that name,
            # not Flask's command line) is not offered in its place.
            self.standins_used.append(f"{fullname} -> {standin}")
            return importlib.import_module(standin)
        # Returning None here would let the path finder load the target's source a second time under the alias
        # name (the parent's __path__ is the target's directory), so a missing module is an error right here.
        if importlib.util.find_spec(name) is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: it stands for {name!r}, which does not exist", name=fullname
            )
        return importlib.import_module(name)

    def _supply_standin_names(self, fullname: str, module: ModuleType) -> None:
        for (module_name, attribute), where in self.standin_names.items():
            if module_name == fullname and not hasattr(module, attribute):
                standin_module, _, standin_attribute = where.partition(":")
                value = getattr(importlib.import_module(standin_module), standin_attribute)
                setattr(module, attribute, value)
                self.standins_used.append(f"{fullname}.{attribute} -> {where}")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        name = self.target_name(spec.name)
        assert name is not None, spec.name
        standin = self.standin_modules.get(spec.name)
        module = sys.modules[standin if standin is not None else name]
        # The import system now sets module.__spec__ to the alias's spec, whatever the module had.
        self._own_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module already ran under its own name); give it back its own ``__spec__``.

        Left as the alias's spec, ``__spec__.parent`` would disagree with ``__package__`` and every relative
        import made later inside the package would warn (an error under Flask's ``filterwarnings = error``).
        """
        module.__spec__ = self._own_specs.pop(module.__spec__.name)


def refuse_real(alias: str) -> None:
    """Raise ``pytest.UsageError`` if ``alias`` is already imported or importable without our finder."""
    if alias in sys.modules:
        raise pytest.UsageError(f"{alias!r} was imported before the alias was installed: {sys.modules[alias]!r}")
    spec = importlib.util.find_spec(alias)
    if spec is not None:
        raise pytest.UsageError(
            f"A real {alias!r} is importable ({spec.origin}). This run would test it instead of {TARGET}: "
            f"use an environment without {alias} installed (run.py makes one)."
        )


def aliased_filterwarnings(finder: ModuleAlias, original: t.Callable[..., None]) -> t.Callable[..., None]:
    """``warnings.filterwarnings`` that reads a ``module`` of ``flask`` / ``flask.<sub>`` as the target's.

    A test that silences a warning "from module flask.app" means the framework's own module; here that module
    runs under its own name (``wsgi_stack.app``), which is what the warnings machinery compares the filter with.
    The module argument is a regular expression; only a plain dotted name of the alias is rewritten.
    """

    def filterwarnings(action: str, message: str = "", category: type[Warning] = Warning, module: str = "",
                       lineno: int = 0, append: bool = False) -> None:
        target = finder.target_name(module) if module.replace(".", "").isidentifier() else None
        original(action, message, category, target or module, lineno, append)

    return filterwarnings


_finder: ModuleAlias | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Install the alias before Flask's ``tests/conftest.py`` runs ``from flask import Flask``."""
    global _finder
    refuse_real(ALIAS)
    _finder = ModuleAlias(ALIAS, TARGET, STANDIN_MODULES, STANDIN_NAMES)
    sys.meta_path.insert(0, _finder)
    warnings.filterwarnings = aliased_filterwarnings(_finder, warnings.filterwarnings)


def pytest_report_header() -> str:
    target = importlib.import_module(TARGET)
    return f"{ALIAS} -> {TARGET} ({getattr(target, '__file__', '?')})"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _finder is not None and _finder.standins_used:
        terminalreporter.write_line(
            "pending stand-ins handed out: " + ", ".join(_finder.standins_used)
        )
