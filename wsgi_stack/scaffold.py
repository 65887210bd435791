"""What an application and a blueprint share: the registration layer.

An :class:`~wsgi_stack.app.App` and a :class:`~wsgi_stack.blueprints.Blueprint` are both
written the same way: ``@x.route(...)``, ``@x.before_request``, ``@x.errorhandler(404)``,
a ``templates/`` and a ``static/`` folder next to the code. :class:`Scaffold` holds that
common part, and nothing of the request path:

* the registries, each a dict keyed by *scope*: ``None`` for "every request", or a
  blueprint's dotted name (``"admin"``, ``"admin.users"``) for the requests its views
  handle. A blueprint fills its own dicts under ``None``; registering it copies them
  into the app's dicts under its name (see :mod:`wsgi_stack.blueprints`);
* the decorators that fill them (:meth:`Scaffold.route`, the hook decorators,
  :meth:`Scaffold.errorhandler`), guarded by :func:`setupmethod`;
* the folders: ``root_path``, ``static_folder``/``static_url_path``,
  ``template_folder``/``jinja_loader``, :meth:`Scaffold.send_static_file`,
  :meth:`Scaffold.open_resource`.

What differs is :meth:`Scaffold.add_url_rule` (the app adds a rule to its URL map at
once; a blueprint records it for when it is registered) and
:meth:`Scaffold._check_setup_finished` (an app is closed by its first request, a
blueprint by its first registration).
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from datetime import timedelta
from functools import cached_property, update_wrapper

from jinja2 import BaseLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException, default_exceptions

from .globals import current_app
from .helpers import get_root_path, send_from_directory
from .templating import _default_template_ctx_processor

if t.TYPE_CHECKING:  # pragma: no cover
    from .cli import AppGroup
    from .wrappers import Response

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: A registry scope: ``None`` (every request) or a blueprint's dotted name.
Scope = t.Optional[str]
#: ``{scope: {code or None: {exception class: handler}}}``.
ErrorHandlerSpec = t.Dict[Scope, t.Dict[t.Optional[int], t.Dict[t.Type[BaseException], t.Callable[..., t.Any]]]]


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it once setup is over (an app that served
    its first request, a blueprint already registered) is an error, because the change
    would reach only some requests (or only some registrations)."""
    name = f.__name__

    def wrapper_func(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(wrapper_func, f))


def add_decorator(add: t.Callable[..., None], name: str | None) -> t.Callable[[F], F]:
    """The decorator form of an ``add_*(f, name=None)`` registration method:
    ``@app.template_filter("x")`` is ``app.add_template_filter(f, name="x")``.
    The decorated function comes back unchanged."""

    def decorator(f: F) -> F:
        add(f, name=name)
        return f

    return decorator


class Scaffold:
    """The registration layer of :class:`~wsgi_stack.app.App` and
    :class:`~wsgi_stack.blueprints.Blueprint`.

    :param import_name: the module or package the object is defined in (``__name__``);
        it locates ``root_path`` without importing anything.
    :param static_folder: the folder of static files, relative to ``root_path``.
    :param static_url_path: the URL prefix of the static route (the folder's name by default).
    :param template_folder: the templates folder, relative to ``root_path``.
    :param root_path: the folder the others are relative to, when ``import_name``
        cannot tell.
    """

    #: Set by the subclass: the app's name, or the blueprint's.
    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder  # type: ignore[assignment]
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path

        #: Endpoint name -> view function.
        self.view_functions: dict[str, t.Callable[..., t.Any]] = {}
        #: Error handlers by scope, then HTTP code (``None`` for other exceptions),
        #: then exception class.
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.after_request_funcs: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.teardown_request_funcs: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(list)
        # The default processor puts the current request and g in every template.
        self.template_context_processors: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(
            list, {None: [_default_template_ctx_processor]}
        )
        self.url_value_preprocessors: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.url_default_functions: dict[Scope, list[t.Callable[..., t.Any]]] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @cached_property
    def cli(self) -> AppGroup:
        """The click command group of the app (or blueprint): ``@app.cli.command()`` adds a
        command to ``wsgi-stack`` (and ``flask``); it runs inside the app context."""
        # Made on first use, so that an app that never meets the command line never
        # imports click. A blueprint's group is renamed when it is registered.
        from .cli import AppGroup

        return AppGroup(self.name)

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- folders ----------------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or ``None``."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set (then a static route is added)."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of the static route; the static folder's name by default."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """The loader for the templates folder, or ``None`` without one."""
        if self.template_folder is not None:
            return FileSystemLoader(os.path.join(self.root_path, self.template_folder))
        return None

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``Cache-Control: max-age`` for files sent: the current app's
        ``SEND_FILE_MAX_AGE_DEFAULT`` (``None``: no max-age, the browser revalidates
        with the ETag)."""
        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return value  # type: ignore[no-any-return]

    def send_static_file(self, filename: str) -> Response:
        """The view of the static route: a file from the static folder, 404 outside it."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(t.cast(str, self.static_folder), filename, max_age=max_age)

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> t.IO[t.AnyStr]:
        """Open a file relative to ``root_path``, for reading only (it is part of the
        code, not data)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)  # type: ignore[return-value]
        return open(path, mode, encoding=encoding)  # type: ignore[return-value]

    # -- routes -----------------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule (and optionally its view); see ``App.add_url_rule``."""
        raise NotImplementedError

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Decorate a view function to register it for ``rule``; see :meth:`add_url_rule`."""

        def decorator(f: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, t.Any]) -> t.Callable[[F], F]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Decorate a view function for an endpoint whose rule is added elsewhere."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks ------------------------------------------------------------------------

    @setupmethod
    def before_request(self, f: F) -> F:
        """Run ``f()`` before each request's view (on a blueprint: before its views
        only). If it returns a value, that value is the response: later hooks and the
        view are skipped."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each view; it returns the response to send.
        The last registered runs first. Not run when an exception went unhandled."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: F) -> F:
        """Run ``f(error)`` when the request context is popped, always, with the
        unhandled exception or ``None``. Its return value is ignored."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(self, f: F) -> F:
        """Register ``f() -> dict`` whose items the templates get (on a blueprint:
        templates rendered by its views)."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, view_args)`` before the before-request hooks; it may
        take values out of ``view_args`` (a language code, say) and keep them in ``g``."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: F) -> F:
        """Run ``f(endpoint, values)`` in ``url_for``, to fill in values (the
        counterpart of :meth:`url_value_preprocessor`)."""
        self.url_default_functions[None].append(f)
        return f

    # -- error handlers ---------------------------------------------------------------

    @setupmethod
    def errorhandler(self, code_or_exception: type[Exception] | int) -> t.Callable[[F], F]:
        """Decorate ``f(error)`` to answer an HTTP error code or an exception class
        (and its subclasses: the closest class in the MRO wins)."""

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: t.Callable[..., t.Any]
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        """The exception class and HTTP code (``None`` for a non-HTTP exception)."""
        exc_class: type[Exception]
        if isinstance(exc_class_or_code, int):
            try:
                exc_class = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a"
                    " subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code

        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{exc_class.__name__}' is not a subclass of Exception. Handlers can only"
                " be registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None
