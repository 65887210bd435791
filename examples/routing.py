"""Routing: trailing slashes, converters, methods, defaults, and redirect_to.

Run ``python examples/routing.py`` and open http://127.0.0.1:5000/ , then try:

  /projects/         the rule ends in a slash: this is the canonical URL
  /projects          no slash: a 308 redirect to /projects/ (like a folder)
  /about             the rule has no slash ...
  /about/            ... so this is a 404 (like a file)
  /user/ada          <name> is the string converter: anything but a slash
  /post/42           <int:post_id>: /post/x and /post/-1 are 404, the view gets an int
  /price/9.5         <float:amount>: /price/9 is a 404 (a float needs a dot)
  /files/a/b/c.txt   <path:subpath>: slashes allowed
  /item/6d7b3c4e-2f0a-4b8e-9c1d-0e5f6a7b8c9d   <uuid:item_id>
  /lang/ko           <any(en, fr, ko):code>: only those three
  /blog  /blog/2     defaults: /blog is page 1; /blog/1 redirects to /blog, its canonical URL
  /form              GET shows, POST answers; PUT gets 405 with an Allow header
  /old-about         redirect_to="/about": a 308 without calling any view
  /people/ada        redirect_to=a function that builds the new URL from the values

``python -m wsgi_stack --app examples/routing.py routes`` lists the URL map.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, request

app = Flask(__name__)


@app.route("/")
def index():
    return "Routing example: see the docstring for URLs to try.\n"


# Trailing slashes: a rule that ends in "/" redirects the slash-less URL to itself.
@app.route("/projects/")
def projects():
    return "projects (canonical URL ends with a slash)\n"


@app.route("/about")
def about():
    return "about (no slash: /about/ is a 404)\n"


# Converters: the part in <...> is matched and converted before the view is called.
@app.route("/user/<name>")
def user(name):
    return f"user {name!r} ({type(name).__name__})\n"


@app.route("/post/<int:post_id>")
def post(post_id):
    return f"post {post_id!r} ({type(post_id).__name__})\n"


@app.route("/price/<float:amount>")
def price(amount):
    return f"price {amount!r} ({type(amount).__name__})\n"


@app.route("/files/<path:subpath>")
def files(subpath):
    return f"file path {subpath!r}\n"


@app.route("/item/<uuid:item_id>")
def item(item_id):
    return f"item {item_id} ({type(item_id).__name__})\n"


@app.route("/lang/<any(en, fr, ko):code>")
def language(code):
    return f"language {code}\n"


# Defaults: two rules, one endpoint. The short URL supplies page=1; asking for /blog/1
# redirects to /blog, so each page has one URL.
@app.route("/blog", defaults={"page": 1})
@app.route("/blog/<int:page>")
def blog(page):
    return f"blog page {page}\n"


# Methods: GET (and HEAD, OPTIONS) unless told otherwise.
@app.route("/form", methods=["GET", "POST"])
def form():
    if request.method == "POST":
        return f"posted name={request.form.get('name', '')}\n"
    return "GET shows the form; POST sends it\n"


@app.post("/form/shortcut")
def form_shortcut():  # app.post(...) is route(..., methods=["POST"])
    return "only POST here\n"


# redirect_to: the rule answers with a redirect and no view runs. A string may use the
# rule's own values; a function gets the URL adapter and the values.
app.add_url_rule("/old-about", "old_about", redirect_to="/about")
app.add_url_rule("/old-user/<name>", "old_user", redirect_to="/user/<name>")


def people_to_user(adapter, name):
    return f"/user/{name.lower()}"


app.add_url_rule("/people/<name>", "people", redirect_to=people_to_user)


if __name__ == "__main__":
    app.run(debug=True)
