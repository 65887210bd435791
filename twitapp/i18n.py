"""Languages: twitapp in English and Korean.

Which language a request gets, first that applies:

1. the ``lang`` cookie, set by the switch at the foot of every page (``/language/<code>``):
   a person's explicit choice wins over what their browser says;
2. ``Accept-Language``, parsed by Werkzeug (q-values, ``ko-KR`` matching ``ko``);
3. English.

Negotiated answers (pages and JSON, not static files) say which one they got in
``Content-Language`` and carry ``Vary: Accept-Language, Cookie``, so a cache keeps one copy
per language.

Strings are marked the standard way: ``_()``/``ngettext()`` in Python (``lazy_gettext`` for
module-level constants, ``N_`` to only mark), ``{{ _("...") }}`` and ``{% trans %}`` in the
templates (Jinja2's i18n extension, new-style: ``_("Hi %(name)s", name=x)`` escapes
``name``). The catalogs are gettext ``.po`` files in ``twitapp/translations``; English is
the source language, so MiniTwit's messages read word for word as before. The ``.po`` files
are compiled in memory when the app is built (Babel, a few ms: no ``.mo`` file to build in an
install step or to go stale). To update them after changing strings::

    pybabel extract -F twitapp/babel.cfg -k lazy_gettext -k N_ -o twitapp/translations/messages.pot .
    pybabel update -i twitapp/translations/messages.pot -d twitapp/translations

``tests/twitapp/test_i18n.py`` fails when a marked string has no Korean translation, or when a
template holds words outside a translation call.
"""

from __future__ import annotations

import gettext as _gettext
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy
from werkzeug.exceptions import NotFound

from wsgi_stack import current_app, g, make_response, redirect, request, url_for

#: Supported languages, the default first.
LANGUAGES: tuple[str, ...] = ("en", "ko")
DEFAULT_LANGUAGE = LANGUAGES[0]
#: Each language's name in itself, for the switch.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
_EXTENSION_KEY = "twitapp.i18n"


def load_catalogs(directory: Path = TRANSLATIONS_DIR) -> dict[str, _gettext.NullTranslations]:
    """Every language's translations, compiled in memory from its ``.po`` file."""
    catalogs: dict[str, _gettext.NullTranslations] = {DEFAULT_LANGUAGE: _gettext.NullTranslations()}
    for language in LANGUAGES[1:]:
        path = directory / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
        compiled.seek(0)
        catalogs[language] = _gettext.GNUTranslations(compiled)
    return catalogs


def init_app(app: Any) -> None:
    """Load the catalogs, install them in Jinja, add the switch and the response headers."""
    app.extensions[_EXTENSION_KEY] = load_catalogs()
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # New style: Jinja fills the %(name)s placeholders itself, escaping the values.
    app.jinja_env.install_gettext_callables(_catalog_gettext, _catalog_ngettext, newstyle=True)
    app.add_template_global(get_locale, "current_language")
    app.add_template_global(LANGUAGE_NAMES, "language_names")
    app.add_template_global(switch_url, "language_switch_url")
    app.add_template_global(error_texts)
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_date, "localdate")
    app.add_url_rule("/language/<code>", "set_language", set_language)
    app.after_request(mark_language)


# --------------------------------------------------------------------------- which language


def select_language() -> str:
    """The request's language: the switch's cookie, else ``Accept-Language``, else English."""
    chosen = request.cookies.get(COOKIE_NAME)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def get_locale() -> str:
    """The current request's language (chosen once per request), or English outside one."""
    try:
        return g.language
    except AttributeError:
        pass
    except RuntimeError:  # no app context: a string used at import or in a shell
        return DEFAULT_LANGUAGE
    try:
        language = select_language()
    except RuntimeError:  # an app context without a request (a CLI command)
        language = DEFAULT_LANGUAGE
    g.language = language
    return language


def _translations() -> _gettext.NullTranslations:
    try:
        catalogs = current_app.extensions[_EXTENSION_KEY]
    except (RuntimeError, KeyError):
        return _gettext.NullTranslations()
    return catalogs[get_locale()]


# --------------------------------------------------------------------------- marking strings


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language; ``%(name)s`` placeholders filled from ``variables``."""
    text = _translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num`` (Korean has one form), ``%(num)d`` filled in."""
    variables.setdefault("num", num)
    return _translations().ngettext(singular, plural, num) % variables


_ = gettext


def _catalog_gettext(message: str) -> str:
    return _translations().gettext(message)


def _catalog_ngettext(singular: str, plural: str, num: int) -> str:
    return _translations().ngettext(singular, plural, num)


