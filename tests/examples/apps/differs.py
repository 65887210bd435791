"""Answers with a header that names the framework it runs on: compare must report it."""

import flask

app = flask.Flask(__name__)


@app.route("/")
def index():
    framework = flask.Flask.__module__.split(".")[0]
    print("running on", framework)
    return "same body", {"X-Framework": framework}
