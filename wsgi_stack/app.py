"""The application: where configuration, registration and the request path meet.

Reading order for one request (each step is one method, a good breakpoint):

1. :meth:`App.__call__` -> :meth:`App.wsgi_app`: the WSGI entry point.
2. :meth:`App.request_context` + ``ctx.push()``: app context, session opened, URL matched
   (:mod:`wsgi_stack.ctx`, :mod:`wsgi_stack.sessions`, :mod:`wsgi_stack.routing`).
3. :meth:`App.full_dispatch_request`:
   :meth:`preprocess_request` (url value preprocessors, ``before_request`` hooks; a value
   returned by a hook ends the request) -> :meth:`dispatch_request` (raise the routing
   error, answer OPTIONS, or call the view) -> on an exception
   :meth:`handle_user_exception` (error handlers).
4. :meth:`App.finalize_request`: :meth:`make_response` (the view's return value becomes
   a :class:`~wsgi_stack.wrappers.Response`) -> :meth:`process_response`
   (``after_this_request`` and ``after_request`` functions, session saved).
5. The response is called as a WSGI app; ``ctx.pop()`` runs the teardown functions.
   An exception nothing handled goes to :meth:`handle_exception` (a 500).
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import logging
import os
import sys
import threading
import typing as t
import weakref
from collections import defaultdict
from datetime import timedelta
from functools import cached_property, update_wrapper
from inspect import CO_COROUTINE
from types import FunctionType, TracebackType

from jinja2 import FileSystemLoader
from werkzeug.datastructures import Headers, ImmutableDict
from werkzeug.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    default_exceptions,
)
from werkzeug.routing import BuildError, RequestRedirect, RoutingException
from werkzeug.utils import redirect as _wz_redirect
from werkzeug.wrappers import Response as BaseResponse

from . import routing
from . import trace as _trace
from .config import Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals, _sentinel
from .globals import _cv_app, _cv_request, g, request, request_ctx, session
from .helpers import get_debug_flag, get_flashed_messages, get_root_path, send_from_directory
from .json.provider import DefaultJSONProvider, JSONProvider
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import DispatchingJinjaLoader, Environment, _default_template_ctx_processor
from .wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover

    from .testing import FlaskClient

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T = t.TypeVar("T")

#: The URL prefix of the environ inspector (see :mod:`wsgi_stack.inspector`).
INSPECTOR_PREFIX = "/_stack"

#: What a view may return (see :meth:`App.make_response`).
ResponseReturnValue = t.Any


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it after the first request is an error,
    because some workers would see the change and others would not."""
    name = f.__name__

    def wrapper_func(self: App, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(wrapper_func, f))


