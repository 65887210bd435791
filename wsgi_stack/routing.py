"""URL routing: Werkzeug's ``Map`` and ``Rule`` behind ``route()`` and ``url_for()``.

Werkzeug does the real work: a :class:`~werkzeug.routing.Map` holds :class:`Rule`
objects, ``Map.bind_to_environ`` gives a :class:`~werkzeug.routing.MapAdapter` for one
request, ``adapter.match()`` finds the rule and converts the URL's variables, and
``adapter.build()`` goes the other way. This module is the glue the app uses:

* :func:`make_rule` turns ``add_url_rule``'s arguments into a ``Rule`` (which methods
  it answers, whether OPTIONS is answered automatically);
* :func:`request_binding` / :func:`bind_app_adapter` decide how to bind the map for a
  request or, with ``SERVER_NAME`` set, make the adapter for an application context alone;
* :func:`build_url` builds a URL and adds the anchor.

The request context calls ``adapter.match`` (see :meth:`RequestContext.match_request`),
and stores the result on the request, so a routing error waits to be raised by dispatch.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote as _url_quote

from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import BadHost, HTTPException
from werkzeug.routing import BaseConverter, BuildError, MapAdapter, Rule, ValidationError
from werkzeug.routing import IntegerConverter as _WerkzeugIntegerConverter
from werkzeug.routing import Map as _WerkzeugMap
from werkzeug.routing import RequestRedirect, RoutingException

from . import trace as _trace

if t.TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .wrappers import Request

__all__ = [
    "BaseConverter",
    "BuildError",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "RequestRedirect",
    "Rule",
    "RoutingException",
    "bind_app_adapter",
    "build_url",
    "endpoint_from_view_func",
    "make_rule",
    "remember_adapter",
    "remembered_adapter",
    "request_binding",
]


#: Characters left as they are in a URL fragment (RFC 3986 allows them there).
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


class IntegerConverter(_WerkzeugIntegerConverter):
    """Werkzeug's ``int`` converter, except that a number too long for ``int()``
    (over 4,300 digits, Python's guard against quadratic parsing) is no match (404)
    rather than a ``ValueError`` (500)."""

    def to_python(self, value: str) -> t.Any:
        try:
            return super().to_python(value)
        except ValueError:
            raise ValidationError() from None


class Map(_WerkzeugMap):
    """Werkzeug's ``Map`` with the converter above as ``int``, and a bounded memory of
    what ``bind_to_environ`` made of each host (see :func:`remembered_adapter`)."""

    default_converters = ImmutableDict({**_WerkzeugMap.default_converters, "int": IntegerConverter})
    #: How many host/scheme/script-name combinations are remembered. The Host header is
    #: the client's to choose, so when the memory is full it is emptied and refilled.
    binding_memory_size = 64

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # None for a subclass that binds its own way: it is always asked.
        self._bindings: dict[tuple[t.Any, ...], tuple[str, str, str | None, str]] | None = (
            {} if type(self).bind_to_environ is _WerkzeugMap.bind_to_environ else None
        )


# -- the memory of bindings ------------------------------------------------------------
#
# Werkzeug's Map.bind_to_environ works out, on every request, the server name (lowercased,
# IDNA-encoded, default port dropped), the subdomain, the scheme (ws/wss for a websocket
# upgrade) and the script name from a few environ values. Those depend on nothing else, so
# what it made of them is remembered, and a later request with the same values gets an
# adapter made from that and its own path, query string and method: exactly the adapter
# bind_to_environ would make (tests/wsgi_stack/differential/test_hostile_binding.py).

#: The environ values ``bind_to_environ`` reads besides the path, query string and method.
_BINDING_KEYS = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_CONNECTION",
    "HTTP_UPGRADE",
    "SCRIPT_NAME",
)


def _binding_key(
    url_map: Map, environ: dict[str, t.Any], server_name: str | None, subdomain: str | None
) -> tuple[t.Any, ...]:
    return (server_name, subdomain, url_map.host_matching, url_map.default_subdomain,
            *map(environ.get, _BINDING_KEYS))  # fmt: skip


def _wsgi_text(value: str) -> str:
    # PEP 3333 carries the URL's raw bytes in latin-1 strings; Werkzeug reads them as
    # UTF-8, a bad byte becoming U+FFFD.
    return value.encode("latin-1").decode("utf-8", "replace")


def remembered_adapter(
    url_map: Map, environ: dict[str, t.Any], server_name: str | None, subdomain: str | None
) -> MapAdapter | None:
    """The adapter ``url_map.bind_to_environ(environ, server_name, subdomain)`` gives, made
    from what it gave for an earlier request with the same host, scheme and script name;
    ``None`` when there was none (then bind, and :func:`remember_adapter`)."""
    bindings = getattr(url_map, "_bindings", None)  # None: not this module's Map as is
    if not bindings:
        return None
    binding = bindings.get(_binding_key(url_map, environ, server_name, subdomain))
    if binding is None:
        return None
    bound_server, script_name, bound_subdomain, scheme = binding
    path_info = environ.get("PATH_INFO")
    query_string = environ.get("QUERY_STRING")
    return MapAdapter(  # as Werkzeug's Map.bind makes it
        url_map,
        bound_server,
        script_name,
        bound_subdomain,
        scheme,
        "/" if path_info is None else _wsgi_text(path_info),
        environ["REQUEST_METHOD"],
        None if query_string is None else _wsgi_text(query_string),
    )


def remember_adapter(
    url_map: Map,
    environ: dict[str, t.Any],
    server_name: str | None,
    subdomain: str | None,
    adapter: MapAdapter,
) -> None:
    """Remember what ``bind_to_environ`` made of this request's host, scheme and script
    name. Not a host it warned about (one outside ``SERVER_NAME``, bound to the subdomain
    ``"<invalid>"``): that one warns every time, as without the memory."""
    bindings = getattr(url_map, "_bindings", None)
    if bindings is None or adapter.subdomain == "<invalid>":
        return
    if len(bindings) >= url_map.binding_memory_size:
        bindings.clear()
    bindings[_binding_key(url_map, environ, server_name, subdomain)] = (adapter.server_name, adapter.script_name, adapter.subdomain, adapter.url_scheme)


def endpoint_from_view_func(view_func: t.Callable[..., t.Any] | None) -> str:
    """The default endpoint name: the view function's name."""
    assert view_func is not None, "expected view func if endpoint is not provided."
    return view_func.__name__


def make_rule(
    rule_class: type[Rule],
    rule: str,
    endpoint: str,
    view_func: t.Callable[..., t.Any] | None,
    provide_automatic_options: bool | None,
    automatic_options_default: bool,
    options: dict[str, t.Any],
) -> Rule:
    """Build the ``Rule`` for ``add_url_rule``.

    The methods come from ``options["methods"]``, else from the view's ``methods``
    attribute, else GET (Werkzeug adds HEAD to any rule with GET). Unless the view
    handles OPTIONS itself, the rule answers it automatically with the ``Allow``
    header, which is why ``provide_automatic_options`` is stored on the rule.
    """
    methods = options.pop("methods", None)
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError(
            "Allowed methods must be a list of strings, for example:"
            ' @app.route(..., methods=["POST"])'
        )
    methods = {method.upper() for method in methods}
    required_methods = set(getattr(view_func, "required_methods", ()))

    if provide_automatic_options is None:
        provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
    if provide_automatic_options is None:
        if "OPTIONS" not in methods and automatic_options_default:
            provide_automatic_options = True
            required_methods.add("OPTIONS")
        else:
            provide_automatic_options = False

    methods |= required_methods
    rule_obj = rule_class(rule, methods=methods, endpoint=endpoint, **options)
    rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
    return rule_obj


def request_binding(
    url_map: Map, config: Config, request: Request, subdomain_matching: bool
) -> tuple[str | None, str | None]:
    """The ``server_name`` and ``subdomain`` to bind the URL map to for one request
    (``App.create_url_adapter`` passes them to ``Map.bind_to_environ``).

    ``TRUSTED_HOSTS`` is checked first (reading ``request.host`` raises a 400 for an
    untrusted Host header). With ``host_matching``, rules match the request's real host,
    so no server name is given. Otherwise ``SERVER_NAME`` serves to build external URLs
    and, with ``subdomain_matching``, Werkzeug finds the subdomain as the part of the host
    before it (a host outside it matches nothing, with a warning). Without subdomain
    matching the subdomain is pinned to the default, so any host name matches.
    """
    trusted_hosts = config["TRUSTED_HOSTS"]
    if trusted_hosts is not None:
        request.trusted_hosts = trusted_hosts
        try:
            request.host  # noqa: B018 - validates the Host header against trusted_hosts
        except UnicodeError as error:  # a Host IDNA cannot encode fails Werkzeug's check
            raise BadHost() from error

    if url_map.host_matching:
        return None, None
    if not subdomain_matching:
        return config["SERVER_NAME"], url_map.default_subdomain or ""
    return config["SERVER_NAME"], None


def bind_app_adapter(url_map: Map, config: Config) -> MapAdapter | None:
    """The URL adapter for an app context without a request: only with ``SERVER_NAME``."""
    if config["SERVER_NAME"] is None:
        return None
    return url_map.bind(
        config["SERVER_NAME"],
        script_name=config["APPLICATION_ROOT"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
    )


def build_url(
    adapter: MapAdapter,
    endpoint: str,
    values: dict[str, t.Any],
    *,
    method: str | None,
    scheme: str | None,
    external: bool,
    anchor: str | None,
) -> str:
    """Build a URL with the adapter; the anchor is quoted and appended. Raises
    :class:`BuildError` when no rule fits, for the app's build-error handlers."""
    url = adapter.build(
        endpoint, values, method=method, url_scheme=scheme, force_external=external
    )
    if anchor is not None:
        url = f"{url}#{_url_quote(anchor, safe=_ANCHOR_SAFE)}"
    return url


def match_request(adapter: MapAdapter, request: Request, trace: _trace.RequestTrace | None) -> None:
    """Match the request's URL and store the rule and view args, or the routing error.

    The error is stored, not raised: hooks run before dispatch, and they may want
    to see (or answer) a request that matches nothing.
    """
    span = trace.enter("routing", "match", path=request.path) if trace is not None else None
    try:
        request.url_rule, request.view_args = adapter.match(return_rule=True)  # type: ignore[assignment]
    except HTTPException as error:  # NotFound, MethodNotAllowed, RequestRedirect, ...
        request.routing_exception = error
    if span is not None:
        assert trace is not None
        if request.url_rule is not None:
            found = {"rule": request.url_rule.rule, "endpoint": request.url_rule.endpoint}
            if request.blueprint is not None:
                found["blueprint"] = request.blueprint
            trace.leave(span, **found, view_args=request.view_args)
        else:
            trace.leave(span, error=repr(request.routing_exception))
