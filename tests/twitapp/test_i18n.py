"""twitapp in English and Korean: which language a request gets, the switch, the headers,
and that the catalogs cover every marked string."""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import pytest
import werkzeug.exceptions
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import twitapp
from twitapp import i18n

from .helpers import flashes, login, register, register_and_login

ROOT = Path(twitapp.__file__).resolve().parent.parent
KO_PO = Path(i18n.TRANSLATIONS_DIR) / "ko" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def language_of(client, **headers) -> str:
    response = client.get("/public", headers=headers)
    assert response.status_code == 200
    return response.headers["Content-Language"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("ko", "ko"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),  # Chrome in Korean
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.5, ko;q=0.8", "ko"),  # q-values, not order
        ("fr, ko;q=0.5", "ko"),  # the best one we have
        ("fr, de", "en"),  # none we have: English
        ("ko;q=0", "en"),  # refused
        ("*", "en"),
    ],
)
def test_accept_language_chooses(client, header, expected):
    headers = {} if header is None else {"Accept-Language": header}
    assert language_of(client, **headers) == expected


def test_negotiated_answers_say_their_language_and_vary(client):
    for accept in ("text/html", "application/json"):
        response = client.get("/public", headers={"Accept": accept, "Accept-Language": "ko"})
        assert response.headers["Content-Language"] == "ko"
        vary = {v.strip() for v in response.headers["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary


def test_switch_remembers_the_choice_and_wins_over_the_header(client):
    response = client.get("/language/ko?next=/public")
    assert response.status_code == 302 and response.headers["Location"] == "/public"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=ko;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert language_of(client, **{"Accept-Language": "en-US,en"}) == "ko"
    client.get("/language/en?next=/public")
    assert language_of(client, **{"Accept-Language": "ko"}) == "en"


def test_a_forged_cookie_falls_back_to_the_header(client):
    client.set_cookie("lang", "xx")
    assert language_of(client, **{"Accept-Language": "ko"}) == "ko"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_switch_is_no_open_redirect(client, target):
    response = client.get("/language/ko", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_switch_keeps_the_query_string(client):
    response = client.get("/language/ko", query_string={"next": "/public?before=5"})
    assert response.headers["Location"] == "/public?before=5"


def test_unknown_language_is_a_404(client):
    assert client.get("/language/fr").status_code == 404


def test_catalogs_load_in_a_few_milliseconds():
    import time

    started = time.perf_counter()
    catalogs = i18n.load_catalogs()
    assert time.perf_counter() - started < 1.0
    assert set(catalogs) == set(i18n.LANGUAGES)
    assert catalogs["ko"].gettext("Not Found") == "찾을 수 없음"


# --------------------------------------------------------------------------- what people read

KO = {"Accept-Language": "ko"}


def korean_flashes(page: str) -> list[tuple[str, str]]:
    """(category, text) of each flash; the label before the text is Korean too ('오류:')."""
    found = re.findall(r'<li class="flash flash-([a-z]+)"><span class="category">([^<]*)</span> (.*?)</li>', page)
    assert all(label in ("오류:", "완료:") for _, label, _ in found), found
    return [(category, html.unescape(text)) for category, _, text in found]


def test_pages_in_korean_and_in_english(client):
    korean = client.get("/register", headers=KO).text
    assert '<html lang="ko">' in korean and "<h1>가입</h1>" in korean and "비밀번호 (확인)" in korean
    english = client.get("/register").text
    assert '<html lang="en">' in english and "<h1>Sign Up</h1>" in english
    assert "Password (repeat)" in english


def test_flashes_and_form_errors_in_korean(client):
    page = register(client, "ada", password2="other", headers=KO).text
    assert korean_flashes(page) == [("error", "두 비밀번호가 서로 다릅니다")]
    register(client, "ada")
    page = login(client, "ada", "wrong", headers=KO).text
    assert ("error", "비밀번호가 틀렸습니다") in korean_flashes(page)
    page = login(client, "ada", follow_redirects=True, headers=KO).text
    assert ("success", "로그인했습니다") in korean_flashes(page)


def test_flashes_and_form_errors_unchanged_in_english(client):
    # MiniTwit's own words.
    page = register(client, "ada", password2="other").text
    assert flashes(page) == [("error", "The two passwords do not match")]
    page = register(client, "ada", follow_redirects=True).text
    assert ("success", "You were successfully registered and can login now") in flashes(page)


def test_json_errors_in_korean_keep_their_keys(client):
    response = client.get("/no-such-person", headers={**KO, "Accept": "application/json"})
    error = response.get_json()["error"]
    assert set(error) == {"code", "name", "description"} and error["name"] == "Not Found"
    assert error["description"] == "'no-such-person'(이)라는 사용자가 없습니다."
    response = client.post(
        "/register", json={"username": "", "email": "x", "password": ""}, headers=KO
    )
    fields = response.get_json()["error"]["fields"]
    assert fields == {
        "username": "사용자 이름을 입력해야 합니다",
        "email": "올바른 이메일 주소를 입력해야 합니다",
        "password": "비밀번호를 입력해야 합니다",
    }


def test_werkzeugs_own_errors_in_korean(client):
    response = client.delete("/public", headers=KO)
    assert response.status_code == 405
    assert "요청한 URL에는 이 메서드를 쓸 수 없습니다." in response.text
    assert "허용되지 않은 메서드" in response.text


def test_counts_use_plurals_and_numbers(client):
    register_and_login(client, "ada")
    client.post("/add_message", data={"text": "one"})
    english = client.get("/ada").text
    assert "<strong>1</strong> message<" in english and "<strong>0</strong> followers<" in english
    korean = client.get("/ada", headers=KO).text
    assert "메시지 <strong>1</strong>개" in korean and "팔로워 <strong>0</strong>명" in korean


# --------------------------------------------------------------------------- the catalogs


def extracted_messages() -> dict[object, tuple[str, int]]:
    """Every marked string in twitapp (Python and templates), as pybabel extract finds it."""
    with open(ROOT / "twitapp" / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[object, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, (filename, lineno))
    return found


def korean_catalog():
    with open(KO_PO, "rb") as handle:
        return read_po(handle, locale="ko")


def test_every_marked_string_has_a_korean_translation():
    catalog = korean_catalog()
    missing = []
    for message, where in extracted_messages().items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        string = entry.string if entry is not None else None
        text = string[0] if isinstance(string, tuple) else string
        if entry is None or not text or entry.fuzzy:
            missing.append(f"{where[0]}:{where[1]}: {msgid!r}")
    assert not missing, "untranslated (run the pybabel commands in twitapp/i18n.py):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    problems = [
        f"{message.id!r}: {errors}" for message, errors in korean_catalog().check() if errors
    ]
    assert not problems, "\n".join(problems)


def test_werkzeug_texts_in_the_catalog_are_still_werkzeugs():
    for code, (name, description) in i18n.HTTP_ERROR_TEXTS.items():
        exception = werkzeug.exceptions.default_exceptions[code]()
        assert (exception.name, exception.description) == (name, description), code


# --------------------------------------------------------------------------- the templates

TEMPLATES = ROOT / "twitapp" / "templates"
#: Words that are the same in every language: the site's and the framework's names.
NAMES = {"MiniTwit", "wsgi_stack"}
#: Attributes whose values people read (or hear, with a screen reader).
READ_ATTRIBUTES = re.compile(r'\b(?:title|alt|placeholder|aria-label|value)="([^"]*)"')
DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')
TRANSLATING_CALLS = {"_", "gettext", "ngettext"}


def _has_words(text: str) -> bool:
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    return any(re.search(r"[A-Za-z]{2,}", word) for word in text.split() if word.strip(".,:;!?|()[]") not in NAMES)


def untranslated_in(source: str, environment: jinja2.Environment) -> list[str]:
    """Text a person would read that is outside every translation call in a template.

    Looks at the literal HTML (the text between tags and the attributes people read; every
    Jinja tag or expression stands in as a blank) and at the string literals in expressions
    that read as words (a space between two words, or a capital letter: ``"Follow user"``,
    ``"Username"``; not ``"user_timeline"``).
    """
    found: list[str] = []
    skeleton: list[str] = []
    in_trans = False
    call_depth: list[int] = []  # paren depths of open translation calls
    depth = 0
    previous = previous_name = None
    for lineno, kind, value in environment.lex(source):
        if kind == "name" and value in ("trans", "endtrans") and previous == "block_begin":
            in_trans = value == "trans"
        if kind in ("variable_begin", "block_begin"):
            skeleton.append(" \x00 ")
        elif kind == "data" and not in_trans:
            skeleton.append(value)
        elif kind == "operator" and value == "(":
            depth += 1
            if previous == "name" and previous_name in TRANSLATING_CALLS:
                call_depth.append(depth)
        elif kind == "operator" and value == ")":
            if call_depth and call_depth[-1] == depth:
                call_depth.pop()
            depth -= 1
        elif kind == "string" and not call_depth and not in_trans:
            if re.search(r"[A-Za-z]+ [A-Za-z]+|[A-Z]", value) and _has_words(value):
                found.append(f"line {lineno}: string {value!r}")
        if kind == "name":
            previous_name = value
        if kind != "whitespace":
            previous = kind
    html = re.sub(r"<!--.*?-->", " ", "".join(skeleton), flags=re.S)
    for tag in re.findall(r"<[^>]*>", html):
        for attribute in READ_ATTRIBUTES.findall(tag) + DESCRIPTION.findall(tag):
            if _has_words(attribute):
                found.append(f"attribute {attribute!r} in {tag!r}")
    for text in re.split(r"<[^>]*>", html):
        if _has_words(text):
            found.append(f"text {text.strip()!r}")
    return found


def test_no_template_string_is_left_untranslated():
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    problems = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for problem in untranslated_in(path.read_text(encoding="utf-8"), environment):
            problems.append(f"{path.name} {problem}")
    assert not problems, "wrap these in _() or {% trans %}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello</p>", 1),
        ("<p>{{ _('Hello') }}</p>", 0),
        ('<nav aria-label="Site">', 1),
        ("<nav aria-label=\"{{ _('Site') }}\">", 0),
        ('{{ ui.button("follow_user", "Follow user") }}', 1),
        ('{{ ui.button("follow_user", _("Follow user")) }}', 0),
        ('{{ ui.field("username", "Username") }}', 1),
        ("{% trans %}Hello <b>{{ name }}</b>{% endtrans %}", 0),
        ("<footer>MiniTwit &mdash; 2026</footer>", 0),
        ('<meta name="description" content="Short messages">', 1),
        ('<meta name="viewport" content="width=device-width">', 0),
        ('<a class="x" href="{{ url_for(\'user_timeline\') }}">{{ name }}</a>', 0),
    ],
)
def test_the_untranslated_check_sees_what_it_should(source, expected):
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    assert len(untranslated_in(source, environment)) == expected