class App:
    """The WSGI application: create one, register views and hooks on it, serve it.

    :param import_name: the name of the app's module or package, usually ``__name__``;
        it locates the templates and static folders (without importing the module).
    :param static_url_path: the URL prefix of static files, ``/static`` by default.
    :param static_folder: the folder of static files, relative to ``root_path``;
        ``None`` disables the static route.
    :param template_folder: the templates folder, relative to ``root_path``.
    :param instance_path: the instance folder (for local, uncommitted files);
        by default ``instance/`` next to the package.
    :param instance_relative_config: relative config file names start in the instance
        folder instead of the root path.
    :param root_path: the app's folder, when it cannot be found from ``import_name``.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    aborter_class = Aborter
    jinja_environment = Environment
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    url_rule_class = routing.Rule
    url_map_class = routing.Map
    test_client_class: type[FlaskClient] | None = None
    test_cli_runner_class: type[t.Any] | None = None
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: Options for the Jinja environment, read when it is first made.
    jinja_options: dict[str, t.Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[t.Union[str, bytes, None]]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta  # type: ignore[arg-type]
    )

    default_config = ImmutableDict(
        {
            "DEBUG": None,
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": None,
            "SECRET_KEY": None,
            "SECRET_KEY_FALLBACKS": None,
            "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
            "USE_X_SENDFILE": False,
            "TRUSTED_HOSTS": None,
            "SERVER_NAME": None,
            "APPLICATION_ROOT": "/",
            "SESSION_COOKIE_NAME": "session",
            "SESSION_COOKIE_DOMAIN": None,
            "SESSION_COOKIE_PATH": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_PARTITIONED": False,
            "SESSION_COOKIE_SAMESITE": None,
            "SESSION_REFRESH_EACH_REQUEST": True,
            "MAX_CONTENT_LENGTH": None,
            "MAX_FORM_MEMORY_SIZE": 500_000,
            "MAX_FORM_PARTS": 1_000,
            "SEND_FILE_MAX_AGE_DEFAULT": None,
            "TRAP_BAD_REQUEST_ERRORS": None,
            "TRAP_HTTP_EXCEPTIONS": False,
            "EXPLAIN_TEMPLATE_LOADING": False,
            "PREFERRED_URL_SCHEME": "http",
            "TEMPLATES_AUTO_RELOAD": None,
            "MAX_COOKIE_SIZE": 4093,
            "PROVIDE_AUTOMATIC_OPTIONS": True,
            # wsgi_stack's own: the layer trace, step-through and the inspector.
            "STACK_TRACE": False,
            "STACK_BREAK": None,
            "STACK_INSPECTOR": None,
        }
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder  # type: ignore[assignment]
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path

        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute."
                " A relative path was given instead."
            )
        self.instance_path = instance_path

        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)

        # Registries. The dicts keyed by ``None`` hold the app's own functions; the key
        # is the blueprint scope in Flask, and ``None`` (the app) is the only scope here.
        self.view_functions: dict[str, t.Callable[..., t.Any]] = {}
        self.error_handler_spec: dict[
            str | None, dict[int | None, dict[type[BaseException], t.Callable[..., t.Any]]]
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.teardown_request_funcs: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.template_context_processors: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(
            list, {None: [_default_template_ctx_processor]}
        )
        self.url_value_preprocessors: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.url_default_functions: dict[str | None, list[t.Callable[..., t.Any]]] = defaultdict(list)
        self.teardown_appcontext_funcs: list[t.Callable[..., t.Any]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        self.url_build_error_handlers: list[t.Callable[..., t.Any]] = []
        self.before_first_request_funcs: list[t.Callable[[], t.Any]] = []
        self.blueprints: dict[str, t.Any] = {}
        self.extensions: dict[str, t.Any] = {}

        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._first_request_lock = threading.Lock()
        self._before_first_request_done = False

        if self.has_static_folder:
            assert bool(static_host) == host_matching, (
                "Invalid static_host/host_matching combination"
            )
            # A weak reference: a bound method here would make a reference cycle and
            # keep every app alive until the garbage collector runs.
            app_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: app_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    # -- names and folders ----------------------------------------------------------

    @cached_property
    def name(self) -> str:
        """The app's name: the import name, or the script's name for ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return os.path.splitext(os.path.basename(filename))[0]
        return self.import_name

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

    @property
    def has_static_folder(self) -> bool:
        return self.static_folder is not None

    @cached_property
    def jinja_loader(self) -> FileSystemLoader | None:
        """The loader for the templates folder, or ``None`` without one."""
        if self.template_folder is not None:
            return FileSystemLoader(os.path.join(self.root_path, self.template_folder))
        return None

    def auto_find_instance_path(self) -> str:
        """``instance/`` next to the app's package or module (or, for an installed
        package, ``<prefix>/var/<name>-instance``)."""
        root = get_root_path(self.import_name)
        package_dir = root
        top = self.import_name.partition(".")[0]
        spec_root = get_root_path(top)
        if os.path.isfile(os.path.join(spec_root, "__init__.py")):
            package_dir = os.path.dirname(spec_root)  # the folder that holds the package
        site_dirs = {os.path.realpath(p) for p in sys.path if p.endswith("-packages")}
        if os.path.realpath(package_dir) in site_dirs:
            return os.path.join(sys.prefix, "var", f"{self.name}-instance")
        return os.path.join(package_dir, "instance")

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> t.IO[t.AnyStr]:
        """Open a file relative to the root path, for reading."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)  # type: ignore[return-value]
        return open(path, mode, encoding=encoding)  # type: ignore[return-value]

    def open_instance_resource(self, resource: str, mode: str = "rb", encoding: str | None = "utf-8") -> t.IO[t.AnyStr]:
        """Open a file relative to the instance folder (writing allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)  # type: ignore[return-value]
        return open(path, mode, encoding=encoding)  # type: ignore[return-value]

    # -- configuration --------------------------------------------------------------

    def make_config(self, instance_relative: bool = False) -> Config:
        """The config, filled with the defaults, ``DEBUG`` from the environment, and the
        trace settings from ``STACK_TRACE``/``STACK_BREAK``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        defaults["STACK_TRACE"] = _trace.env_flag("STACK_TRACE")
        defaults["STACK_BREAK"] = os.environ.get("STACK_BREAK") or None
        # A misspelt layer name fails here, when the app is made, not on every request.
        _trace.parse_layer_names(defaults["STACK_BREAK"])
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """The object behind :func:`abort`; raises the HTTP exception for a code."""
        return self.aborter_class()

    @property
    def debug(self) -> bool:
        """Debug mode: errors propagate (to the debugger), templates reload."""
        return self.config["DEBUG"]  # type: ignore[no-any-return]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None:
            self.jinja_env.auto_reload = value

    @property
    def templates_auto_reload(self) -> bool:
        """Reload templates when they change: ``TEMPLATES_AUTO_RELOAD``, else debug mode."""
        value = self.config["TEMPLATES_AUTO_RELOAD"]
        return value if value is not None else self.debug

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value

    @cached_property
    def logger(self) -> logging.Logger:
        """The app's logger, named after the app; a handler to stderr is added when
        logging is not configured, so errors are never silent."""
        logger = logging.getLogger(self.name)
        if self.debug and not logger.level:
            logger.setLevel(logging.DEBUG)
        if not _has_level_handler(logger):
            logger.addHandler(_default_handler)
        return logger

    @property
    def got_first_request(self) -> bool:
        """Whether the app has started handling requests (setup is closed then)."""
        return self._got_first_request

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application."
                " It has already handled its first request, so the change would apply"
                " to some requests and not others.\nMake sure every route, hook and"
                " handler is registered before the app serves requests."
            )

    # -- registration: routes -------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule (and optionally its view function).

        ``options`` go to Werkzeug's ``Rule``: ``methods``, ``defaults``,
        ``strict_slashes``, ``redirect_to``, ``merge_slashes``, ``host``, ...
        The endpoint defaults to the view function's name; one endpoint cannot be
        given two different functions.
        """
        if endpoint is None:
            endpoint = routing.endpoint_from_view_func(view_func)
        rule_obj = routing.make_rule(
            self.url_rule_class,
            rule,
            endpoint,
            view_func,
            provide_automatic_options,
            self.config["PROVIDE_AUTOMATIC_OPTIONS"],
            options,
        )
        self.url_map.add(rule_obj)
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

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

    def get(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def delete(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

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

    # -- registration: hooks --------------------------------------------------------

    @setupmethod
    def before_first_request(self, f: F) -> F:
        """Run ``f()`` once, before the first request this app handles (once per
        process, even when several threads start at the same moment).

        Flask removed this hook in 2.3 (do the work when creating the app instead);
        it is kept here because the notes this project follows describe it.
        """
        self.before_first_request_funcs.append(f)
        return f

    @setupmethod
    def before_request(self, f: F) -> F:
        """Run ``f()`` before each request's view. If it returns a value, that value
        is the response: later hooks and the view are skipped."""
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
    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(error)`` when the application context is popped, always."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def context_processor(self, f: F) -> F:
        """Register ``f() -> dict`` whose items every template's context gets."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: F) -> F:
        """Register ``f() -> dict`` for an interactive shell's namespace."""
        self.shell_context_processors.append(f)
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

    @setupmethod
    def template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja filter (named after it by default)."""

        def decorator(f: F) -> F:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja test (``{% if x is name %}``)."""

        def decorator(f: F) -> F:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja global."""

        def decorator(f: F) -> F:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.jinja_env.globals[name or f.__name__] = f

    # -- templating -----------------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, made on first use (see :mod:`wsgi_stack.templating`)."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Make the Jinja environment from ``jinja_options`` and the config."""
        options = dict(self.jinja_options)
        if "autoescape" not in options:
            options["autoescape"] = self.select_jinja_autoescape
        if "auto_reload" not in options:
            options["auto_reload"] = self.templates_auto_reload
        env = self.jinja_environment(self, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            # The proxies, for templates rendered outside a request; inside one, the
            # default context processor puts the real objects in the context.
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates named ``.html``, ``.htm``, ``.xml``, ``.xhtml``, ``.svg``
        and templates from strings; not others (``.txt``, ``.js``...)."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values to ``context``; the values the caller
        passed win over them."""
        original = context.copy()
        for processor in self.template_context_processors[None]:
            context.update(self.ensure_sync(processor)())
        context.update(original)

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of an interactive shell: the app, ``g``, and the processors'."""
        namespace = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    # -- contexts -------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A new request context for a WSGI environ (``wsgi_app`` pushes it)."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request; takes Werkzeug's
        ``EnvironBuilder`` arguments (``path``, ``method``, ``data``, ``headers``...)."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A test client: requests go straight to the app, no server involved."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient as cls  # type: ignore[no-redef]
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)  # type: ignore[no-any-return]

    def test_cli_runner(self, **kwargs: t.Any) -> t.Any:
        """The command line is not part of this framework (kept for Flask code)."""
        cls = self.test_cli_runner_class
        if cls is None:
            raise RuntimeError("wsgi_stack has no command-line runner; set test_cli_runner_class.")
        return cls(self, **kwargs)

    @property
    def inspector_enabled(self) -> bool:
        """Whether ``/_stack/`` answers: ``STACK_INSPECTOR``, or debug mode when that
        is left at ``None``. Off by default, so never on in production unless asked."""
        enabled = self.config["STACK_INSPECTOR"]
        return bool(self.debug if enabled is None else enabled)

    def _make_trace(self) -> _trace.RequestTrace | None:
        """A trace for a new request when tracing, step-through or the inspector is
        on, else ``None`` (then every layer skips its trace calls)."""
        config = self.config
        if not (config["STACK_TRACE"] or config["STACK_BREAK"]):
            inspector = config["STACK_INSPECTOR"]
            if not (inspector or (inspector is None and config["DEBUG"])):
                return None
        return _trace.RequestTrace(_trace.parse_layer_names(config["STACK_BREAK"]))

    # -- URL building ---------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> routing.MapAdapter | None:
        """The URL adapter for a request, or for an app context with ``SERVER_NAME``."""
        if request is not None:
            return routing.bind_request_adapter(
                self.url_map, self.config, request, self.subdomain_matching
            )
        return routing.bind_app_adapter(self.url_map, self.config)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL for ``endpoint``.

        In a request the URL is relative (``/user/1``) unless ``_external``; outside
        one it is absolute and needs ``SERVER_NAME``. ``_scheme`` implies ``_external``.
        ``_method`` picks among rules for the same endpoint. Values the rule has no
        variable for become the query string.
        """
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            url_adapter = (
                app_ctx.url_adapter if app_ctx is not None else self.create_url_adapter(None)
            )
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True

        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            return routing.build_url(
                url_adapter,  # type: ignore[arg-type]
                endpoint,
                values,
                method=_method,
                scheme=_scheme,
                external=_external,
                anchor=_anchor,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let the ``url_defaults`` functions fill in ``values`` (changed in place)."""
        for func in self.url_default_functions[None]:
            func(endpoint, values)

    def handle_url_build_error(self, error: BuildError, endpoint: str, values: dict[str, t.Any]) -> str:
        """Give each ``url_build_error_handlers`` function a chance to return a URL;
        otherwise re-raise the ``BuildError``."""
        for handler in self.url_build_error_handlers:
            try:
                url = handler(error, endpoint, values)
            except BuildError as new_error:
                error = new_error
            else:
                if url is not None:
                    return url  # type: ignore[no-any-return]
        if error is sys.exc_info()[1]:
            raise
        raise error

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response, of the app's response class.

        A target with a line break could only be a header-injection attempt (a
        ``?next=`` value, say); it is refused with 400 instead of failing in the
        header code with a 500.
        """
        if "\r" in location or "\n" in location:
            raise BadRequest("The redirect target contains a line break.")
        return _wz_redirect(location, code=code, Response=self.response_class)

    # -- static files ---------------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``Cache-Control: max-age`` for files sent: ``SEND_FILE_MAX_AGE_DEFAULT``
        (``None``: no max-age, the browser revalidates with the ETag)."""
        value = self.config["SEND_FILE_MAX_AGE_DEFAULT"]
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

    # -- the request path -----------------------------------------------------------

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> cabc.Iterable[bytes]:
        """The WSGI entry point; see :meth:`wsgi_app` (wrap that one in middleware)."""
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> cabc.Iterable[bytes]:
        """Handle one WSGI request: push the context, dispatch, answer, pop."""
        ctx = self.request_context(environ)
        error: BaseException | None = None
        response: Response | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:  # noqa: E722 - a BaseException: record it for teardown, let it go
                error = sys.exc_info()[1]
                raise
            return response(environ, start_response)  # type: ignore[misc]
        finally:
            if ctx.trace is not None and response is not None:
                self._note_response(ctx.trace, response)
            if "werkzeug.debug.preserve_context" in environ:
                # The test client keeps the contexts for inspection after the request.
                environ["werkzeug.debug.preserve_context"](_cv_app.get())
                environ["werkzeug.debug.preserve_context"](_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)
            if ctx.trace is not None and self.config["STACK_TRACE"]:
                self._log_trace(ctx)

    def full_dispatch_request(self) -> Response:
        """Hooks, view, error handlers, and the response: everything between the
        context push and the WSGI answer."""
        if not self._got_first_request:
            self._got_first_request = True
        if self.before_first_request_funcs and not self._before_first_request_done:
            self._run_before_first_request()
        try:
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def _run_before_first_request(self) -> None:
        # The lock makes concurrent first requests wait until the functions ran once.
        with self._first_request_lock:
            if self._before_first_request_done:
                return
            for func in self.before_first_request_funcs:
                self._call_hook("before_first_request", func)
            self._before_first_request_done = True

    def _call_hook(self, kind: str, func: t.Callable[..., T], *args: t.Any) -> T:
        """Call one hook, recording it in the trace when tracing is on."""
        req_ctx = _cv_request.get(None)
        trace = req_ctx.trace if req_ctx is not None else None
        if trace is None:
            return self.ensure_sync(func)(*args)
        span = trace.enter("hook", f"{kind}:{getattr(func, '__name__', repr(func))}")
        result = trace.run(span, self.ensure_sync(func), *args)
        trace.leave(span, returned=None if result is None else type(result).__name__)
        return result

    def preprocess_request(self) -> ResponseReturnValue | None:
        """Run the URL value preprocessors, then the ``before_request`` functions; the
        first non-``None`` value a function returns is the response."""
        req = _cv_request.get().request
        for url_func in self.url_value_preprocessors[None]:
            self._call_hook("url_value_preprocessor", url_func, req.endpoint, req.view_args)
        for before_func in self.before_request_funcs[None]:
            rv = self._call_hook("before_request", before_func)
            if rv is not None:
                return rv
        return None

    def dispatch_request(self) -> ResponseReturnValue:
        """Raise the routing error if matching failed, answer OPTIONS automatically,
        or call the view with the URL's values."""
        req_ctx = _cv_request.get()
        req = req_ctx.request
        if req.routing_exception is not None:
            # The inspector answers only URLs no rule of the app matched, so it
            # costs nothing on the normal path and never hides a user's route.
            if req.path.startswith(INSPECTOR_PREFIX) and self.inspector_enabled:
                from .inspector import inspector_response

                return inspector_response(self, req_ctx)
            self.raise_routing_exception(req)
        rule = req.url_rule
        if getattr(rule, "provide_automatic_options", False) and req.method == "OPTIONS":
            return self.make_default_options_response()
        view_func = self.view_functions[rule.endpoint]
        trace = req_ctx.trace
        if trace is None:
            return self.ensure_sync(view_func)(**req.view_args)
        span = trace.enter("view", rule.endpoint, function=getattr(view_func, "__qualname__", None))
        rv = trace.run(span, self.ensure_sync(view_func), **req.view_args)
        trace.leave(span, returned=type(rv).__name__)
        return rv

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the stored routing error. In debug mode, a redirect that would make
        the browser drop a form's data raises an explanation instead."""
        error = request.routing_exception
        if (
            not self.debug
            or not isinstance(error, RequestRedirect)
            or error.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise error  # type: ignore[misc]
        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    def make_default_options_response(self) -> Response:
        """The automatic OPTIONS answer: empty, with ``Allow`` listing the methods."""
        adapter = request_ctx.url_adapter
        methods = adapter.allowed_methods()  # type: ignore[union-attr]
        response = self.response_class()
        response.allow.update(methods)
        return response

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` runnable from sync code (coroutine functions are run on a
        new event loop; async views are otherwise out of this framework's scope)."""
        # The common case, a plain function, without inspect's several calls.
        if type(func) is FunctionType and not func.__code__.co_flags & CO_COROUTINE:
            return func
        if inspect.iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: t.Callable[..., cabc.Coroutine[t.Any, t.Any, t.Any]]) -> t.Callable[..., t.Any]:
        import asyncio

        def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return asyncio.run(func(*args, **kwargs))

        return update_wrapper(run, func)

    def finalize_request(self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False) -> Response:
        """Make the response and run the after-request processing. Called again for
        the 500 page, where a failure here is logged rather than raised."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def make_response(self, rv: ResponseReturnValue) -> Response:
        """Turn what a view returned into a response object.

        Accepted: ``str``/``bytes`` (the body), ``dict``/``list`` (JSON), a response
        object, a WSGI callable, an iterator or generator (a streamed body), and tuples
        ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``, where
        the status is an int or a string and the headers a dict, list or ``Headers``.
        """
        status = headers = None

        if isinstance(rv, tuple):
            length = len(rv)
            if length == 3:
                rv, status, headers = rv
            elif length == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple"
                    " must have the form (body, status, headers), (body, status), or"
                    " (body, headers)."
                )

        if rv is None:
            raise TypeError(
                f"The view function for {request.endpoint!r} did not return a valid"
                " response. The function either returned None or ended without a return"
                " statement."
            )

        if not isinstance(rv, self.response_class):
            if isinstance(rv, (str, bytes, bytearray)) or isinstance(rv, cabc.Iterator):
                # The status and headers go to the constructor: it sets the mimetype
                # from them too.
                rv = self.response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(rv, request.environ)  # type: ignore[arg-type]
                except TypeError as error:
                    raise TypeError(
                        f"{error}\nThe view function did not return a valid response. The"
                        " return type must be a string, dict, list, tuple with headers or"
                        " status, Response instance, or WSGI callable, but it was a"
                        f" {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid response. The return type"
                    " must be a string, dict, list, tuple with headers or status, Response"
                    f" instance, or WSGI callable, but it was a {type(rv).__name__}."
                )

        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status  # type: ignore[assignment]
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)  # type: ignore[arg-type]
        return rv

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions, then ``after_request`` functions (the
        last registered first), then save the session on the response."""
        ctx = _cv_request.get()
        for func in ctx._after_request_functions:
            response = self._call_hook("after_this_request", func, response)
        for func in reversed(self.after_request_funcs[None]):
            response = self._call_hook("after_request", func, response)

        session = ctx.session_to_save()
        if session is not None and not self.session_interface.is_null_session(session):
            trace = ctx.trace
            span = trace.enter("session", "save") if trace is not None else None
            self.session_interface.save_session(self, session, response)
            if span is not None:
                trace.leave(
                    span,
                    modified=bool(getattr(session, "modified", False)),
                    cookie_written="Set-Cookie" in response.headers,
                )
        return response

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run the ``teardown_request`` functions (last registered first), each with
        the exception that ended the request, or ``None``."""
        funcs = self.teardown_request_funcs[None]
        if funcs:
            if exc is _sentinel:
                exc = sys.exc_info()[1]
            self._run_teardowns("teardown_request", funcs[::-1], exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Run the ``teardown_appcontext`` functions (last registered first)."""
        funcs = self.teardown_appcontext_funcs
        if funcs:
            if exc is _sentinel:
                exc = sys.exc_info()[1]
            self._run_teardowns("teardown_appcontext", funcs[::-1], exc)

    def _run_teardowns(
        self, kind: str, funcs: list[t.Callable[..., t.Any]], exc: BaseException | None
    ) -> None:
        """Run every teardown function, even when one fails.

        The response is already made when teardown runs, so a failing teardown
        function must not take it away: the error is logged and the other functions
        still run. When exceptions propagate (testing, debug), the first error is
        raised after all of them ran, so a test still sees it.
        """
        first_error: Exception | None = None
        for func in funcs:
            try:
                self._call_hook(kind, func, exc)
            except Exception as error:
                if first_error is None:
                    first_error = error
                self.logger.error("Error in %s function %r", kind, func, exc_info=error)
        if first_error is not None and self._propagate_exceptions():
            raise first_error

    # -- errors ---------------------------------------------------------------------

    def _propagate_exceptions(self) -> bool:
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        return bool(propagate)

    def _find_error_handler(self, e: Exception, blueprints: list[str] | None = None) -> t.Callable[..., t.Any] | None:
        """The handler for ``e``: one registered for its code first, then one for its
        class, each time the closest class in the exception's MRO."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        for c in (code, None) if code is not None else (None,):
            handler_map = self.error_handler_spec[None][c]
            if not handler_map:
                continue
            for cls in exc_class.__mro__:
                handler = handler_map.get(cls)
                if handler is not None:
                    return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like any other error instead of
        becoming its error page (``TRAP_HTTP_EXCEPTIONS``, ``TRAP_BAD_REQUEST_ERRORS``;
        in debug mode a missing form key propagates, to show which key)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ResponseReturnValue:
        """Answer an HTTP exception with its registered handler, or with itself (an
        ``HTTPException`` is a WSGI app that renders its error page). Routing
        redirects are never given to handlers."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e)
        if handler is None:
            return e
        return self._call_error_handler(handler, e)

    def _call_error_handler(self, handler: t.Callable[..., t.Any], e: Exception) -> t.Any:
        req_ctx = _cv_request.get(None)
        trace = req_ctx.trace if req_ctx is not None else None
        if trace is None:
            return self.ensure_sync(handler)(e)
        span = trace.enter("error", getattr(handler, "__name__", repr(handler)), error=repr(e))
        rv = trace.run(span, self.ensure_sync(handler), e)
        trace.leave(span)
        return rv

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        """Answer an exception raised by a hook or view: HTTP errors by code, others
        by class; with no handler, it is re-raised (to :meth:`handle_exception`)."""
        if isinstance(e, BadRequestKeyError) and (self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e)
        if handler is None:
            raise
        return self._call_error_handler(handler, e)

    def handle_exception(self, e: Exception) -> Response:
        """The last stop for an unhandled exception: propagate it (testing, debug,
        ``PROPAGATE_EXCEPTIONS``), or log it and answer 500, with the 500 handler
        if there is one (it receives an ``InternalServerError`` whose
        ``original_exception`` is ``e``)."""
        exc_info = sys.exc_info()
        propagate = self._propagate_exceptions()
        req_ctx = _cv_request.get(None)
        if req_ctx is not None and req_ctx.trace is not None:
            req_ctx.trace.note("error", "unhandled", error=repr(e), propagated=propagate)
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: InternalServerError | ResponseReturnValue = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error)  # type: ignore[arg-type]
        if handler is not None:
            server_error = self._call_error_handler(handler, server_error)  # type: ignore[arg-type]
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception with its traceback, naming the request."""
        self.logger.error(f"Exception on {request.path} [{request.method}]", exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should see ``error`` as ``None``; never, here."""
        return False

    # -- tracing --------------------------------------------------------------------

    def _note_response(self, trace: _trace.RequestTrace, response: Response) -> None:
        # Noted before the context is popped, so a 'response' break still sees the
        # request and the session. The size from the header only: the body may be a
        # stream the server is already reading, and measuring it would consume it.
        trace.note("response", "sent", status=response.status_code, size=response.content_length)

    def _log_trace(self, ctx: RequestContext) -> None:
        assert ctx.trace is not None
        _trace_logger.info(
            "%s %s\n%s", ctx.request.method, ctx.request.full_path.rstrip("?"), ctx.trace.render()
        )

    # -- serving --------------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with Werkzeug's development server (not for production: use
        gunicorn). ``SERVER_NAME`` gives the default host and port."""
        from werkzeug.serving import run_simple

        if debug is not None:
            self.debug = bool(debug)
        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        host = host or sn_host or "127.0.0.1"
        # Port 0 is a real choice (any free port), not "unset".
        if port is not None:
            port = int(port)
        else:
            port = int(sn_port) if sn_port else 5000
        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        try:
            run_simple(host, port, self, **options)
        finally:
            self._got_first_request = False


#: The same class under Flask's name, so Flask code runs with one import changed.
Flask = App

_trace_logger = logging.getLogger("wsgi_stack.trace")

_default_handler = logging.StreamHandler(sys.stderr)
_default_handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s"))


def _has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler anywhere up the logger's hierarchy will show its records."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def _configure_trace_logger() -> None:
    # The trace is the point of STACK_TRACE: make sure it reaches stderr even when the
    # application configured no logging at all.
    if not _trace_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[trace] %(message)s"))
        _trace_logger.addHandler(handler)
    _trace_logger.setLevel(logging.INFO)
    _trace_logger.propagate = False


_configure_trace_logger()
