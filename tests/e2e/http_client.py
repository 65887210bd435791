"""A plain HTTP client for the end-to-end suite: http.client, a cookie jar, no magic.

It never follows a redirect by itself, so a test sees every hop and its headers, and it keeps
the ``Set-Cookie`` headers it received so a test can check their attributes. Pages are parsed
with the standard library's :class:`html.parser.HTMLParser` into visible text, links and forms,
which is what a person (or a browser) uses; the suite asks nothing else of the markup.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from http.cookies import Morsel, SimpleCookie
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

# Elements whose content a reader never sees as text.
_INVISIBLE = {"script", "style", "template", "head", "title"}
# Elements that break a line of text, so words from neighbouring blocks do not run together.
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "br", "h1", "h2", "h3", "h4", "h5", "h6", "form",
    "header", "footer", "nav", "section", "article", "main", "dl", "dt", "dd", "tr", "td",
}


@dataclass
class Form:
    """One ``<form>``: where it goes, how, and the values a browser would send as they stand."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)

    def has_field(self, name: str) -> bool:
        return name in self.fields


@dataclass
class Page:
    """What a page offers a person: its text, its links (href, text) and its forms."""

    text: str
    links: list[tuple[str, str]]
    forms: list[Form]

    def form_with(self, field_name: str) -> Form:
        """The first form that has an input called ``field_name``."""
        for form in self.forms:
            if form.has_field(field_name):
                return form
        raise LookupError(f"no form with a field {field_name!r}; forms: {self.forms!r}")

    def form_to(self, path_suffix: str) -> Form | None:
        """The first form whose action ends with ``path_suffix``, if any."""
        for form in self.forms:
            if urlsplit(form.action).path.endswith(path_suffix):
                return form
        return None

    def link_to(self, path_suffix: str) -> str | None:
        """The first link whose path ends with ``path_suffix`` (query ignored), if any."""
        for href, _text in self.links:
            if urlsplit(href).path.endswith(path_suffix):
                return href
        return None

    def link_named(self, words: str) -> str | None:
        """The first link whose text contains ``words`` (case-insensitive), if any."""
        for href, text in self.links:
            if words.lower() in text.lower():
                return href
        return None


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._text: list[str] = []
        self._hidden_depth = 0
        self.links: list[tuple[str, str]] = []
        self._link: tuple[str, list[str]] | None = None
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        if tag in _BLOCKS:
            self._text.append("\n")
        if tag == "a" and "href" in attributes:
            self._link = (attributes["href"], [])
        elif tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attributes.get("name"):
            # Unchecked boxes are not sent; submit buttons are sent only when clicked.
            kind = attributes.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            if kind in {"submit", "button", "image", "reset"}:
                return
            self._form.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "textarea" and self._form is not None and attributes.get("name"):
            self._textarea = attributes["name"]
            self._form.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self._hidden_depth:
            self._hidden_depth -= 1
        if tag in _BLOCKS:
            self._text.append("\n")
        if tag == "a" and self._link is not None:
            href, words = self._link
            self.links.append((href, " ".join("".join(words).split())))
            self._link = None
        elif tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form.fields[self._textarea] += data
        if self._hidden_depth:
            return
        self._text.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._text).split("\n"))
        return "\n".join(line for line in lines if line)


def parse_page(markup: str) -> Page:
    """Parse HTML into the text, links and forms a person would see."""
    parser = _PageParser()
    parser.feed(markup)
    parser.close()
    return Page(text=parser.text(), links=parser.links, forms=parser.forms)


@dataclass
class Reply:
    """One HTTP response, read to the end."""

    status: int
    headers: Message
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def location(self) -> str | None:
        """The absolute URL a redirect points to, if this is one."""
        target = self.headers.get("Location")
        return urljoin(self.url, target) if target else None

    @property
    def location_path(self) -> str | None:
        """The path (and query) part of :attr:`location`."""
        if self.location is None:
            return None
        parts = urlsplit(self.location)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def json(self) -> Any:
        return json.loads(self.body)

    def page(self) -> Page:
        return parse_page(self.text)

    def set_cookies(self) -> dict[str, Morsel[str]]:
        """The cookies this response set, by name, with their attributes."""
        found: dict[str, Morsel[str]] = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            found.update(jar)
        return found


class HttpClient:
    """A client for one server, with one person's cookies, that never follows redirects."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        assert parts.scheme == "http" and parts.hostname and parts.port, base_url
        self.base_url = base_url.rstrip("/")
        self._host, self._port = parts.hostname, parts.port
        self._timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """Send one request (a fresh connection each time, as gunicorn's sync workers close it)."""
        url = urljoin(self.base_url + "/", path)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = {"Host": f"{self._host}:{self._port}", **(headers or {})}
        if form is not None:
            body = urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read(), url)
        finally:
            connection.close()
        self._remember(reply)
        return reply

    def _remember(self, reply: Reply) -> None:
        for name, morsel in reply.set_cookies().items():
            # A cookie set to expire now (Max-Age=0, or an Expires in the past as Werkzeug
            # writes it on delete) is a deletion.
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.coded_value

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str], **kwargs: Any) -> Reply:
        return self.request("POST", path, form=form, **kwargs)

    def submit(self, page: Page, field_name: str, values: dict[str, str], *, page_url: str) -> Reply:
        """Fill the form that has ``field_name`` like a person would, and send it.

        Hidden fields (the CSRF token among them) go along as the page gave them.
        """
        form = page.form_with(field_name)
        data = {**form.fields, **values}
        action = urljoin(page_url, form.action or page_url)
        if form.method == "get":
            return self.get(f"{urlsplit(action)._replace(query='').geturl()}?{urlencode(data)}")
        return self.post(action, data)
