"""A plain Flask app (imports flask, not wsgi_stack): templates beside it, a session, cookies, a redirect."""

from flask import Flask, make_response, redirect, render_template, request, session, url_for

app = Flask(__name__)
app.secret_key = "compare-test"


@app.route("/")
def index():
    session["visits"] = session.get("visits", 0) + 1
    print("visit", session["visits"])
    return render_template("page.html", visits=session["visits"], theme=request.cookies.get("theme"))


@app.post("/theme")
def theme():
    response = make_response(redirect(url_for("index")))
    response.set_cookie("theme", request.form["theme"], max_age=86400, httponly=True)
    return response
