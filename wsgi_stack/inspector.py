"""The environ inspector: ``/_stack/`` shows what the framework made of the request.

Opt-in (``STACK_INSPECTOR = True``, or debug mode while it is left at ``None``), it
answers any URL under ``/_stack`` that no rule of the app matched (see
:meth:`App.dispatch_request <wsgi_stack.app.App.dispatch_request>`) with one page about
the request that asked:

* the WSGI environ, grouped and explained by :mod:`wsgi_stack.environ`;
* the request's URL attributes (``path``, ``full_path``, ``url``, ``host``, ...);
* query and form data as MultiDicts, every value of every key; cookies;
* the matched rule, endpoint and view args, and, for ``/_stack/?path=/u/1&method=POST``,
  what *that* URL would match, asked of the same URL adapter;
* the decoded session and the layer trace of this request so far.

HTML by default, JSON when the client's ``Accept`` header prefers it (``Vary: Accept``).
The page shows attacker-controlled input, so everything in it is escaped, it carries no
script, and a Content-Security-Policy forbids any. It also shows secrets, so those are
masked before anything is rendered: the secret keys, the session cookie's signature,
``Authorization`` credentials, and the values of fields, headers, cookies, session and
config keys named like ``password``, ``secret``, ``token`` or ``csrf``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import typing as t
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

from jinja2 import Environment, StrictUndefined, Template
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect, RoutingException

from .app import INSPECTOR_PREFIX
from .environ import describe_environ
from .trace import plain
from .wrappers import endpoint_blueprint

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import MapAdapter

    from .app import App
    from .ctx import RequestContext
    from .wrappers import Request, Response

#: What a masked value is replaced with.
MASK = "[masked]"

#: Names whose values are secrets: form fields, query args, headers, cookies, session
#: and config keys. Matched anywhere in the name, case-insensitively.
SECRET_NAME = re.compile(
    r"passw(or)?d|passphrase|^pwd$|secret|token|csrf|xsrf|api[-_]?key|credential"
    r"|authori[sz]ation|private[-_]?key|signature",
    re.IGNORECASE,
)

#: A password in a URL's user-info part: ``mysql://user:password@host/db``.
_URL_PASSWORD = re.compile(r"(?P<head>://[^:/@\s]*):[^@/\s]*@")

#: What ``?method=`` may be: an HTTP method token.
_METHOD = re.compile(r"[A-Z]{1,20}")

#: The longest ``?path=`` the probe accepts.
_MAX_PROBE_PATH = 2048

#: Known secret values shorter than this are not searched for in the rest of the page:
#: a two-letter development key would mask every word that contains it.
_MIN_SCRUB_LENGTH = 6

#: The URL attributes of the request the page lists, in this order.
URL_ATTRIBUTES = ("path", "full_path", "script_root", "url", "base_url", "url_root", "host_url", "host")


# -- entry point --------------------------------------------------------------------


def inspector_response(app: App, ctx: RequestContext) -> Response:
    """The inspector's answer to the current request, HTML or JSON.

    Called from :meth:`App.dispatch_request <wsgi_stack.app.App.dispatch_request>` for
    a ``/_stack`` URL that matched no rule. Anything else (``/_stackfoo``, a rule of the
    app under ``/_stack`` refusing the method) keeps its routing error.
    """
    request = ctx.request
    if not _is_inspector_path(request.path) or not isinstance(request.routing_exception, NotFound):
        app.raise_routing_exception(request)

    report = build_report(app, ctx)
    wants = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    if wants == "application/json":
        response = app.response_class(
            json.dumps(report, indent=2, default=repr), mimetype="application/json"
        )
    else:
        response = app.response_class(_page_template().render(r=report, css=_CSS), mimetype="text/html")
        response.headers["Content-Security-Policy"] = _CSP
    response.vary.add("Accept")
    # It shows the session: no cache may keep it, no other site may frame it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _is_inspector_path(path: str) -> bool:
    return path == INSPECTOR_PREFIX or path.startswith(INSPECTOR_PREFIX + "/")


# -- the report: plain data, secrets already masked -----------------------------------


def build_report(app: App, ctx: RequestContext) -> dict[str, t.Any]:
    """Everything the page shows, as JSON-ready data with every secret masked."""
    request = ctx.request
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    report: dict[str, t.Any] = {
        "request": {
            "method": request.method,
            "url": {name: _mask_query(getattr(request, name)) for name in URL_ATTRIBUTES},
        },
        "environ": _environ_section(request.environ, cookie_name),
        "args": _multidict_section(request.args),
        "form": _multidict_section(request.form),
        "files": [
            {"key": key, "filename": f.filename, "content_type": f.content_type}
            for key, f in request.files.items(multi=True)
        ],
        "json": _mask_json(request.get_json(silent=True)) if request.is_json else None,
        "cookies": [
            {"name": name, "value": _mask_cookie(name, value, cookie_name)}
            for name, value in request.cookies.items(multi=True)
        ],
        "match": _match_section(request),
        "probe": _probe_section(ctx.url_adapter, request.args),
        "session": _session_section(app, ctx),
        "trace": ctx.trace.as_list() if ctx.trace is not None else None,
        "trace_text": ctx.trace.render() if ctx.trace is not None else None,
        "app": _app_section(app),
    }
    return t.cast("dict[str, t.Any]", _scrub(report, _known_secrets(app, request, cookie_name)))


def _environ_section(environ: dict[str, t.Any], cookie_name: str) -> dict[str, list[dict[str, t.Any]]]:
    groups = describe_environ(environ).as_dict()
    for entries in groups.values():
        for entry in entries:
            entry["value"] = _mask_environ_value(entry["key"], entry["value"], cookie_name)
    return groups


def _mask_environ_value(key: str, value: t.Any, cookie_name: str) -> t.Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if not isinstance(value, str):
        # A repr may show a URL too: ``<Request 'http://host/?token=...' [GET]>``.
        return _mask_query(repr(value))
    if key in {"QUERY_STRING", "REQUEST_URI", "RAW_URI"}:
        return _mask_query(value)
    if key == "HTTP_COOKIE":
        return _mask_cookie_header(value, cookie_name)
    if key.startswith("HTTP_") and SECRET_NAME.search(key[5:]):
        return _mask_credentials(value) if "AUTHORIZATION" in key else MASK
    return value


def _multidict_section(data: MultiDict[str, str]) -> list[dict[str, t.Any]]:
    """``[{"key": "tag", "values": ["a", "b"]}, ...]``: every value of every key."""
    return [
        {"key": key, "values": [MASK if SECRET_NAME.search(key) else value for value in values]}
        for key, values in data.lists()
    ]


def _match_section(request: Request) -> dict[str, t.Any]:
    rule = request.url_rule
    error = request.routing_exception
    return {
        "rule": rule.rule if rule is not None else None,
        "endpoint": rule.endpoint if rule is not None else None,
        "blueprint": request.blueprint,
        "methods": sorted(rule.methods or ()) if rule is not None else None,
        "view_args": plain(request.view_args),
        "error": _describe_error(error) if error is not None else None,
    }


def _probe_section(adapter: MapAdapter | None, args: MultiDict[str, str]) -> dict[str, t.Any] | None:
    """What ``?path=...&method=...`` would match, or ``None`` when no path was asked."""
    path = args.get("path", "").strip()
    if not path or adapter is None:
        return None
    method = args.get("method", "GET").strip().upper() or "GET"
    if not _METHOD.fullmatch(method):
        raise BadRequest("The 'method' parameter must be an HTTP method such as GET or POST.")
    if not path.startswith("/") or len(path) > _MAX_PROBE_PATH:
        raise BadRequest(
            f"The 'path' parameter must be a URL path starting with '/' (at most {_MAX_PROBE_PATH} characters)."
        )
    # A URL as typed: percent-escapes are decoded as a server decodes PATH_INFO; the
    # query is not matched, only carried into a redirect's target.
    path_part, _, query = path.split("#", 1)[0].partition("?")
    probe: dict[str, t.Any] = {"path": path, "method": method}
    try:
        rule, view_args = adapter.match(unquote(path_part), method, return_rule=True, query_args=query)
    except (HTTPException, RoutingException) as error:
        probe.update(rule=None, endpoint=None, view_args=None, error=_describe_error(error))
        if isinstance(error, RequestRedirect):
            probe["redirect_to"] = error.new_url
        if isinstance(error, MethodNotAllowed):
            probe["allowed_methods"] = sorted(error.valid_methods or ())
    else:
        probe.update(
            rule=rule.rule,
            endpoint=rule.endpoint,
            blueprint=endpoint_blueprint(rule.endpoint),
            view_args=plain(view_args),
            error=None,
            methods=sorted(rule.methods or ()),
        )
    return probe


def _describe_error(error: BaseException) -> str:
    if isinstance(error, HTTPException):
        return f"{error.code} {error.name} ({type(error).__name__})"
    return type(error).__name__


def _session_section(app: App, ctx: RequestContext) -> dict[str, t.Any]:
    # Reading it through ctx.session marks it accessed, so the page gets
    # ``Vary: Cookie``: it does depend on the cookie.
    session = ctx.session
    interface = app.session_interface
    is_null = interface.is_null_session(session)
    return {
        "interface": type(interface).__name__,
        "null": is_null,
        "note": "Sessions are off: the app has no SECRET_KEY." if is_null else None,
        "permanent": bool(getattr(session, "permanent", False)),
        "new": bool(getattr(session, "new", False)),
        "modified": bool(getattr(session, "modified", False)),
        "data": {
            str(key): MASK if SECRET_NAME.search(str(key)) else plain(value)
            for key, value in session.items()
        },
    }


def _app_section(app: App) -> dict[str, t.Any]:
    config = {}
    for key in sorted(app.config):
        value = app.config[key]
        if SECRET_NAME.search(key) and value and not isinstance(value, (bool, int)):
            config[key] = MASK
        elif isinstance(value, str):
            config[key] = _URL_PASSWORD.sub(rf"\g<head>:{MASK}@", value)
        else:
            config[key] = plain(value)
    return {
        "name": app.name,
        "import_name": app.import_name,
        "debug": app.debug,
        "testing": app.testing,
        "root_path": app.root_path,
        "rules": len(list(app.url_map.iter_rules())),
        "blueprints": list(app.blueprints),
        "routes": [
            {
                "rule": rule.rule,
                "endpoint": rule.endpoint,
                "methods": sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}),
                "blueprint": endpoint_blueprint(rule.endpoint),
            }
            for rule in app.url_map.iter_rules()
        ],
        "config": config,
    }


# -- masking --------------------------------------------------------------------------


#: One ``name=value`` query parameter, at the start of a query string or after
#: ``?``, ``&`` or ``;``: in QUERY_STRING, in a URL, or in a repr that shows a URL.
_QUERY_PARAM = re.compile(r"(?:^|(?<=[?&;]))(?P<name>[^=&;?#\s'\"]+)=(?P<value>[^&;#\s'\"]*)")


def _mask_query(text: str) -> str:
    """``text`` with the values of secret-named query parameters masked::

        "/login?user=ann&password=x" -> "/login?user=ann&password=[masked]"
    """

    def mask(match: re.Match[str]) -> str:
        if SECRET_NAME.search(unquote_plus(match["name"])):
            return f"{match['name']}={MASK}"
        return match[0]

    return _QUERY_PARAM.sub(mask, text)


def _mask_signature(value: str) -> str:
    """``payload.timestamp.signature`` -> ``payload.timestamp.[masked]``."""
    head, dot, _signature = value.rpartition(".")
    return f"{head}.{MASK}" if dot else MASK


def _mask_cookie(name: str, value: str, session_cookie_name: str) -> str:
    if name == session_cookie_name:
        return _mask_signature(value)
    return MASK if SECRET_NAME.search(name) else value


def _mask_cookie_header(header: str, session_cookie_name: str) -> str:
    parts = []
    for part in header.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            part = f"{name}={_mask_cookie(name.strip(), value.strip(), session_cookie_name)}"
        parts.append(part)
    return ";".join(parts)


def _mask_credentials(value: str) -> str:
    """``Basic dXNlcjpwdw==`` -> ``Basic [masked]``: the scheme is worth seeing."""
    scheme, space, _credentials = value.strip().partition(" ")
    return f"{scheme} {MASK}" if space else MASK


def _mask_json(value: t.Any) -> t.Any:
    if isinstance(value, dict):
        return {
            str(key): MASK if SECRET_NAME.search(str(key)) else _mask_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_json(item) for item in value]
    return plain(value)


def _known_secrets(app: App, request: Request, cookie_name: str) -> list[str]:
    """Secret values that must not appear anywhere on the page, even where no rule
    above expected them (echoed in a path, an exception message, a header)."""
    candidates: list[t.Any] = [app.config.get("SECRET_KEY")]
    candidates.extend(app.config.get("SECRET_KEY_FALLBACKS") or ())
    session_cookie = request.cookies.get(cookie_name)
    if session_cookie and "." in session_cookie:
        candidates.append(session_cookie.rpartition(".")[2])
    for header in ("Authorization", "Proxy-Authorization"):
        credentials = request.headers.get(header, "").strip().partition(" ")[2]
        candidates.append(credentials)
        if credentials:  # Basic credentials hide the password in base64
            try:
                candidates.append(base64.b64decode(credentials, validate=True).decode().partition(":")[2])
            except ValueError:
                pass
    secrets = set()
    for candidate in candidates:
        if isinstance(candidate, bytes):
            candidate = candidate.decode("utf-8", "replace")
        if isinstance(candidate, str) and len(candidate) >= _MIN_SCRUB_LENGTH:
            secrets.add(candidate)
    # Longest first, so a secret that contains another is masked whole.
    return sorted(secrets, key=len, reverse=True)


def _scrub(value: t.Any, secrets: list[str]) -> t.Any:
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {_scrub(key, secrets): _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    return value


# -- the HTML page ----------------------------------------------------------------------

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin-bottom: .3em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: .2em .5em; }
tr:nth-child(even) { background: #f5f5f5; } th { background: #e8e8e8; }
code, pre { font: 13px/1.4 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
pre { background: #f5f5f5; padding: .7em; }
.meaning { color: #555; } .none { color: #999; } .error { color: #a00; }
form { margin: .5em 0; } input { font: inherit; }
""".strip()

