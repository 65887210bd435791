"""The signed-cookie session, tested on its own: format, tampering, expiry, limits."""

import base64
import json
import time
import zlib

import pytest

from wsgi_stack import Flask, session
from wsgi_stack.json.tag import TaggedJSONSerializer
from wsgi_stack.sessions import BadSignature, SignatureExpired, SignedSerializer

SERIALIZER = TaggedJSONSerializer()


def signer(*keys):
    return SignedSerializer(list(keys), "cookie-session", SERIALIZER)


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def test_round_trip_and_shape():
    cookie = signer("k").dumps({"a": 1})
    payload, timestamp, signature = cookie.split(".")
    assert json.loads(base64.urlsafe_b64decode(payload + "==")) == {"a": 1}
    stamped = int.from_bytes(base64.urlsafe_b64decode(timestamp + "=" * (-len(timestamp) % 4)), "big")
    assert abs(stamped - time.time()) < 5
    assert len(base64.urlsafe_b64decode(signature + "=")) == 20  # SHA-1
    assert signer("k").loads(cookie) == {"a": 1}


def test_large_payload_is_compressed_and_marked():
    cookie = signer("k").dumps({"a": "x" * 1000})
    assert cookie.startswith(".")
    assert len(cookie) < 200
    assert signer("k").loads(cookie) == {"a": "x" * 1000}


def test_wrong_key_rejected_and_fallbacks_accepted():
    old = signer("old").dumps({"a": 1})
    with pytest.raises(BadSignature):
        signer("new").loads(old)
    assert signer("old", "new").loads(old) == {"a": 1}  # old key as a fallback
    # The newest key (last) signs.
    assert signer("new").loads(signer("old", "new").dumps({"b": 2})) == {"b": 2}


@pytest.mark.parametrize("mangle", [
    lambda c: c[:-1],                     # truncated signature
    lambda c: c[: len(c) // 2],           # truncated anywhere
    lambda c: "x" + c[1:],                # payload changed
    lambda c: c.replace(".", "", 1),      # a separator removed
    lambda c: "",                         # empty
    lambda c: "....",                     # only separators
    lambda c: "no-dots-at-all",
    lambda c: c + "A",                    # one character too many
])
def test_tampered_cookie_is_a_bad_signature(mangle):
    cookie = signer("k").dumps({"user": 1})
    with pytest.raises(BadSignature):
        signer("k").loads(mangle(cookie))


@pytest.mark.parametrize("mangle", [
    lambda c: c + "ÿ",                                   # non-ASCII after the signature
    lambda c: c[:-10] + "!" + c[-10:-5] + "]" + c[-5:],  # stray characters inside it
    lambda c: c + "==",                                  # padding
])
def test_signature_ignores_characters_outside_base64_as_flask_does(mangle):
    # The signature is compared as the digest its base64 decodes to, and the decoder
    # skips what is not base64: Flask (itsdangerous) reads these cookies, so we do too.
    cookie = signer("k").dumps({"user": 1})
    assert signer("k").loads(mangle(cookie)) == {"user": 1}


def test_expired_and_future_cookies(monkeypatch):
    cookie = signer("k").dumps({"a": 1})
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 100)
    assert signer("k").loads(cookie, max_age=200) == {"a": 1}
    with pytest.raises(SignatureExpired):
        signer("k").loads(cookie, max_age=50)
    monkeypatch.setattr(time, "time", lambda: now - 100)
    with pytest.raises(SignatureExpired):
        signer("k").loads(cookie, max_age=200)


def forge(key: str, payload: bytes) -> str:
    """A correctly signed cookie around an arbitrary payload, as only the key holder
    could make: checks what happens after the signature passes."""
    s = signer(key)
    value = payload + b"." + b64(int(time.time()).to_bytes(4, "big"))
    return (value + b"." + b64(s._mac(s._macs[0], value))).decode()


