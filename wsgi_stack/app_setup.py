"""The application before its first request: configuration and app-wide registration.

:class:`AppSetup` is the half of :class:`~wsgi_stack.app.App` that runs while the app is
being built (Flask draws the same line between its ``sansio.App`` and ``Flask``):

* configuration: ``default_config``, :meth:`AppSetup.make_config`, ``debug``, the
  instance folder, the logger;
* what only an app registers, on top of :class:`~wsgi_stack.scaffold.Scaffold`'s shared
  decorators: URL rules in the one ``url_map``, blueprints, template filters, tests and
  globals, ``teardown_appcontext`` and shell context functions;
* the Jinja environment, made on first use;
* what drives a built app from outside: ``test_client``, ``test_cli_runner`` and ``run``
  (Werkzeug's development server, through :mod:`wsgi_stack.serving`).

The request path, and the template context of each render, are in :mod:`wsgi_stack.app`.
What it asks of the setup stays here, beside the config it reads: ``_make_trace`` (once per
request), ``redirect``, ``handle_url_build_error``, ``trap_http_exception`` and
``should_ignore_error``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import typing as t
import weakref
from datetime import timedelta
from functools import cached_property

from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import Aborter, BadRequest, BadRequestKeyError
from werkzeug.routing import BuildError
from werkzeug.utils import redirect as _wz_redirect
from werkzeug.wrappers import Response as BaseResponse

from . import routing
from . import trace as _trace
from .config import Config, ConfigAttribute, find_instance_path
from .globals import g, request, session
from .helpers import get_debug_flag, get_flashed_messages
from .json.provider import DefaultJSONProvider, JSONProvider
from .logging import create_logger
from .scaffold import Scaffold, add_decorator, setupmethod
from .templating import DispatchingJinjaLoader, Environment

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .blueprints import Blueprint
    from .testing import FlaskCliRunner, FlaskClient
    from .wrappers import Response

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class AppSetup(Scaffold):
    """An application before it serves: configuration, app-wide registration, Jinja.

    :class:`~wsgi_stack.app.App` adds the request path; create an ``App``, not this.

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

    aborter_class = Aborter
    jinja_environment = Environment
    config_class = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    url_rule_class = routing.Rule
    url_map_class = routing.Map
    #: Options for the Jinja environment, read when it is first made.
    jinja_options: dict[str, t.Any] = {}
    test_client_class: type[FlaskClient] | None = None
    test_cli_runner_class: type[FlaskCliRunner] | None = None

    if t.TYPE_CHECKING:  # pragma: no cover
        # Given by App, the one class made from this one; setup code here uses them
        # (and hands ``self`` on as the App it is).
        response_class: type[Response]
        url_for: t.Callable[..., str]

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
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )

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
        self.json: JSONProvider = self.json_provider_class(t.cast("App", self))

        # The registries of Scaffold (routes, hooks, error handlers) are keyed by scope:
        # ``None`` for the app's own, a blueprint's dotted name for the blueprint's.
        self.teardown_appcontext_funcs: list[t.Callable[..., t.Any]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        self.url_build_error_handlers: list[t.Callable[..., t.Any]] = []
        self.before_first_request_funcs: list[t.Callable[[], t.Any]] = []
        #: The registered blueprints by their dotted name (see :meth:`register_blueprint`).
        self.blueprints: dict[str, Blueprint] = {}
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

    # -- names and folders ----------------------------------------------------------

    @cached_property
    def name(self) -> str:  # type: ignore[override]  # an app finds its name; a blueprint is given one
        """The app's name: the import name, or the script's name for ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return os.path.splitext(os.path.basename(filename))[0]
        return self.import_name

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's package or module, or, for an installed
        package, ``<prefix>/var/<name>-instance``."""
        return find_instance_path(self.import_name, self.name)

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
        stack_break = os.environ.get("STACK_BREAK") or None
        defaults["STACK_BREAK"] = stack_break
        # A misspelt layer name fails here, when the app is made, not on every request.
        _trace.parse_layer_names(stack_break)
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

    @cached_property
    def logger(self) -> logging.Logger:
        """The app's logger, named after the app; see :mod:`wsgi_stack.logging`."""
        return create_logger(self)

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
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register ``blueprint``'s routes, hooks and handlers on the app. ``options``
        override the blueprint's own: ``url_prefix``, ``subdomain``, ``url_defaults``,
        and ``name`` (to register one blueprint twice). See :mod:`wsgi_stack.blueprints`."""
        blueprint.register(t.cast("App", self), options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in the order they were registered."""
        return self.blueprints.values()

    @setupmethod
    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(error)`` when the application context is popped, always."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: F) -> F:
        """Register ``f() -> dict`` for an interactive shell's namespace."""
        self.shell_context_processors.append(f)
        return f

    @setupmethod
    def template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja filter (named after it by default)."""
        return add_decorator(self.add_template_filter, name)

    @setupmethod
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja test (``{% if x is name %}``)."""
        return add_decorator(self.add_template_test, name)

    @setupmethod
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a function to make it a Jinja global."""
        return add_decorator(self.add_template_global, name)

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
        env = self.jinja_environment(t.cast("App", self), **options)
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
        return DispatchingJinjaLoader(t.cast("App", self))

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates named ``.html``, ``.htm``, ``.xml``, ``.xhtml``, ``.svg``
        and templates from strings; not others (``.txt``, ``.js``...)."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of an interactive shell: the app, ``g``, and the processors'."""
        namespace = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    # -- answers the request path asks for --------------------------------------------

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response, of the app's response class.

        A target with a line break could only be a header-injection attempt (a
        ``?next=`` value, say); it is refused with 400 instead of failing in the
        header code with a 500.
        """
        if "\r" in location or "\n" in location:
            raise BadRequest("The redirect target contains a line break.")
        return _wz_redirect(location, code=code, Response=self.response_class)

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

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should see ``error`` as ``None``; never, here."""
        return False

    # -- driving the app from outside: test clients and the development server -------------

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A test client: requests go straight to the app, no server involved."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient

            cls = FlaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> FlaskCliRunner:
        """A click test runner for the app's commands (``runner.invoke(args=["cmd"])``)."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .testing import FlaskCliRunner

            cls = FlaskCliRunner
        return cls(t.cast("App", self), **kwargs)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with Werkzeug's development server (for development only; in
        production use a WSGI server such as gunicorn), as Flask's ``app.run`` does.

        ``host``/``port`` default to ``SERVER_NAME``'s, else ``127.0.0.1:5000``. Debug mode
        (``debug``, else ``FLASK_DEBUG`` from the environment or a ``.env`` file) turns on
        the reloader and the debugger. ``options`` go to :func:`werkzeug.serving.run_simple`.
        Under ``wsgi-stack run`` (or ``flask run``) the call does nothing: that command
        serves the app already, and a module calling ``app.run()`` at import must not block it.
        """
        from .serving import run_app

        run_app(t.cast("App", self), host, port, debug, load_dotenv, options)