def lazy_gettext(message: str, **variables: Any) -> Any:
    """A string translated when it is used, for constants defined at import time."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def N_(message: str) -> str:  # noqa: N802 (the conventional name)
    """Mark ``message`` for extraction only; translate it later with ``_(message)``."""
    return message


# --------------------------------------------------------------------------- HTTP errors

#: Werkzeug's names and default descriptions of the errors twitapp answers, marked here so
#: that extraction puts them in the catalogs (the test checks they are still Werkzeug's words).
HTTP_ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: (N_("Bad Request"), N_(
        "The browser (or proxy) sent a request that this server could not understand.")),
    401: (N_("Unauthorized"), N_(
        "The server could not verify that you are authorized to access the URL requested. You"
        " either supplied the wrong credentials (e.g. a bad password), or your browser doesn't"
        " understand how to supply the credentials required.")),
    403: (N_("Forbidden"), N_(
        "You don't have the permission to access the requested resource. It is either"
        " read-protected or not readable by the server.")),
    404: (N_("Not Found"), N_(
        "The requested URL was not found on the server. If you entered the URL manually please"
        " check your spelling and try again.")),
    405: (N_("Method Not Allowed"), N_("The method is not allowed for the requested URL.")),
    406: (N_("Not Acceptable"), N_(
        "The resource identified by the request is only capable of generating response entities"
        " which have content characteristics not acceptable according to the accept headers"
        " sent in the request.")),
    409: (N_("Conflict"), N_(
        "A conflict happened while processing the request. The resource might have been"
        " modified while the request was being processed.")),
    410: (N_("Gone"), N_(
        "The requested URL is no longer available on this server and there is no forwarding"
        " address. If you followed a link from a foreign page, please contact the author of this"
        " page.")),
    411: (N_("Length Required"), N_(
        "A request with this method requires a valid <code>Content-Length</code> header.")),
    412: (N_("Precondition Failed"), N_(
        "The precondition on the request for the URL failed positive evaluation.")),
    413: (N_("Request Entity Too Large"), N_("The data value transmitted exceeds the capacity limit.")),
    414: (N_("Request URI Too Long"), N_(
        "The length of the requested URL exceeds the capacity limit for this server. The request"
        " cannot be processed.")),
    415: (N_("Unsupported Media Type"), N_(
        "The server does not support the media type transmitted in the request.")),
    416: (N_("Requested Range Not Satisfiable"), N_("The server cannot provide the requested range.")),
    422: (N_("Unprocessable Entity"), N_(
        "The request was well-formed but was unable to be followed due to semantic errors.")),
    428: (N_("Precondition Required"), N_(
        'This request is required to be conditional; try using "If-Match" or'
        ' "If-Unmodified-Since".')),
    429: (N_("Too Many Requests"), N_(
        "This user has exceeded an allotted request count. Try again later.")),
    431: (N_("Request Header Fields Too Large"), N_(
        "One or more header fields exceeds the maximum size.")),
    500: (N_("Internal Server Error"), N_(
        "The server encountered an internal error and was unable to complete your request."
        " Either the server is overloaded or there is an error in the application.")),
    501: (N_("Not Implemented"), N_(
        "The server does not support the action requested by the browser.")),
    503: (N_("Service Unavailable"), N_(
        "The server is temporarily unable to service your request due to maintenance downtime"
        " or capacity problems. Please try again later.")),
}


def error_texts(error: Any) -> tuple[str, str]:
    """An HTTP error's name and description in the current language.

    A description twitapp wrote was translated where it was raised (``_()`` then); Werkzeug's
    own are found in the catalog here. Either way a string not in the catalog stays as it is.
    """
    return gettext(error.name), gettext(str(error.description))


# --------------------------------------------------------------------------- numbers, dates


def format_number(value: int | float) -> str:
    """``1234`` as the language writes it (``1,234`` in both, but not in every language)."""
    return format_decimal(value, locale=get_locale())


def format_date(when: datetime) -> str:
    """A day as the language writes it: ``1 Dec 2026`` (twitapp's English), ``2026년 12월 1일``."""
    language = get_locale()
    if language == DEFAULT_LANGUAGE:
        return f"{when.day} {when:%b %Y}"
    return _babel_format_date(when, format="long", locale=Locale.parse(language))


# --------------------------------------------------------------------------- the switch


def switch_url(language: str) -> str:
    """The switch's link to ``language``, coming back to this page."""
    here = request.full_path if request.query_string else request.path
    return url_for("set_language", code=language, next=here)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no ``//``): the switch is no open redirect."""
    home = request.script_root + "/"
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def set_language(code: str) -> Any:
    """Remember ``code`` in a cookie and go back to the page the switch was clicked on."""
    if code not in LANGUAGES:
        raise NotFound()
    response = make_response(redirect(_safe_next(request.args.get("next"))))
    response.set_cookie(
        COOKIE_NAME,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def mark_language(response: Any) -> Any:
    """``Content-Language`` and ``Vary`` on negotiated answers (pages, JSON, errors)."""
    if request.endpoint == "static" or response.mimetype not in ("text/html", "application/json"):
        return response
    response.headers["Content-Language"] = getattr(g, "language", None) or get_locale()
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
