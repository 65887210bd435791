"""Finding the application a command line names: the first thing every command does.

``--app`` (or ``FLASK_APP``) names it the way Flask's ``flask --app`` does:

* ``module`` or ``path/to/file.py``: the module's ``app`` or ``application``, else its one
  and only app, else what its ``create_app()`` or ``make_app()`` factory returns;
* ``module:name``: that attribute (a factory function is called with no arguments);
* ``module:factory('x', debug=True)``: the factory called with those literal arguments.

Without ``--app``, ``wsgi.py`` and then ``app.py`` in the current folder are tried.
:class:`ScriptInfo` holds what was asked for and loads the app once, on first use.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
import traceback
import typing as t
from types import ModuleType

import click

from .app import App
from .helpers import get_debug_flag, get_load_dotenv


class NoAppException(click.UsageError):
    """The app could not be found or loaded. A usage error: click prints the message
    (no traceback) and exits with status 2."""


def find_best_app(module: ModuleType) -> App:
    """The app a module holds when ``--app`` names only the module.

    In order: an app called ``app`` or ``application``; the module's only app; the app
    a ``create_app`` or ``make_app`` factory returns when called without arguments.
    """
    for name in ("app", "application"):
        candidate = getattr(module, name, None)
        if isinstance(candidate, App):
            return candidate

    apps = [value for value in vars(module).values() if isinstance(value, App)]
    if len(apps) == 1:
        return apps[0]
    if len(apps) > 1:
        raise NoAppException(
            f"Detected multiple Flask applications in module '{module.__name__}'."
            f" Use '{module.__name__}:name' to specify the correct one."
        )

    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if not inspect.isfunction(factory):
            continue
        if not _accepts(factory, (), {}):
            raise NoAppException(
                f"Detected factory '{name}' in module '{module.__name__}', but could not"
                f" call it without arguments. Use '{module.__name__}:{name}(args)' to"
                " specify arguments."
            )
        app = factory()
        if isinstance(app, App):
            return app

    raise NoAppException(
        f"Failed to find Flask application or factory in module '{module.__name__}'."
        f" Use '{module.__name__}:name' to specify one."
    )


def _accepts(function: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> bool:
    """Whether ``function(*args, **kwargs)`` fits its signature.

    Checked before the call, so that a ``TypeError`` raised *inside* a factory (a bug
    in it) is told apart from a call with the wrong arguments (a mistake in ``--app``).
    """
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some C functions): let the call decide
        return True
    return True


def _parse_app_name(app_name: str) -> tuple[str, tuple[t.Any, ...], dict[str, t.Any], bool]:
    """``name`` or ``name(literal, key=literal)`` -> (name, args, kwargs, is_call).

    Only literals are accepted: ``--app`` names an object, it is not code to run.
    """
    try:
        node = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.") from None

    if isinstance(node, ast.Name):
        return node.id, (), {}, False
    if not isinstance(node, ast.Call):
        raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.")
    if not isinstance(node.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
    try:
        args = tuple(ast.literal_eval(arg) for arg in node.args)
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg is not None}
    except ValueError:
        # literal_eval's own message does not say which argument; show the whole name.
        raise NoAppException(f"Failed to parse arguments as literal values: {app_name!r}.") from None
    return node.func.id, args, kwargs, True


def find_app_by_string(module: ModuleType, app_name: str) -> App:
    """The app that ``app_name`` (the part after the colon in ``--app``) names in ``module``."""
    name, args, kwargs, _ = _parse_app_name(app_name)
    try:
        target = getattr(module, name)
    except AttributeError as error:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from error

    if inspect.isfunction(target):
        if not _accepts(target, args, kwargs):
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not be"
                " called with the specified arguments."
            )
        app = target(*args, **kwargs)
    else:
        app = target

    if isinstance(app, App):
        return app
    raise NoAppException(f"A valid Flask application was not obtained from '{module.__name__}:{app_name}'.")


def prepare_import(path: str) -> str:
    """The module name to import for a file or dotted name; puts its folder on ``sys.path``.

    ``src/shop/views.py`` inside a package ``shop`` (a folder with ``__init__.py``) is
    the module ``shop.views``, imported with ``src`` first on ``sys.path``.
    """
    path = os.path.realpath(path)
    stem, extension = os.path.splitext(path)
    if extension == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    # Climb while the folder is a package, so the name is the full dotted name.
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True) -> App: ...


@t.overload
def locate_app(module_name: str, app_name: str | None, raise_if_not_found: bool = ...) -> App | None: ...


def locate_app(module_name: str, app_name: str | None, raise_if_not_found: bool = True) -> App | None:
    """Import ``module_name`` and find the app in it (by ``app_name`` when given).

    A module that is not there is ``None`` when ``raise_if_not_found`` is false. A module
    that is there but fails while importing is always an error, shown with its own
    traceback (the user's code, not ours) as the message of a :class:`NoAppException`.
    """
    try:
        __import__(module_name)
    except ImportError as error:
        # No frame below ours: the import machinery found no such module. Frames
        # below ours: the module ran and something inside it failed to import.
        if error.__traceback__ is not None and error.__traceback__.tb_next is not None:
            raise NoAppException(_import_failure(module_name, error)) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    except Exception as error:
        # Flask lets these through as a bare traceback; the command line shows the
        # same traceback as a clear error instead of crashing.
        raise NoAppException(_import_failure(module_name, error)) from None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def _import_failure(module_name: str, error: BaseException) -> str:
    assert error.__traceback__ is not None
    # Start at the module's own frame: ours (the __import__ call) explains nothing.
    lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
    kind = type(error).__name__
    article = "an" if kind[:1] in "AEIOU" else "a"
    return f"While importing {module_name!r}, {article} {kind} was raised:\n\n{''.join(lines)}"


class ScriptInfo:
    """What the command line was told about the app, and the app once loaded.

    :class:`~wsgi_stack.cli.FlaskGroup` makes one per invocation and gives it to every
    command as the click context's ``obj``; a command gets it with ``@pass_script_info``.

    :param app_import_path: the ``--app`` value, ``module[:name]``.
    :param create_app: a function returning the app; used instead of ``app_import_path``.
    :param set_debug_flag: set the app's debug flag from ``FLASK_DEBUG`` when loading it.
    :param load_dotenv_defaults: whether ``.env``/``.flaskenv`` are to be read
        (``FLASK_SKIP_DOTENV`` turns it off); this class only records it.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., App] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Free for commands and extensions to share data during one invocation.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: App | None = None

    def load_app(self) -> App:
        """Find, import or create the app; later calls return the same one."""
        if self._loaded_app is not None:
            return self._loaded_app

        app: App | None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # The first colon not followed by a slash: 'C:\\x.py' and 'C:/x.py' keep theirs.
            path, *rest = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            name = rest[0] if rest else None
            app = locate_app(prepare_import(path), name)
        else:
            app = None
            for candidate in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(candidate), None, raise_if_not_found=False)
                if app is not None:
                    break

        if app is None:
            raise NoAppException(
                "Could not locate a Flask application. Use the '--app' option, the"
                " 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in"
                " the current directory."
            )
        if self.set_debug_flag:
            # Through the property, so that what follows from debug (template reloading) follows.
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: Decorator giving a command the invocation's :class:`ScriptInfo` as first argument.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)
