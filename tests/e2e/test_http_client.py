"""The suite's own HTML reader, checked on its own: a wrong reader would make the walk lie."""

from __future__ import annotations

from email.message import Message

from .http_client import Reply, parse_page

SAMPLE = """<!doctype html>
<html><head><title>Ignored title</title><style>p { color: red }</style></head>
<body>
  <nav><a href="/public">public timeline</a> <a href="/logout">sign out [ada]</a></nav>
  <ul class="flashes"><li class="message">You are now following &#34;grace&#34;</li></ul>
  <form action="/add_message" method="post">
    <input type="hidden" name="csrf_token" value="tok-123">
    <input type="text" name="text" value="">
    <textarea name="note">a &lt;b&gt; c</textarea>
    <input type="checkbox" name="off">
    <input type="checkbox" name="on" value="yes" checked>
    <input type="submit" name="go" value="Share">
  </form>
  <script>document.write("not text")</script>
  <p>hello <strong>world</strong></p>
  <a href="/ada?before=17">older messages</a>
</body></html>
"""


def test_text_is_what_a_reader_sees() -> None:
    page = parse_page(SAMPLE)
    assert 'You are now following "grace"' in page.text.splitlines()
    assert "hello world" in page.text.splitlines()
    assert "Ignored title" not in page.text
    assert "not text" not in page.text
    assert "color" not in page.text


def test_forms_carry_what_a_browser_would_send() -> None:
    form = parse_page(SAMPLE).form_with("text")
    assert form.action == "/add_message"
    assert form.method == "post"
    assert form.fields == {"csrf_token": "tok-123", "text": "", "note": "a <b> c", "on": "yes"}


def test_links_are_found_by_path_and_by_words() -> None:
    page = parse_page(SAMPLE)
    assert page.link_to("/logout") == "/logout"
    assert page.link_named("Older Messages") == "/ada?before=17"
    assert page.link_to("/ada") == "/ada?before=17"  # the query does not count
    assert page.link_to("/nowhere") is None


def test_set_cookie_attributes_are_read_per_cookie() -> None:
    headers = Message()
    headers["Set-Cookie"] = "session=abc.def; HttpOnly; Path=/; SameSite=Lax"
    headers["Set-Cookie"] = "other=1; Path=/x"
    cookies = Reply(200, headers, b"", "http://127.0.0.1:1/").set_cookies()
    assert cookies["session"].value == "abc.def"
    assert cookies["session"]["httponly"] is True
    assert cookies["session"]["samesite"] == "Lax"
    assert cookies["other"]["httponly"] == ""
