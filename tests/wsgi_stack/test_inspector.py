"""The environ inspector at /_stack/: when it answers, what it shows, what it hides."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

import pytest

from wsgi_stack import Flask, session
from wsgi_stack.inspector import MASK

SECRET_KEY = "inspector-test-secret-key"
OLD_KEY = "an-older-secret-key"
JSON = {"Accept": "application/json"}


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=SECRET_KEY,
        SECRET_KEY_FALLBACKS=[OLD_KEY],
        STACK_INSPECTOR=True,
        DATABASE_URL="mysql://twit:db-password-1@127.0.0.1/twit",
        **config,
    )

    @app.route("/login", methods=["GET", "POST"])
    def login():
        session["user_id"] = 7
        session["csrf_token"] = "csrf-value-123456"
        return "in"

    @app.route("/user/<int:user_id>", methods=["GET", "POST"])
    def user(user_id):
        return str(user_id)

    @app.route("/dir/")
    def directory():
        return "dir"

    return app


@pytest.fixture()
def app() -> Flask:
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()


def page(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


# -- when it answers --------------------------------------------------------------------


def test_off_by_default():
    app = Flask(__name__)
    assert app.test_client().get("/_stack/").status_code == 404


@pytest.mark.parametrize(
    ("setting", "debug", "status"),
    [(True, False, 200), (None, True, 200), (None, False, 404), (False, True, 404)],
)
def test_switched_on_by_config_or_debug(setting, debug, status):
    app = Flask(__name__)
    app.config["STACK_INSPECTOR"] = setting
    app.debug = debug
    assert app.test_client().get("/_stack/").status_code == status


@pytest.mark.parametrize("path", ["/_stack", "/_stack/", "/_stack/anything/below"])
def test_answers_every_url_under_the_prefix(client, path):
    assert "wsgi_stack inspector" in page(client.get(path))


def test_never_hides_the_apps_own_routes(app, client):
    @app.route("/_stack/mine", methods=["POST"])
    def mine():
        return "mine"

    assert client.post("/_stack/mine").data == b"mine"
    # The app's rule refuses GET: that answer stays a 405, not the inspector.
    assert client.get("/_stack/mine").status_code == 405
    # Only the prefix followed by a slash (or nothing) is the inspector's.
    assert client.get("/_stackish").status_code == 404


# -- content negotiation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("image/png", "text/html"),  # neither offered: HTML, the default
        ("application/json", "application/json"),
        ("application/json, text/html;q=0.5", "application/json"),
        ("text/html;q=0.4, application/json;q=0.6", "application/json"),
    ],
)
def test_html_or_json_by_accept(client, accept, mimetype):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/_stack/", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.vary
    assert response.headers["Cache-Control"] == "no-store"
    if mimetype == "application/json":
        assert response.json["request"]["method"] == "GET"


# -- what it shows ------------------------------------------------------------------------


def test_url_attributes_match_the_request(client):
    data = client.get(
        "/_stack/x?a=1", base_url="https://example.org/mount/", headers=JSON
    ).json
    assert data["request"]["url"] == {
        "path": "/_stack/x",
        "full_path": "/_stack/x?a=1",
        "script_root": "/mount",
        "url": "https://example.org/mount/_stack/x?a=1",
        "base_url": "https://example.org/mount/_stack/x",
        "url_root": "https://example.org/mount/",
        "host_url": "https://example.org/",
        "host": "example.org",
    }


def test_args_and_form_keep_every_value(client):
    data = client.post(
        "/_stack/?tag=a&tag=b&empty=",
        data={"name": ["ann", "bob"], "one": "1"},
        headers=JSON,
    ).json
    assert data["args"] == [
        {"key": "tag", "values": ["a", "b"]},
        {"key": "empty", "values": [""]},
    ]
    assert data["form"] == [
        {"key": "name", "values": ["ann", "bob"]},
        {"key": "one", "values": ["1"]},
    ]


def test_environ_is_grouped_and_explained(client):
    data = client.get("/_stack/", headers={**JSON, "X-Custom": "v"}).json
    environ = data["environ"]
    assert set(environ) == {"cgi", "headers", "wsgi", "server"}
    cgi = {e["key"]: e for e in environ["cgi"]}
    assert cgi["REQUEST_METHOD"]["value"] == "GET"
    assert cgi["PATH_INFO"]["value"] == "/_stack/"
    assert "HTTP method" in cgi["REQUEST_METHOD"]["meaning"]
    headers = {e["key"]: e for e in environ["headers"]}
    assert headers["HTTP_X_CUSTOM"] == {
        "key": "HTTP_X_CUSTOM",
        "value": "v",
        "meaning": "The X-Custom request header.",
    }
    wsgi = {e["key"]: e["value"] for e in environ["wsgi"]}
    assert wsgi["wsgi.url_scheme"] == "http"
    assert wsgi["wsgi.multithread"] is False
    assert wsgi["wsgi.version"] == repr((1, 0))


def test_this_request_matched_nothing(client):
    match = client.get("/_stack/", headers=JSON).json["match"]
    assert match["rule"] is None and match["endpoint"] is None and match["view_args"] is None
    assert match["error"].startswith("404 Not Found")


def test_probe_another_url(client):
    probe = client.get("/_stack/?path=/user/42", headers=JSON).json["probe"]
    assert probe == {
        "path": "/user/42",
        "method": "GET",
        "rule": "/user/<int:user_id>",
        "endpoint": "user",
        "blueprint": None,
        "view_args": {"user_id": 42},
        "error": None,
        "methods": ["GET", "HEAD", "OPTIONS", "POST"],
    }
    assert client.get("/_stack/", headers=JSON).json["probe"] is None


def test_probe_reports_routing_errors(client):
    def probe(query):
        return client.get(f"/_stack/?{query}", headers=JSON).json["probe"]

    not_allowed = probe("path=/user/42&method=delete")
    assert not_allowed["method"] == "DELETE"
    assert not_allowed["error"].startswith("405 Method Not Allowed")
    assert not_allowed["allowed_methods"] == ["GET", "HEAD", "OPTIONS", "POST"]

    redirect = probe("path=/dir")
    assert redirect["error"].startswith("308")
    assert redirect["redirect_to"] == "http://localhost/dir/"

    assert probe("path=/user/abc")["error"].startswith("404")
    # Percent-escapes are decoded the way a server decodes PATH_INFO; the query is ignored.
    assert probe("path=%2Fd%2569r%2F%3Fx%3D1")["endpoint"] == "directory"


@pytest.mark.parametrize(
    "query",
    ["path=user/1", "path=/user/1&method=GE%20T", "path=/user/1&method=%3Cx%3E", "path=/" + "a" * 3000],
)
def test_probe_bad_input_is_a_400(client, query):
    response = client.get(f"/_stack/?{query}")
    assert response.status_code == 400


def test_session_is_decoded(client):
    client.get("/login")
    data = client.get("/_stack/", headers=JSON).json
    assert data["session"]["data"] == {"csrf_token": MASK, "user_id": 7}
    assert data["session"]["null"] is False
    assert data["session"]["interface"] == "SecureCookieSessionInterface"
    # It shows the session, so it varies on the cookie too.
    assert client.get("/_stack/").vary.as_set() >= {"accept", "cookie"}


def test_without_secret_key_the_session_is_null():
    app = Flask(__name__)
    app.config["STACK_INSPECTOR"] = True
    data = app.test_client().get("/_stack/", headers=JSON).json
    assert data["session"]["null"] is True
    assert "no SECRET_KEY" in data["session"]["note"]


def test_trace_of_the_request_so_far(client):
    data = client.get("/_stack/", headers=JSON).json
    events = [f"{span['layer']}:{span['name']}" for span in data["trace"]]
    assert events[:2] == ["context:push", "routing:match"]
    assert "NotFound" in data["trace"][1]["info"]["error"]
    # Not yet there: the response is still being made.
    assert "response:sent" not in events
    html = page(client.get("/_stack/"))
    assert re.search(r"context:push [0-9.]+ ms\n  routing:match", unescape(html))


# -- what it hides, and escaping ------------------------------------------------------------


def test_secrets_are_masked_everywhere(client):
    client.get("/login")
    session_cookie = client.get_cookie("session").value
    signature = session_cookie.rpartition(".")[2]
    basic = base64.b64encode(b"ann:basic-password-9").decode()
    secrets = [
        SECRET_KEY,
        OLD_KEY,
        signature,
        basic,
        "basic-password-9",
        "form-password-1",
        "query-token-7",
        "csrf-value-123456",
        "db-password-1",
        "header-api-key-3",
    ]
    for headers in ({}, JSON):
        response = client.post(
            "/_stack/?access_token=query-token-7&q=visible-query",
            data={"password": "form-password-1", "csrf_token": "x", "name": "visible-form"},
            headers={**headers, "Authorization": f"Basic {basic}", "X-Api-Key": "header-api-key-3"},
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        for secret in secrets:
            assert secret not in body, secret
        # Masked, not dropped: the keys are there, and so are the values that are no secret.
        for visible in ("visible-query", "visible-form", "access_token", "password", "Basic " + MASK):
            assert visible in unescape(body), visible
        # The session cookie keeps its payload; only the signature goes.
        assert session_cookie.rpartition(".")[0] + "." + MASK in unescape(body)


def test_secret_named_json_keys_are_masked(client):
    data = client.post(
        "/_stack/", json={"user": "ann", "auth": {"password": "json-pass-55"}}, headers=JSON
    ).json
    assert data["json"] == {"user": "ann", "auth": {"password": MASK}}


def test_config_is_shown_with_secrets_masked(client):
    config = client.get("/_stack/", headers=JSON).json["app"]["config"]
    assert config["SECRET_KEY"] == MASK
    assert config["SECRET_KEY_FALLBACKS"] == MASK
    assert config["DATABASE_URL"] == f"mysql://twit:{MASK}@127.0.0.1/twit"
    assert config["SESSION_COOKIE_NAME"] == "session"


def test_attacker_input_is_escaped(client):
    evil = '<script>alert("x")</script>'
    client.set_cookie("evil", "<img src=x onerror=alert(1)>")
    response = client.post(
        "/_stack/?q=%3Cscript%3Ealert(1)%3C/script%3E&path=/%3Cscript%3E",
        data={evil: evil},
        headers={"X-Evil": evil, "User-Agent": evil},
    )
    html = page(response)
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    # No script can run even if something slipped through: the policy allows none.
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_the_style_block_matches_the_policy_hash(client):
    response = client.get("/_stack/")
    [css] = re.findall(r"<style>(.*?)</style>", page(response), re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_short_credentials_are_masked_by_name_too(client):
    # Too short for the page-wide search for known secrets: the header rule masks them.
    body = client.get(
        "/_stack/", headers={"Authorization": "Bearer zq9", "X-Csrf-Token": "k7w"}
    ).get_data(as_text=True)
    assert "zq9" not in body and "k7w" not in body
    assert "Bearer " + MASK in unescape(body)
