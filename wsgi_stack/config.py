"""Config: the app's settings, a dict with loaders.

Only UPPERCASE keys are settings; the loaders skip everything else, so a config module
can have helpers and imports of its own. ``ConfigAttribute`` mirrors a key as an
attribute of the app (``app.testing`` is ``app.config["TESTING"]``).
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import pathlib
import sys
import types
import typing as t

from werkzeug.utils import import_string

T = t.TypeVar("T")


class ConfigAttribute(t.Generic[T]):
    """An app attribute that reads and writes one config key."""

    def __init__(self, name: str, get_converter: t.Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: None) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: t.Any, owner: t.Any) -> T: ...

    def __get__(self, obj: t.Any | None, owner: t.Any | None = None) -> t.Any:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value

    def __set__(self, obj: t.Any, value: t.Any) -> None:
        obj.config[self.__name__] = value


class Config(dict):  # type: ignore[type-arg]
    """A dict of settings that knows how to load itself from files, objects and the
    environment. Relative file names are relative to ``root_path`` (the app's)."""

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file that the environment variable names."""
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of a"
                " configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every environment variable that starts with ``PREFIX_``.

        Values are parsed with ``loads`` (JSON by default, so ``1`` is an int and
        ``true`` a bool), and stay strings where that fails. A double underscore goes
        into nested dicts: ``FLASK_DB__HOST`` sets ``config["DB"]["HOST"]``.
        """
        prefix = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            value: t.Any = os.environ[key]
            key = key.removeprefix(prefix)
            try:
                value = loads(value)
            except Exception:
                pass  # not valid for the loader: keep the string
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, t.Any] = self
            *parents, last = key.split("__")
            for part in parents:
                current = current.setdefault(part, {})
            current[last] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Run a Python file and load its UPPERCASE names."""
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as config_file:
                exec(compile(config_file.read(), filename, "exec"), module.__dict__)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of an object, a class, a module, or the
        object an import string names."""
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load``, ...)."""
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as file:
                obj = load(file)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        return self.from_mapping(obj)

    def from_mapping(self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Load the UPPERCASE keys of a mapping and of the keyword arguments."""
        mappings: dict[str, t.Any] = {}
        if mapping is not None:
            mappings.update(mapping)
        mappings.update(kwargs)
        for key, value in mappings.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The settings whose keys start with ``namespace``, as a new dict:
        ``get_namespace("IMAGE_STORE_")`` -> ``{"type": ..., "path": ...}``."""
        found: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


# -- the instance folder --------------------------------------------------------------


def _package_search_path(import_name: str) -> str:
    """The ``sys.path`` entry the top-level package or module of ``import_name`` is
    imported from, found without importing it (the current folder when it cannot be)."""
    top_name = import_name.partition(".")[0]
    try:
        top_spec = importlib.util.find_spec(top_name)
        if top_spec is None:
            raise ValueError(top_name)
    except (ImportError, ValueError):  # not importable, a bad name, or __main__
        return os.getcwd()

    locations = top_spec.submodule_search_locations
    if not locations:  # a plain module: the folder of its file
        return os.path.dirname(top_spec.origin)  # type: ignore[type-var,return-value]
    if top_spec.origin not in (None, "namespace"):  # a package with __init__.py
        return os.path.dirname(os.path.dirname(top_spec.origin))
    # A namespace package spans several folders: take the one that holds this submodule.
    spec = importlib.util.find_spec(import_name)
    if spec is not None and spec.submodule_search_locations:
        inner = pathlib.Path(os.path.commonpath(spec.submodule_search_locations))
        for location in locations:
            if inner.is_relative_to(location):
                return os.path.dirname(location)
    return os.path.dirname(locations[0])


def _install_prefix(search_path: str) -> str | None:
    """The prefix (``bin/``, ``lib/``, ``var/`` ...) a package at ``search_path`` is
    installed under, or ``None`` for code that is not installed."""
    prefix = os.path.abspath(sys.prefix)
    if pathlib.PurePath(search_path).is_relative_to(prefix):
        return prefix
    site_parent, site_folder = os.path.split(search_path)
    if site_folder.lower() != "site-packages":
        return None
    parent, folder = os.path.split(site_parent)
    if folder.lower() == "lib":  # prefix/lib/site-packages
        return parent
    if os.path.basename(parent).lower() == "lib":  # prefix/lib/pythonX.Y/site-packages
        return os.path.dirname(parent)
    return site_parent


def find_instance_path(import_name: str, app_name: str) -> str:
    """The default instance folder: ``instance/`` beside the package or module, or
    ``<prefix>/var/<app name>-instance`` for an installed one (whose own folder may not
    be writable, and would be replaced by the next install)."""
    search_path = _package_search_path(import_name)
    prefix = _install_prefix(search_path)
    if prefix is None:
        return os.path.join(search_path, "instance")
    return os.path.join(prefix, "var", f"{app_name}-instance")
