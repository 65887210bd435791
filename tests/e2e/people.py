"""What a person does on twitapp, over plain HTTP: open the page, fill its form, send it.

Each helper goes through the page first, as a browser would, so the CSRF token travels the
way the site hands it out; the tests that check the protection itself post by hand instead.
Each returns the site's answer to the form (usually a redirect) for the caller to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from .http_client import HttpClient, Reply

#: MiniTwit shows 30 messages a page (twitapp's MESSAGES_PER_PAGE); an author with this many
#: has an "older messages" page whatever the page size up to here. The tests read the page
#: size off the site's answers rather than trusting this number.
ENOUGH_FOR_TWO_PAGES = 36

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    username: str
    password: str

    @property
    def email(self) -> str:
        # Mixed case and spaces around: the gravatar hash must trim and lower-case it.
        return f"  {self.username.capitalize()}@Example.org "


def fill(client: HttpClient, path: str, field: str, values: dict[str, str]) -> Reply:
    """Open ``path``, fill the form that has ``field`` with ``values``, and send it."""
    reply = client.get(path)
    assert reply.status == 200, f"GET {path}: {reply.status}"
    return client.submit(reply.page(), field, values, page_url=reply.url)


def register(client: HttpClient, person: Person) -> Reply:
    return fill(
        client,
        "/register",
        "username",
        {
            "username": person.username,
            "email": person.email,
            "password": person.password,
            "password2": person.password,
        },
    )


def log_in(client: HttpClient, person: Person) -> Reply:
    reply = fill(
        client, "/login", "username", {"username": person.username, "password": person.password}
    )
    assert reply.status in (302, 303), f"log in as {person.username}: {reply.status}"
    return reply


def post(client: HttpClient, text: str) -> Reply:
    reply = fill(client, "/", "text", {"text": text})
    assert reply.status in (302, 303), f"post {text!r}: {reply.status}\n{reply.page().text}"
    return reply


def signed_up(client: HttpClient, person: Person) -> HttpClient:
    """Register ``person`` and log them in on ``client``."""
    reply = register(client, person)
    assert reply.status in (302, 303), f"register {person.username}: {reply.status}"
    log_in(client, person)
    return client


def toggle_follow(client: HttpClient, whom: str, action: str) -> Reply:
    """Press the follow or unfollow button on ``whom``'s page (``action``: follow/unfollow)."""
    reply = client.get(f"/{whom}")
    assert reply.status == 200
    page = reply.page()
    form = page.form_to(f"/{whom}/{action}")
    assert form is not None, f"/{whom} offers no {action} button:\n{page.text}"
    return client.post(f"/{whom}/{action}", form.fields)
