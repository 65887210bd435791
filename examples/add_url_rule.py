"""add_url_rule: what @app.route does underneath, and the endpoint between a URL and a view.

Run ``python examples/add_url_rule.py`` and try:

  /                 a view registered with add_url_rule, no decorator
  /hello/ada        rule, endpoint and view_func given separately
  /page  /page/2    defaults, and methods=
  /tagged           a rule given an endpoint first; the view attached later with @app.endpoint
  /map              the URL map and app.view_functions: what registration made

``python -m wsgi_stack --app examples/add_url_rule.py routes`` prints the same map.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, request, url_for

app = Flask(__name__)


def index():
    return f"index; url_for('greet', name='ada') = {url_for('greet', name='ada')}\n"


def hello(name):
    return f"hello {name}\n"


def page(number):
    return f"page {number} ({request.method})\n"


# @app.route("/") above index would do exactly this:
app.add_url_rule("/", view_func=index)                             # endpoint defaults to "index"
app.add_url_rule("/hello/<name>", endpoint="greet", view_func=hello)  # an endpoint of our choosing
app.add_url_rule("/page", "page", page, defaults={"number": 1}, methods=["GET", "POST"])
app.add_url_rule("/page/<int:number>", "page", page, methods=["GET", "POST"])

# A rule with an endpoint and no view yet ...
app.add_url_rule("/tagged", endpoint="tagged")


# ... and the view bound to that endpoint afterwards.
@app.endpoint("tagged")
def tagged_view():
    return "bound with @app.endpoint('tagged')\n"


@app.route("/map")
def show_map():
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))
    lines = [f"{rule.rule:<22} -> {rule.endpoint:<8} {','.join(sorted(rule.methods))}"
             f"{' defaults=' + repr(rule.defaults) if rule.defaults else ''}" for rule in rules]
    lines.append("view_functions: " + ", ".join(f"{name}={func.__name__}"
                                                for name, func in sorted(app.view_functions.items())))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app.run(debug=True)
