"""Message flashing: a message stored now, shown on the next page, then gone.

Run ``python examples/flashing.py`` and try:

  /                 the page lists the flashed messages (none yet)
  /do/save          flash("Saved.") and a redirect: the next page shows it, once
  /do/fail          flash(..., "error") with a category, plus a plain one
  /                 shown with their categories; reload: gone
  /do/both then /errors-only    get_flashed_messages(category_filter=["error"])

Flashes live in the session, so the app needs a SECRET_KEY.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, flash, get_flashed_messages, redirect, render_template, url_for

app = Flask(__name__)
app.secret_key = "flashing-example"


@app.route("/")
def index():
    return render_template("flashing/index.html")


@app.route("/do/<action>")
def do(action):
    if action == "save":
        flash("Saved.")
    elif action == "fail":
        flash("Could not save: the name is taken.", "error")
        flash("Try another name.")
    elif action == "both":
        flash("A warning.", "warning")
        flash("An error.", "error")
    return redirect(url_for("index" if action != "both" else "errors_only"))


@app.route("/errors-only")
def errors_only():
    errors = get_flashed_messages(category_filter=["error"])
    return f"errors only: {errors}\n"


if __name__ == "__main__":
    app.run(debug=True)