def test_signed_garbage_payloads_are_rejected():
    for payload in (b"!!!", b64(b"not json"), b"." + b64(b"not zlib"), b64(b"[1,2")):
        with pytest.raises(BadSignature):
            signer("k").loads(forge("k", payload))


def test_decompression_bomb_is_refused():
    bomb = zlib.compress(b'{"a":"' + b"x" * (4 << 20) + b'"}', 9)
    with pytest.raises(BadSignature, match="too large"):
        signer("k").loads(forge("k", b"." + b64(bomb)))


def make_app(**config):
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": "test key", **config})

    @app.route("/set/<value>")
    def set_value(value):
        session["value"] = value
        return "set"

    @app.route("/get")
    def get_value():
        return session.get("value", "<none>")

    @app.route("/clear")
    def clear():
        session.clear()
        return "cleared"

    return app


def test_bad_cookies_give_an_empty_session_not_an_error():
    app = make_app()
    client = app.test_client()
    for value in ("garbage", "a.b.c", "." * 50, "x" * 4000, "%ff%fe", "eyJ2YWx1ZSI6MX0.AAAA.AAAA"):
        client.set_cookie("session", value)
        response = client.get("/get")
        assert response.status_code == 200, value
        assert response.text == "<none>"


def test_emptied_session_deletes_the_cookie():
    client = make_app().test_client()
    client.get("/set/1")
    response = client.get("/clear")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=;") and "Expires=Thu, 01 Jan 1970" in cookie
    assert client.get("/get").text == "<none>"


def test_no_secret_key_names_the_setting():
    app = make_app(SECRET_KEY=None)
    app.testing = True
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().get("/set/1")
    assert app.test_client().get("/get").text == "<none>"  # reading works


def test_signing_key_is_derived_once(monkeypatch):
    from wsgi_stack import sessions

    sessions._derive_key.cache_clear()
    sessions._signing_serializer.cache_clear()
    client = make_app().test_client()
    for n in range(5):
        client.get(f"/set/{n}")
    assert client.get("/get").text == "4"
    assert sessions._derive_key.cache_info().misses == 1
    signer_cache = sessions._signing_serializer.cache_info()
    assert signer_cache.misses == 1 and signer_cache.hits >= 5


def test_session_opened_lazily_but_permanent_cookie_still_refreshed():
    from wsgi_stack import sessions

    app = make_app()

    @app.route("/permanent")
    def make_permanent():
        session.permanent = True
        session["value"] = "kept"
        return "ok"

    @app.route("/untouched")
    def untouched():
        return "no session here"

    opened = []
    original = sessions.SecureCookieSessionInterface.open_session

    def counting_open(self, app, request):
        opened.append(request.path)
        return original(self, app, request)

    client = app.test_client()
    sessions.SecureCookieSessionInterface.open_session = counting_open
    try:
        fresh = app.test_client().get("/untouched")
        assert opened == [] and "Set-Cookie" not in fresh.headers and "Vary" not in fresh.headers

        client.get("/permanent")
        refreshed = client.get("/untouched")  # never reads the session, sends its cookie
    finally:
        sessions.SecureCookieSessionInterface.open_session = original
    assert opened == ["/permanent", "/untouched"]
    assert "Expires=" in refreshed.headers["Set-Cookie"]  # pushed forward, as Flask does
    assert client.get("/get").text == "kept"


def test_the_first_of_repeated_session_cookies_is_read_as_werkzeug_reads_it():
    app = make_app()
    client = app.test_client()
    first = client.get("/set/one").headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    second = client.get("/set/two").headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    fresh = app.test_client(use_cookies=False)
    for header, expected in (
        (f"other=x; session={first}; session={second}", "one"),
        (f'session="{second}"; session={first}', "two"),
        (f"session=; session={first}", "<none>"),
    ):
        assert fresh.get("/get", headers={"Cookie": header}).get_data(as_text=True) == expected
