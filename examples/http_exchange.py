"""The HTTP exchange and content negotiation: what comes in, what goes out.

Run ``python examples/http_exchange.py`` and try, with curl:

  curl -i localhost:5000/echo                          the request line and headers, as the app sees them
  curl -i -X POST -d 'a=1' localhost:5000/echo         a body: its type and length
  curl -i localhost:5000/greeting                      no Accept: the first offer (HTML) wins
  curl -i -H 'Accept: application/json' localhost:5000/greeting          JSON
  curl -i -H 'Accept: text/plain;q=0.5, text/html;q=0.1' localhost:5000/greeting   the higher q wins
  curl -i -H 'Accept: image/png' localhost:5000/greeting                 nothing fits: 406
  curl -i -H 'Accept-Language: ko, en;q=0.8' localhost:5000/greeting     the language, negotiated too
  curl -I localhost:5000/greeting                      HEAD: the GET's headers, no body
  curl -i -X OPTIONS localhost:5000/greeting           OPTIONS: the methods, in Allow
  curl -i localhost:5000/status/201                    any status code, with a header of the app's own

Every answer says "Vary: Accept, Accept-Language": a cache must keep one copy per value.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, abort, jsonify, make_response, request

app = Flask(__name__)

GREETINGS = {"en": "Hello", "fr": "Bonjour", "ko": "안녕하세요"}


@app.route("/echo", methods=["GET", "POST"])
def echo():
    # The request line, then the headers the client sent, then what the body was.
    lines = [f"{request.method} {request.full_path.rstrip('?')} {request.environ['SERVER_PROTOCOL']}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines.append(f"body: {request.content_length or 0} bytes of {request.mimetype or 'nothing'}")
    return "\n".join(lines) + "\n", {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/greeting")
def greeting():
    # Content negotiation: the server offers types, the Accept header ranks them.
    # No Accept header at all means "anything": then the first offer.
    offers = ["text/html", "application/json", "text/plain"]
    kind = request.accept_mimetypes.best_match(offers) if request.accept_mimetypes else offers[0]
    language = request.accept_languages.best_match(list(GREETINGS), default="en")
    if kind is None:
        abort(406)
    word = GREETINGS[language]
    if kind == "application/json":
        response = jsonify(greeting=word, language=language)
    elif kind == "text/plain":
        response = make_response(f"{word}\n")
        response.mimetype = "text/plain"
    else:
        response = make_response(f"<p lang={language}>{word}</p>\n")
    response.headers["Content-Language"] = language
    response.vary.update(["Accept", "Accept-Language"])
    return response


@app.route("/status/<int:code>")
def status(code):
    if not 200 <= code < 600 or 300 <= code < 400:
        abort(404)
    return f"answered with {code}\n", code, {"X-Example": "http-exchange"}


if __name__ == "__main__":
    app.run(debug=True)
