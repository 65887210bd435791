"""Templating (issue 3): the app's Jinja2 environment, autoescape, the template globals, context
processors, filters/globals/tests, streaming, and the Jinja2 features the project's notes cover."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario

T = "templates/"

TEMPLATES: dict[str, str] = {
    T + "hello.html": "<p>Hello {{ name }}!</p>",
    T + "hello.txt": "Hello {{ name }}!",
    T + "page.xml": "<v>{{ name }}</v>",
    T + "pic.svg": "<svg>{{ name }}</svg>",
    T + "old.htm": "<b>{{ name }}</b>",
    T + "doc.xhtml": "<i>{{ name }}</i>",
    T + "mail.jinja": "{{ name }}",
    T + "auth/login.html": "login form for {{ user }} (sub {{ request.path }})",
    T + "auth/deeper/x.html": "{% include 'auth/login.html' %} in deeper",
    T + "globals.html": (
        "config={{ config.APP_TITLE }} debug={{ config.DEBUG }}\n"
        "request={{ request.method }} {{ request.path }} {{ request.args.get('q') }}\n"
        "session={{ session.get('user') }}\n"
        "g={{ g.who }}\n"
        "url_for={{ url_for('globals', q=1) }} {{ url_for('static', filename='x.css') }}\n"
        "flashes={{ get_flashed_messages() }}\n"
    ),
    # Inheritance: a named endblock, super(), a nested block, self.
    T + "base.html": (
        "<title>{% block title %}Base{% endblock title %}</title>\n"
        "{% block body %}<main>{% block content %}base content{% endblock content %}</main>{% endblock body %}\n"
        "<footer>{% block footer %}(c) base{% endblock %}</footer>\n"
        "again: {{ self.title() }}"
    ),
    T + "child.html": (
        "{% extends 'base.html' %}\n"
        "{% block title %}Child - {{ super() }}{% endblock title %}\n"
        "{% block content %}child content, then: {{ super() }}{% endblock content %}\n"
        "ignored text outside blocks"
    ),
    T + "grandchild.html": (
        "{% extends 'child.html' %}{% block footer %}{{ super() }} + grandchild{% endblock footer %}"
    ),
    T + "dynamic_parent.html": "{% extends parent %}{% block title %}dynamic{% endblock %}",
    # Whitespace control and escaping.
    T + "whitespace.html": (
        "<ul>\n"
        "  {%- for item in items %}\n"
        "    <li>{{ item }}</li>\n"
        "  {%- endfor %}\n"
        "</ul>\n"
        "{%- if true %} trimmed {% endif -%}\n"
        "   !\n"
        "{{- '  lead' }}|{{ 'x' -}}   |{#- comment -#}   end\n"
        "{% for i in [1,2] %}{{ i }}{% endfor %}\n"
    ),
    T + "escaping.html": (
        "{{ '}}' }} {{ '{{' }} {{ '{%' }}\n"
        "{% raw %}{{ not evaluated }} {% if %}{% endraw %}\n"
        "{{ html }} {{ html|safe }} {{ html|e }} {{ html|striptags }}\n"
        "{% autoescape false %}{{ html }}{% endautoescape %}\n"
        "{{ '<a>'|forceescape }} {{ markup }} {{ markup ~ '<x>' }}\n"
    ),
    # Macros: local, imported, varargs/kwargs/caller and their attributes.
    T + "macros.html": (
        "{% macro field(name, value='', type='text') -%}\n"
        "<input type=\"{{ type }}\" name=\"{{ name }}\" value=\"{{ value|e }}\">\n"
        "{%- endmacro %}\n"
        "{% macro wrap(tag='div') -%}<{{ tag }}>{{ caller() }}</{{ tag }}>{%- endmacro %}\n"
        "{% macro each(items) -%}{% for i in items %}[{{ caller(i, loop.index) }}]{% endfor %}{%- endmacro %}\n"
        "{% macro flexible(a, b=2) -%}a={{ a }} b={{ b }} varargs={{ varargs }} kwargs={{ kwargs|dictsort }}"
        "{%- endmacro %}\n"
        "{% macro private_ish() %}{% endmacro %}\n"
    ),
    T + "use_macros.html": (
        "{% from 'macros.html' import field, wrap as wrapper, flexible %}\n"
        "{% import 'macros.html' as m %}\n"
        "{% macro local(x) %}local {{ x }}{% endmacro %}\n"
        "1 {{ field('user', '<ann>') }}\n"
        "2 {{ m.field('pw', type='password') }}\n"
        "3 {% call wrapper('section') %}called {{ 1 + 1 }}{% endcall %}\n"
        "4 {% call(item, n) m.each(['a', 'b']) %}{{ n }}:{{ item }}{% endcall %}\n"
        "5 {{ flexible(1, 2, 3, 4, x=5, y=6) }}\n"
        "6 {{ local('y') }}\n"
        "7 {% for mac in [m.field, m.wrap, m.each, m.flexible, local] -%}\n"
        # Jinja 3.1 dropped Macro.defaults; show that it is undefined rather than print nothing.
        "name={{ mac.name }} arguments={{ mac.arguments }} defaults defined={{ mac.defaults is defined }} "
        "catch_kwargs={{ mac.catch_kwargs }} catch_varargs={{ mac.catch_varargs }} caller={{ mac.caller }}\n"
        "{% endfor %}"
    ),
    T + "context_import.html": (
        "{% import 'needs_context.html' as nc with context %}{{ nc.show() }}|"
        "{% from 'needs_context.html' import show %}{{ show() }}"
    ),
    T + "needs_context.html": "{% macro show() %}user={{ user }}{% endmacro %}",
    T + "loops.html": (
        "{% for k, v in data|dictsort %}{{ loop.index }}/{{ loop.length }} {{ k }}={{ v }}"
        "{% if not loop.last %}, {% endif %}{% else %}empty{% endfor %}\n"
        "{% set ns = namespace(total=0) %}{% for n in [1, 2, 3] %}{% set ns.total = ns.total + n %}{% endfor %}"
        "{{ ns.total }}\n"
        "{% with a = 1 %}{{ a }}{% endwith %} {{ a is defined }}\n"
        "{{ missing }}|{{ missing is defined }}|{{ missing|default('dflt') }}\n"
        "{{ [3, 1, 2]|sort|join(',') }} {{ 'abc'|upper }} {{ 3.14159|round(2) }} {{ '%05d'|format(42) }}\n"
    ),
    T + "custom.html": (
        "{{ 'hello'|reverse_text }} {{ 'x'|shout }} {{ answer() }} {{ greet('bo') }} "
        "{{ 4 is even_number }} {{ 5 is even_number }} {{ 7 is lucky }} {{ from_processor }} {{ helper(2) }}"
    ),
    T + "stream.html": "{% for i in range(3) %}<{{ i }}:{{ request.path }}>{% endfor %}",
    T + "broken.html": "{{ missing.attr }}",
    T + "syntax.html": "{% if %}",
}


def _template_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    """An app whose ``/t/<path:name>`` renders a template with a fixed context."""
    config.setdefault("SECRET_KEY", "template-secret")
    app = make_app(fw, root, **config)

    @app.route("/t/<path:name>")
    def render(name: str) -> str:
        return fw.render_template(name, name="<Ann & Bo>", user="ann", items=["a", "b"],
                                  html="<em>hi</em>", markup=fw_markup(), data={"b": 2, "a": 1}, parent="base.html")

    return app


def fw_markup() -> Any:
    from markupsafe import Markup

    return Markup("<strong>safe</strong>")


@scenario("render_template: autoescape by extension (.html .htm .xml .xhtml .svg on; .txt .jinja off)",
          "/t/hello.html", "/t/hello.txt", "/t/page.xml", "/t/pic.svg", "/t/old.htm", "/t/doc.xhtml", "/t/mail.jinja",
          files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("render_template from subfolders, include across folders", "/t/auth/login.html", "/t/auth/deeper/x.html",
          files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("a missing template is a 500, also for a path outside the folder",
          "/t/nope.html", "/t/../secret.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("TemplateNotFound and a template syntax error under TESTING", "/t/nope.html", "/t/syntax.html",
          "/t/broken.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root, TESTING=True)


@scenario("render_template_string autoescapes; context values and Markup",
          "/s?v=<i>x</i>", "/s2")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/s", "s", lambda: fw.render_template_string("v={{ v }} raw={{ v|safe }}", v=fw.request.args["v"]))
    app.add_url_rule("/s2", "s2", lambda: fw.render_template_string("{{ m }} {{ '<b>' }}", m=fw_markup()))
    return app


@scenario("template globals: config, request, session, g, url_for, get_flashed_messages",
          "/login", "/t/globals.html?q=search", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    app = _template_app(fw, root, APP_TITLE="Diff <App>")

    @app.before_request
    def set_g() -> None:
        fw.g.who = "gee"

    @app.route("/login")
    def login() -> str:
        fw.session["user"] = "ann"
        fw.flash("welcome")
        return "logged in"

    app.add_url_rule("/globals", "globals", lambda: "")
    return app


@scenario("template globals in render_template_string, and app.jinja_env.globals",
          "/s?x=1")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SECRET_KEY="k", NAME="cfg")
    app.jinja_env.globals["site"] = "The Site"

    def view() -> str:
        fw.g.value = 42
        return fw.render_template_string(
            "{{ site }} {{ config.NAME }} {{ request.args.x }} {{ g.value }} {{ url_for('s') }} "
            "{{ session|length }} {{ get_flashed_messages() }}"
        )

    app.add_url_rule("/s", "s", view)
    return app


@scenario("context_processor, template_filter, template_global, template_test, add_template_*",
          "/t/custom.html", "/ctx", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    app = _template_app(fw, root)

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"from_processor": "injected", "helper": lambda n: n * 10, "user": "from processor"}

    @app.template_filter()
    def reverse_text(s: str) -> str:
        return s[::-1]

    @app.template_filter("shout")
    def make_loud(s: str) -> str:
        return s.upper() + "!"

    @app.template_global()
    def answer() -> int:
        return 42

    @app.template_global("greet")
    def say_hi(name: str) -> str:
        return f"hi {name}"

    @app.template_test()
    def even_number(n: int) -> bool:
        return n % 2 == 0

    app.add_template_test(lambda n: n == 7, "lucky")
    # The render context wins over a context processor for the same name.
    app.add_url_rule("/ctx", "ctx", lambda: fw.render_template_string("{{ user }}|{{ from_processor }}", user="explicit"))
    return app


@scenario("stream_template and stream_template_string keep the request context",
          "/stream", "/stream-string", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/stream", "stream", lambda: fw.stream_template("stream.html"))
    app.add_url_rule(
        "/stream-string", "stream_string",
        lambda: fw.stream_template_string("{% for c in 'ab' %}{{ c }}{{ request.endpoint }};{% endfor %}"),
    )
    return app


@scenario("Jinja inheritance: extends, named endblock, super(), nested blocks, self, dynamic parent",
          "/t/child.html", "/t/grandchild.html", "/t/dynamic_parent.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("Jinja whitespace control with {%- -%} and {{- -}}; escaping '}}' and raw blocks",
          "/t/whitespace.html", "/t/escaping.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("Jinja macros: local, from-import, import-as, varargs/kwargs/caller, call blocks, macro attributes",
          "/t/use_macros.html", "/t/context_import.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("Jinja loops, namespace, with, undefined, common filters", "/t/loops.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("an undefined attribute of an undefined value is a 500", "/t/broken.html", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    return _template_app(fw, root)


@scenario("template_folder set to another folder, templates found there",
          "/a", files={"views/a.html": "from views {{ 1 + 1 }}"})
def _(fw: ModuleType, root: Path) -> Any:
    app = fw.Flask("diffapp", root_path=str(root), template_folder="views")
    app.add_url_rule("/a", "a", lambda: fw.render_template("a.html"))
    return app


@scenario("TEMPLATES_AUTO_RELOAD: a changed template is rendered anew", "/a", "/change", "/a",
          files={T + "a.html": "version one"})
def _(fw: ModuleType, root: Path) -> Any:
    import os

    app = make_app(fw, root, TEMPLATES_AUTO_RELOAD=True)
    app.add_url_rule("/a", "a", lambda: fw.render_template("a.html"))

    def change() -> str:
        path = root / "templates" / "a.html"
        path.write_text("version two")
        # Jinja notices a change by the file's modification time.
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 10))
        return "changed"

    app.add_url_rule("/change", "change", change)
    return app


def _template_list(fw: ModuleType, app: Any) -> list[str]:
    with app.app_context():
        return sorted(app.jinja_env.list_templates())


@scenario("the template loader lists the app's templates", files=TEMPLATES, probe=_template_list)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _render_in_app_context(fw: ModuleType, app: Any) -> list[str]:
    with app.app_context():
        fw.g.x = "gx"
        return [
            fw.render_template_string("{{ g.x }} {{ config.K }} {{ request is defined }} {{ session is defined }}"),
            fw.render_template("hello.txt", name="ctx"),
        ]


@scenario("render in an app context without a request", files=TEMPLATES, probe=_render_in_app_context)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root, K="v")


@scenario("a view returning a generator built from stream_with_context and a template",
          "/gen", files=TEMPLATES)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def gen() -> Any:
        def chunks() -> Iterator[str]:
            yield fw.render_template("hello.txt", name=fw.request.path)
            yield "|done"

        return fw.stream_with_context(chunks())

    app.add_url_rule("/gen", "gen", gen)
    return app


@scenario("a template rendered for a POST sees the form", req("/post", "POST", data={"title": "<t>"}))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule(
        "/post", "post", lambda: fw.render_template_string("{{ request.form.title }}"), methods=["POST"]
    )
    return app
