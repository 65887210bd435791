"""Blueprints: a group of views, hooks and handlers, registered on an app later.

A :class:`Blueprint` is written like an app (the decorators are
:class:`~wsgi_stack.scaffold.Scaffold`'s), but has no URL map and no config of its own.
Everything it is given waits until ``app.register_blueprint(bp)`` calls
:meth:`Blueprint.register`:

1. the blueprint is entered in ``app.blueprints`` under its *dotted name*: its own
   name, or the ``name=`` option, prefixed by the names of the blueprints it is nested in
   (``"admin.users"``). Registering a name twice is an error; ``name=`` registers one
   blueprint twice under two names;
2. its registries (hooks, error handlers, context processors, URL value functions,
   filled under the key ``None`` by the shared decorators) are copied into the app's,
   under the dotted name, so they apply only to requests whose endpoint is the
   blueprint's (``request.blueprints``);
3. each *deferred* function (:meth:`Blueprint.record`) is called with a
   :class:`BlueprintSetupState`: that is how a rule, recorded by
   :meth:`Blueprint.add_url_rule`, gets the URL prefix, subdomain and endpoint prefix of
   this registration, and how ``app_*`` decorators reach the app itself;
4. nested blueprints are registered the same way, their prefixes and subdomains
   merged with this registration's.

After its first registration a blueprint is closed for setup, like an app after its
first request.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import update_wrapper

from .scaffold import Scaffold, add_decorator, setupmethod
from .routing import endpoint_from_view_func

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: A function called with the setup state when the blueprint is registered.
DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]

# "Not given", as opposed to ``None`` (which means "no group" for ``cli_group``).
_unset: t.Any = object()


def _join_prefix(outer: str, inner: str) -> str:
    """Two URL prefixes (or a prefix and a rule) joined by exactly one slash."""
    return f"{outer.rstrip('/')}/{inner.lstrip('/')}"


class BlueprintSetupState:
    """One registration of a blueprint on an app, given to each deferred function.

    ``url_prefix``, ``subdomain`` and ``url_defaults`` are the blueprint's own, with the
    registration's options over them; ``first_registration`` is false when the same
    blueprint object was already registered on this app (under another name).
    """

    def __init__(
        self, blueprint: Blueprint, app: App, options: dict[str, t.Any], first_registration: bool
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        #: The keyword arguments of ``register_blueprint``.
        self.options = options
        self.first_registration = first_registration

        subdomain = options.get("subdomain")
        self.subdomain: str | None = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the blueprint this one is nested in ("" at the top).
        self.name_prefix: str = options.get("name_prefix", "")
        #: Values every rule of the blueprint gets as defaults.
        self.url_defaults: dict[str, t.Any] = {
            **blueprint.url_values_defaults,
            **options.get("url_defaults", {}),
        }

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule of the blueprint to the app: the URL prefix before the rule, the
        dotted name before the endpoint, the subdomain and defaults merged in."""
        if self.url_prefix is not None:
            rule = _join_prefix(self.url_prefix, rule) if rule else self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **options.pop("defaults")}
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint}".lstrip(".")
        self.app.add_url_rule(rule, full_endpoint, view_func, defaults=defaults, **options)


