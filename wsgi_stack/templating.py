"""Templating: one Jinja2 environment per app, and the context every template sees.

The environment is made on first use (:attr:`App.jinja_env`). It loads templates from
the app's ``templates/`` folder, autoescapes by file extension, and has these globals:
``config``, ``request``, ``session``, ``g``, ``url_for`` and ``get_flashed_messages``.
Before each render, :meth:`App.update_template_context` runs the context processors
(the default one puts the *current* ``request`` and ``g`` in the context, so they are
the real objects, not proxies; ``session`` stays a proxy, so that only a template that
reads it marks the session accessed); values passed to ``render_template`` win.
"""

from __future__ import annotations

import typing as t

from jinja2 import BaseLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template, TemplateNotFound

from .globals import _cv_app, _cv_request, current_app
from .signals import before_render_template, template_rendered
from .signals import send as send_signal

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put the real ``g`` and ``request`` in the context when they exist. ``session``
    stays the proxy (a Jinja global): reading it through the request context marks the
    session accessed, and only a template that does read it should add ``Vary: Cookie``."""
    app_ctx = _cv_app.get(None)
    request_ctx = _cv_request.get(None)
    values: dict[str, t.Any] = {}
    if app_ctx is not None:
        values["g"] = app_ctx.g
    if request_ctx is not None:
        values["request"] = request_ctx.request
    return values


class Environment(BaseEnvironment):
    """A Jinja2 environment that knows its app and loads through it."""

    def __init__(self, app: App, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Loads templates from the app's ``jinja_loader``, then from each blueprint's, in
    the order they were registered: the first that has the template wins, so an app
    template overrides a blueprint's. Loaders are looked up at load time, so one
    replaced after the environment exists is still used."""

    def __init__(self, app: App) -> None:
        self.app = app

    def _iter_loaders(self) -> t.Iterator[tuple[t.Any, BaseLoader]]:
        """(owner, loader) pairs: the app first, then its blueprints."""
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        explain = self.app.config["EXPLAIN_TEMPLATE_LOADING"]
        attempts: list[tuple[BaseLoader, t.Any, t.Any]] = []
        found = None
        for owner, loader in self._iter_loaders():
            try:
                source = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            if not explain:
                if source is not None:
                    return source
                continue
            attempts.append((loader, owner, source))
            if found is None:
                found = source
        if explain:
            from .debughelpers import explain_template_loading_attempts

            explain_template_loading_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return list(names)


def _render(app: App, template: Template, context: dict[str, t.Any]) -> str:
    trace = _current_trace()
    span = trace.enter("template", template.name or "<string>") if trace is not None else None
    app.update_template_context(context)
    if before_render_template.receivers:  # receivers may still change the context
        send_signal(before_render_template, app, template=template, context=context)
    if span is None:
        rendered = template.render(context)
    else:
        assert trace is not None
        rendered = trace.run(span, template.render, context)
        trace.leave(span, size=len(rendered))
    if template_rendered.receivers:
        send_signal(template_rendered, app, template=template, context=context)
    return rendered


def _current_app() -> App:
    # The context variable directly: one lookup instead of the proxy's three.
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]  # raises the usual error
    return app_ctx.app


def _current_trace() -> t.Any:
    request_ctx = _cv_request.get(None)
    return request_ctx.trace if request_ctx is not None else None


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render a template from the templates folder with ``context``. A list renders
    the first template that exists."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as a string (autoescaped, as a template with no name)."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: App, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        send_signal(before_render_template, app, template=template, context=context)

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        # Rendered means fully generated: sent when the stream is exhausted.
        if template_rendered.receivers:
            send_signal(template_rendered, app, template=template, context=context)

    stream = generate()
    # Keep the request context alive while the body is generated after the view returns.
    if _cv_request.get(None) is not None:
        from .helpers import stream_with_context

        stream = stream_with_context(stream)
    return stream


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> t.Iterator[str]:
    """Render a template as a stream of strings, for a streamed response."""
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Render a template string as a stream of strings."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)


__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]
