"""The environ inspector at ``/_stack/`` (being written; see issue 5)."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .ctx import RequestContext
    from .wrappers import Response


def inspector_response(app: App, ctx: RequestContext) -> Response:
    """Placeholder until the inspector lands: a plain list of the environ."""
    from .environ import describe_environ

    groups = describe_environ(ctx.request.environ).as_dict()
    return app.json.response({k: [e["key"] for e in v] for k, v in groups.items()})
