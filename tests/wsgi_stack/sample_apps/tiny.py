"""A tiny app with one of each thing the tools show: hooks, a session write, a
template, view args, a form, and a view that raises."""

from __future__ import annotations

from wsgi_stack import Flask, render_template_string, request, session


def create_app(name: str = "tiny", *, secret_key: str = "tiny-secret-key") -> Flask:
    """The app; ``name`` lets a test tell two instances apart."""
    app = Flask(name)
    app.config["SECRET_KEY"] = secret_key

    @app.before_request
    def load_user() -> None:
        request.environ["tiny.user"] = session.get("user")

    @app.after_request
    def stamp(response):
        response.headers["X-App"] = name
        return response

    @app.route("/")
    def index() -> str:
        return render_template_string("<p>Hello {{ user or 'stranger' }}</p>", user=session.get("user"))

    @app.route("/user/<int:user_id>")
    def user_page(user_id: int) -> str:
        return f"user {user_id}"

    @app.route("/login", methods=["POST"])
    def login() -> str:
        session["user"] = request.form["name"]
        return f"hello {session['user']} ({request.headers.get('X-Client', '-')})"

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    return app


app = create_app()
