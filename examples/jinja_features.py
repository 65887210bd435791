"""Jinja2: inheritance and super(), whitespace control, escaping and raw, macros (varargs,
kwargs, caller and their meta attributes), call blocks with arguments, the template globals.

Run ``python examples/jinja_features.py`` and view the source of each page (Ctrl+U):

  /inherit        templates/jinja/child.html extends base.html; super() keeps the parent's block
  /whitespace     {%- ... -%} eats the whitespace beside a tag; compare the two lists
  /escaping?text=<b>hi</b>   escaped by default, |safe, autoescape false, and {% raw %}
  /macros         a macro taking *varargs and **kwargs, and what a macro knows about itself
  /call           {% call %} blocks, one passing arguments back to its caller()
  /globals        what every template sees: request, session, g, config, url_for,
                  get_flashed_messages, plus a global, a filter and a context processor of the app
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, g, render_template, request

app = Flask(__name__)
app.secret_key = "jinja-example"
app.config["SITE_NAME"] = "Jinja tour"


@app.route("/inherit")
def inherit():
    return render_template("jinja/child.html")


@app.route("/whitespace")
def whitespace():
    return render_template("jinja/whitespace.html", items=["a", "b", "c"])


@app.route("/escaping")
def escaping():
    return render_template("jinja/escaping.html", text=request.args.get("text", "<b>bold</b> & more"))


@app.route("/macros")
def macros():
    return render_template("jinja/macros.html")


@app.route("/call")
def call():
    return render_template("jinja/call.html", users=[{"name": "ada", "langs": ["en", "fr"]},
                                                     {"name": "jiho", "langs": ["ko"]}])


# What the app adds for every template: a global function, a filter, and a context processor.
@app.template_global()
def shout(text):
    return text.upper() + "!"


@app.template_filter("reverse_words")
def reverse_words(text):
    return " ".join(reversed(text.split()))


@app.context_processor
def add_year():
    return {"year": 2026}


@app.route("/globals")
def template_globals():
    g.visitor = "guest"
    return render_template("jinja/globals.html")


if __name__ == "__main__":
    app.run(debug=True)