#: Scripts, frames, images, fonts: nothing. Styles: the one block above, by its hash.
_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wsgi_stack inspector: {{ r.request.method }} {{ r.request.url.full_path }}</title>
<style>{{ css }}</style>
</head>
<body>
{%- macro value(v) -%}
  {%- if v is none %}<span class="none">None</span>
  {%- elif v is string %}<code>{{ v }}</code>
  {%- else %}<code>{{ v | tojson }}</code>{% endif -%}
{%- endmacro %}
{%- macro multidict(title, rows) %}
<h3>{{ title }}</h3>
{%- if rows %}
<table><tr><th>Key</th><th>Values (every one, in order)</th></tr>
{%- for row in rows %}
<tr><td><code>{{ row.key }}</code></td><td>{% for v in row["values"] %}{{ value(v) }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>
{%- endfor %}
</table>
{%- else %}<p class="none">empty</p>{% endif %}
{%- endmacro %}
<h1>{{ r.request.method }} {{ r.request.url.full_path }}</h1>
<p>What <code>{{ r.app.name }}</code> made of this request, layer by layer.
Secrets are shown as <code>[masked]</code>. <code>Accept: application/json</code> gives the same as JSON.</p>

<h2>URL</h2>
<table><tr><th>Attribute</th><th>Value</th></tr>
{%- for name, v in r.request.url.items() %}
<tr><td><code>request.{{ name }}</code></td><td>{{ value(v) }}</td></tr>
{%- endfor %}
</table>

<h2>Routing</h2>
<h3>This request</h3>
<table>
<tr><td>Rule</td><td>{{ value(r.match.rule) }}</td></tr>
<tr><td>Endpoint</td><td>{{ value(r.match.endpoint) }}</td></tr>
<tr><td>Blueprint</td><td>{{ value(r.match.blueprint) }}</td></tr>
<tr><td>View args</td><td>{{ value(r.match.view_args) }}</td></tr>
<tr><td>Routing error</td><td class="error">{{ value(r.match.error) }}</td></tr>
</table>
<h3>What would another URL match?</h3>
<form method="get">
<label>Path <input name="path" size="40" value="{{ r.probe.path if r.probe else '/' }}"></label>
<label>Method <input name="method" size="7" value="{{ r.probe.method if r.probe else 'GET' }}"></label>
<button type="submit">Match</button>
</form>
{%- if r.probe %}
<table>
{%- for key, v in r.probe.items() %}
<tr><td>{{ key }}</td><td>{{ value(v) }}</td></tr>
{%- endfor %}
</table>
{%- endif %}

<h2>Data</h2>
{{ multidict("Query arguments: request.args", r.args) }}
{{ multidict("Form data: request.form", r.form) }}
{%- if r.files %}
<h3>Files: request.files</h3>
<table><tr><th>Key</th><th>File name</th><th>Content type</th></tr>
{%- for f in r.files %}
<tr><td><code>{{ f.key }}</code></td><td>{{ value(f.filename) }}</td><td>{{ value(f.content_type) }}</td></tr>
{%- endfor %}
</table>
{%- endif %}
{%- if r.json is not none %}
<h3>JSON body: request.get_json()</h3>
<pre>{{ r.json | tojson(indent=2) }}</pre>
{%- endif %}
<h3>Cookies: request.cookies</h3>
{%- if r.cookies %}
<table><tr><th>Name</th><th>Value</th></tr>
{%- for c in r.cookies %}
<tr><td><code>{{ c.name }}</code></td><td>{{ value(c.value) }}</td></tr>
{%- endfor %}
</table>
{%- else %}<p class="none">none</p>{% endif %}

<h2>Session</h2>
<p>{{ r.session.interface }}{% if r.session.note %}: {{ r.session.note }}{% endif %}
(permanent {{ r.session.permanent }}, new {{ r.session.new }}, modified {{ r.session.modified }})</p>
{%- if r.session.data %}
<table><tr><th>Key</th><th>Value</th></tr>
{%- for key, v in r.session.data.items() %}
<tr><td><code>{{ key }}</code></td><td>{{ value(v) }}</td></tr>
{%- endfor %}
</table>
{%- else %}<p class="none">empty</p>{% endif %}

<h2>Layer trace of this request, so far</h2>
{%- if r.trace_text %}
<pre>{{ r.trace_text }}</pre>
{%- else %}<p class="none">Tracing is off.</p>{% endif %}

<h2>WSGI environ</h2>
{%- for group, title in [("cgi", "CGI variables"), ("headers", "HTTP headers"), ("wsgi", "wsgi.* keys (PEP 3333)"), ("server", "Added by the server or middleware")] %}
<h3>{{ title }}</h3>
<table><tr><th>Key</th><th>Value</th><th>Meaning</th></tr>
{%- for e in r.environ[group] %}
<tr><td><code>{{ e.key }}</code></td><td>{{ value(e.value) }}</td><td class="meaning">{{ e.meaning }}</td></tr>
{%- endfor %}
</table>
{%- endfor %}

<h2>Application</h2>
<p><code>{{ r.app.import_name }}</code> at <code>{{ r.app.root_path }}</code>, {{ r.app.rules }} URL rules,
debug {{ r.app.debug }}, testing {{ r.app.testing }}.</p>
<h3>URL map{% if r.app.blueprints %} (blueprints: {{ r.app.blueprints | join(", ") }}){% endif %}</h3>
<table><tr><th>Rule</th><th>Endpoint</th><th>Methods</th><th>Blueprint</th></tr>
{%- for route in r.app.routes %}
<tr><td><code>{{ route.rule }}</code></td><td>{{ route.endpoint }}</td><td>{{ route.methods | join(", ") }}</td><td>{{ value(route.blueprint) }}</td></tr>
{%- endfor %}
</table>
<table><tr><th>Config key</th><th>Value</th></tr>
{%- for key, v in r.app.config.items() %}
<tr><td><code>{{ key }}</code></td><td>{{ value(v) }}</td></tr>
{%- endfor %}
</table>
</body>
</html>
"""


@lru_cache(maxsize=1)
def _page_template() -> Template:
    # An environment of its own: the app's may have other loaders, filters or
    # settings, and the inspector must escape everything whatever the app chose.
    env = Environment(autoescape=True, undefined=StrictUndefined)
    return env.from_string(_PAGE)
