"""Templates and url_for: render a file from templates/, build URLs instead of writing them.

Run ``python examples/templates_url_for.py`` and try:

  /                      a page rendered from templates/url_for/index.html, with links built by url_for
  /hello/ada             a variable in the template; /hello/ uses the default name
  /urls                  url_for's forms: arguments, the query string, _anchor, _external, static
  /static/style.css      the static route url_for('static', filename=...) points to
  /urls/outside          url_for outside a request (an app context with SERVER_NAME; see the terminal)
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, render_template, url_for

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("url_for/index.html", title="Templates and url_for")


@app.route("/hello/")
@app.route("/hello/<name>")
def hello(name=None):
    return render_template("url_for/hello.html", name=name)


@app.route("/users/<int:user_id>/posts/<slug>")
def user_post(user_id, slug):
    return f"post {slug} of user {user_id}\n"


@app.route("/urls")
def urls():
    # Values for the rule's variables fill the path; unknown ones go to the query string.
    lines = [
        url_for("index"),
        url_for("hello", name="ada lovelace"),
        url_for("user_post", user_id=7, slug="first"),
        url_for("user_post", user_id=7, slug="first", page=2, sort="new"),
        url_for("user_post", user_id=7, slug="first", _anchor="comments"),
        url_for("hello", name="ada", _external=True),
        url_for("static", filename="style.css"),
    ]
    return "\n".join(lines) + "\n"


# Outside a request (here: at import time, in an app context), url_for has no request to
# take the host from: it needs SERVER_NAME, and it builds full URLs.
other = Flask("other")
other.config["SERVER_NAME"] = "example.org"
other.add_url_rule("/page/<int:n>", "page", lambda n: "")
with other.app_context():
    OUTSIDE = url_for("page", n=3)
print(f"url_for outside a request: {OUTSIDE}")


@app.route("/urls/outside")
def outside():
    return f"built at import time: {OUTSIDE}\n"


if __name__ == "__main__":
    app.run(debug=True)
