"""The environ layer: every PEP 3333 key grouped and explained."""

from werkzeug.test import EnvironBuilder

from wsgi_stack.environ import CGI_KEYS, WSGI_KEYS, describe_environ, header_name


def make_environ(**kwargs):
    return EnvironBuilder(**kwargs).get_environ()


def test_groups_cover_every_key_once():
    environ = make_environ(path="/a", query_string="x=1", headers={"X-Custom": "v"})
    environ["gunicorn.socket"] = object()
    groups = describe_environ(environ)
    entries = [e for group in (groups.cgi, groups.headers, groups.wsgi, groups.server) for e in group]
    seen = [e.key for e in entries]
    assert len(seen) == len(set(seen))  # nothing twice
    assert set(seen) >= set(environ)  # nothing lost
    # The only extra entries are required CGI keys the request did not have (a GET
    # without a body has no CONTENT_TYPE): shown as None, since missing is worth seeing.
    extra = {e.key: e.value for e in entries if e.key not in environ}
    assert extra == {"CONTENT_TYPE": None, "CONTENT_LENGTH": None}


def test_cgi_keys_in_pep_order_with_values():
    environ = make_environ(path="/p", method="POST", data="a=b",
                           content_type="application/x-www-form-urlencoded")
    cgi = describe_environ(environ).cgi
    keys = [entry.key for entry in cgi]
    assert keys == [key for key in CGI_KEYS if key in keys]
    values = {entry.key: entry.value for entry in cgi}
    assert values["REQUEST_METHOD"] == "POST"
    assert values["PATH_INFO"] == "/p"
    assert values["CONTENT_LENGTH"] == "3"
    assert all(entry.meaning for entry in cgi)


def test_required_keys_appear_even_when_missing():
    groups = describe_environ({})
    assert {e.key for e in groups.cgi} >= {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING"}
    assert all(e.value is None for e in groups.cgi)
    assert {e.key for e in groups.wsgi} == {k for k in WSGI_KEYS if k in {
        "wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors",
        "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"}}


def test_headers_explained_known_and_generic():
    environ = make_environ(headers={"Accept": "text/html", "X-Request-Id": "42"})
    headers = {e.key: e for e in describe_environ(environ).headers}
    assert "content negotiation" in headers["HTTP_ACCEPT"].meaning
    assert headers["HTTP_X_REQUEST_ID"].meaning == "The X-Request-Id request header."
    assert headers["HTTP_X_REQUEST_ID"].value == "42"


def test_header_name():
    assert header_name("HTTP_ACCEPT_LANGUAGE") == "Accept-Language"


def test_server_keys_say_who_added_them():
    environ = {"werkzeug.request": None, "gunicorn.socket": None, "my.key": 1}
    server = {e.key: e.meaning for e in describe_environ(environ).server}
    assert "Werkzeug" in server["werkzeug.request"]
    assert "gunicorn" in server["gunicorn.socket"]
    assert "not part of PEP 3333" in server["my.key"]


def test_as_dict_is_plain_data():
    data = describe_environ(make_environ(path="/")).as_dict()
    assert set(data) == {"cgi", "headers", "wsgi", "server"}
    assert {"key", "value", "meaning"} == set(data["cgi"][0])
