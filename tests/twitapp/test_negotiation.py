"""The three negotiations on twitapp: type (406), encoding (gzip), and their headers."""

from __future__ import annotations

import gzip
import json

import pytest

from .helpers import register_and_login

UNSERVABLE = ["application/xml", "text/csv", "image/png", "*/*;q=0", "text/html;q=0, application/json;q=0"]


@pytest.mark.parametrize("accept", UNSERVABLE)
@pytest.mark.parametrize("path", ["/public", "/", "/login", "/nobody-by-that-name"])
def test_unservable_accept_is_a_406_in_the_json_error_shape(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == 406 and error["name"] == "Not Acceptable" and error["description"]
    assert "Accept" in response.headers["Vary"]


def test_406_comes_before_the_form_is_read(client):
    response = client.post("/register", data={"username": "ada"}, headers={"Accept": "application/xml"})
    assert response.status_code == 406


def test_406_description_follows_the_language(client):
    response = client.get("/public", headers={"Accept": "application/xml", "Accept-Language": "ko"})
    assert response.status_code == 406
    assert response.headers["Content-Language"] == "ko"
    assert "Accept 헤더" in response.get_json()["error"]["description"]


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [(None, "text/html"), ("", "text/html"), ("*/*", "text/html"), ("text/html", "text/html"),
     ("text/*", "text/html"), ("application/json", "application/json"),
     ("application/json, text/html;q=0.5", "application/json"),
     ("application/xml, application/json;q=0.1", "application/json"),
     ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html")],
)
def test_html_json_negotiation_unchanged(client, accept, mimetype):
    headers = {} if accept is None else {"Accept": accept}
    response = client.get("/public", headers=headers)
    assert response.status_code == 200 and response.mimetype == mimetype


def test_static_files_are_not_negotiated(client):
    response = client.get("/static/style.css", headers={"Accept": "text/css"})
    assert response.status_code == 200
    assert "Content-Language" not in response.headers


def _post_messages(client, count: int) -> None:
    for number in range(count):
        client.post("/add_message", data={"text": f"message number {number}, long enough to matter"})


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_timelines_are_gzipped_for_clients_that_ask(client, accept):
    register_and_login(client, "ada", "secret")
    _post_messages(client, 20)
    client.get("/")  # shows (and so removes) the flashed "message recorded"
    for path in ("/", "/public", "/ada"):
        plain = client.get(path, headers={"Accept": accept})
        packed = client.get(path, headers={"Accept": accept, "Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert int(packed.headers["Content-Length"]) == len(packed.get_data())
        assert len(packed.get_data()) < len(plain.get_data()) / 2
        body = gzip.decompress(packed.get_data())
        if accept == "application/json":
            assert json.loads(body) == plain.get_json()
        else:
            assert body == plain.get_data()
        for response in (plain, packed):
            vary = {v.strip() for v in response.headers["Vary"].split(",")}
            assert {"Accept", "Accept-Encoding", "Accept-Language", "Cookie"} <= vary


def test_head_and_redirects_are_not_gzipped(client):
    register_and_login(client, "ada", "secret")
    _post_messages(client, 20)
    head = client.head("/public", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and "Content-Encoding" not in head.headers
    client.get("/logout")
    moved = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert moved.status_code in (302, 303) and "Content-Encoding" not in moved.headers


def test_compression_can_be_switched_off(app_factory):
    client = app_factory(COMPRESS=False).test_client()
    register_and_login(client, "ada", "secret")
    _post_messages(client, 20)
    response = client.get("/public", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" not in response.headers.get("Vary", "")