class Blueprint(Scaffold):
    """A group of routes, hooks, error handlers, templates and static files, to be
    registered on an app (once or several times, at different prefixes).

    :param name: the blueprint's name, the prefix of its endpoints (``"auth.login"``);
        no dots.
    :param import_name: the blueprint's module, usually ``__name__``.
    :param static_folder: a folder of static files served at ``static_url_path``
        (relative to the blueprint's root path). Without a ``url_prefix`` the app's own
        static route shadows it.
    :param static_url_path: the URL of the static files; the folder's name by default.
    :param template_folder: a templates folder, searched after the app's.
    :param url_prefix: a path before every rule of the blueprint.
    :param subdomain: the subdomain its rules match, by default.
    :param url_defaults: default view arguments for every rule of the blueprint.
    :param root_path: the folder the others are relative to, when ``import_name``
        cannot tell.
    :param cli_group: the name of the blueprint's command group under the app's
        command line; ``None`` puts its commands at the top level.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _unset,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        #: Functions called with the setup state at each registration.
        self.deferred_functions: list[DeferredSetupFunction] = []
        # Blueprints registered on this one, with their options.
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, so the"
                " change would not reach every registration.\nMake sure every route,"
                " hook and handler is added before the blueprint is registered."
            )

    # -- deferred setup -----------------------------------------------------------------

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` at each registration of the blueprint on an app."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like :meth:`record`, but only at the blueprint's first registration on an app."""

        def on_first_registration(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(on_first_registration, func))

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state deferred functions get; override to give a subclass of it."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: it is registered whenever this one is, with
        the prefixes merged and its name after this one's (``"parent.child"``)."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    # -- registration on an app ---------------------------------------------------------

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Register the blueprint on ``app`` (``app.register_blueprint`` calls this);
        see the module's description for the steps."""
        self_name = options.get("name", self.name)
        name = f"{options.get('name_prefix', '')}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            dotted = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which}"
                f" blueprint{dotted}. Use 'name=' to provide a unique name."
            )

        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        # The name is new (checked above), so the functions are copied under it once.
        self._merge_registries(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_commands(app, name, options)

        for child, child_options in self._blueprints:
            child_options = dict(child_options, name_prefix=name)
            subdomain = child_options.get("subdomain", child.subdomain)
            subdomain = child.subdomain if subdomain is None else subdomain
            if subdomain is not None and state.subdomain is not None:
                child_options["subdomain"] = f"{subdomain}.{state.subdomain}"
            elif subdomain is not None or state.subdomain is not None:
                child_options["subdomain"] = subdomain if subdomain is not None else state.subdomain
            prefix = child_options.get("url_prefix")
            prefix = child.url_prefix if prefix is None else prefix
            if prefix is not None and state.url_prefix is not None:
                child_options["url_prefix"] = _join_prefix(state.url_prefix, prefix)
            elif prefix is not None or state.url_prefix is not None:
                child_options["url_prefix"] = prefix if prefix is not None else state.url_prefix
            child.register(app, child_options)

    def _merge_registries(self, app: App, name: str) -> None:
        """Copy this blueprint's registries into the app's, scoped to ``name``. Keys
        other than ``None`` (none, unless set by hand) are nested under it."""

        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[scoped(key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        app.view_functions.update(self.view_functions)
        for mine, apps in (
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
        ):
            for key, funcs in mine.items():
                apps[scoped(key)].extend(funcs)

    def _register_commands(self, app: App, name: str, options: dict[str, t.Any]) -> None:
        """Add the blueprint's command group to the app's command line: as a subgroup named
        after the blueprint (or ``cli_group``), or its commands merged into the app's own
        group when ``cli_group`` is ``None``. An empty group is left out."""
        # Read without creating it: a blueprint that never used ``cli`` has no commands,
        # and making the group would import click for nothing.
        cli = self.__dict__.get("cli")
        if cli is None or not cli.commands:
            return
        app_cli = app.cli
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app_cli.commands.update(cli.commands)
            return
        cli.name = name if group is _unset else group
        app_cli.add_command(cli)

    # -- the shared decorators, recorded --------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a rule for each registration; see :meth:`BlueprintSetupState.add_url_rule`.
        Neither the endpoint nor the view's name may contain a dot (dots separate
        blueprint names)."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda state: state.add_url_rule(
                rule, endpoint, view_func, provide_automatic_options=provide_automatic_options, **options
            )
        )

    # -- app_*: registered on the app itself, for every request ----------------------------
    # Each records a call to the app's own method (``before_app_request(f)`` is
    # ``app.before_request(f)``), made when the blueprint is registered.

    def _on_app(self, register: t.Callable[[App], t.Any]) -> None:
        # Once per app: registering the blueprint twice must not run the function twice.
        self.record_once(lambda state: register(state.app))

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a Jinja filter for every template of the app."""
        return add_decorator(self.add_app_template_filter, name)

    @setupmethod
    def add_app_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """:meth:`App.add_template_filter <wsgi_stack.app.App.add_template_filter>`, on
        the app this blueprint is registered on."""
        self._on_app(lambda app: app.add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a Jinja test for every template of the app."""
        return add_decorator(self.add_app_template_test, name)

    @setupmethod
    def add_app_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """:meth:`App.add_template_test <wsgi_stack.app.App.add_template_test>`, on
        the app this blueprint is registered on."""
        self._on_app(lambda app: app.add_template_test(f, name=name))

    @setupmethod
    def app_template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Decorate a Jinja global for every template of the app."""
        return add_decorator(self.add_app_template_global, name)

    @setupmethod
    def add_app_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """:meth:`App.add_template_global <wsgi_stack.app.App.add_template_global>`, on
        the app this blueprint is registered on."""
        self._on_app(lambda app: app.add_template_global(f, name=name))

    @setupmethod
    def before_app_request(self, f: F) -> F:
        """Like :meth:`before_request`, for every request of the app."""
        self._on_app(lambda app: app.before_request(f))
        return f

    @setupmethod
    def after_app_request(self, f: F) -> F:
        """Like :meth:`after_request`, for every request of the app."""
        self._on_app(lambda app: app.after_request(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: F) -> F:
        """Like :meth:`teardown_request`, for every request of the app."""
        self._on_app(lambda app: app.teardown_request(f))
        return f

    @setupmethod
    def app_context_processor(self, f: F) -> F:
        """Like :meth:`context_processor`, for every template of the app."""
        self._on_app(lambda app: app.context_processor(f))
        return f

    @setupmethod
    def app_errorhandler(self, code: type[Exception] | int) -> t.Callable[[F], F]:
        """Like :meth:`errorhandler`, for errors of every request of the app."""

        def decorator(f: F) -> F:
            self._on_app(lambda app: app.errorhandler(code)(f))
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """Like :meth:`url_value_preprocessor`, for every request of the app."""
        self._on_app(lambda app: app.url_value_preprocessor(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: F) -> F:
        """Like :meth:`url_defaults`, for every URL the app builds."""
        self._on_app(lambda app: app.url_defaults(f))
        return f


__all__ = ["Blueprint", "BlueprintSetupState"]
