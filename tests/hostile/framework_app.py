"""A small wsgi_stack app with one of each thing hostile input aims at.

Converters of every kind, a JSON endpoint, a form with a file, a session that is read and
written, flashed messages, a redirect to a ``next`` parameter, a file served by name from a
folder, typed query arguments, ``url_for`` fed with the input, and a body limit of 1 KB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wsgi_stack import (
    Flask,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    request,
    send_from_directory,
    session,
    url_for,
)

HERE = Path(__file__).resolve().parent
SECRET_KEY = "hostile-framework-test-key-0123456789abcdef"
#: The body limit; a larger one must be answered 413.
BODY_LIMIT = 1024


def create_app() -> Flask:
    app = Flask(__name__, static_folder=str(HERE / "static"))
    app.config.update(SECRET_KEY=SECRET_KEY, MAX_CONTENT_LENGTH=BODY_LIMIT)

    @app.route("/")
    def index() -> Any:
        return {"visits": session.get("visits", 0), "flashes": get_flashed_messages()}

    @app.route("/visit", methods=["POST"])
    def visit() -> Any:
        visits = session.get("visits", 0)
        session["visits"] = (visits if isinstance(visits, int) else 0) + 1
        flash(request.form.get("note", "visited"))
        return redirect(url_for("index"))

    @app.route("/int/<int:n>")
    def integer(n: int) -> str:
        return f"int {n}"

    @app.route("/float/<float:x>")
    def floating(x: float) -> str:
        return f"float {x}"

    @app.route("/uuid/<uuid:u>")
    def uuid(u: Any) -> str:
        return f"uuid {u}"

    @app.route("/path/<path:p>")
    def path(p: str) -> str:
        return f"path {p}"

    @app.route("/any/<any(red, green):colour>")
    def colour(colour: str) -> str:
        return colour

    @app.route("/name/<name>", methods=["GET", "PUT"])
    def name(name: str) -> Any:
        # Building a URL from the input must quote it, whatever it holds.
        return {"name": name, "self": url_for("name", name=name, q=request.args.get("q", ""))}

    @app.route("/json", methods=["POST"])
    def echo_json() -> Any:
        return jsonify(received=request.get_json())

    @app.route("/json-silent", methods=["POST"])
    def echo_json_silent() -> Any:
        return jsonify(received=request.get_json(silent=True))

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        upload = request.files.get("upload")
        return {
            "fields": {key: request.form.getlist(key) for key in request.form},
            "upload": len(upload.read()) if upload else None,
        }

    @app.route("/search")
    def search() -> Any:
        page = request.args.get("page", 1, type=int)
        tags = request.args.getlist("tag")
        return {"page": page, "tags": tags, "q": request.args.get("q")}

    @app.route("/go")
    def go() -> Any:
        return redirect(request.args.get("next", "/"))

    @app.route("/files/<path:filename>")
    def files(filename: str) -> Any:
        return send_from_directory(HERE / "static", filename)

    @app.route("/cookie")
    def cookie() -> Any:
        return {"cookies": dict(request.cookies)}

    @app.route("/headers")
    def headers() -> Any:
        return {"agent": request.user_agent.string, "langs": list(request.accept_languages.values()),
                "json": request.accept_mimetypes.best_match(["text/html", "application/json"])}

    return app
