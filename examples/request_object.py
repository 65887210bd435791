"""The request object: args, form, values (GET first), get(default=, type=), getlist.

Run ``python examples/request_object.py`` and try:

  /search?q=flask&page=2&tag=web&tag=python     args.get, type=int, getlist
  /search?page=two                              type=int fails -> the default, not an error
  /search                                       nothing given: every default
  /convert?when=2026-12-01&size=12kb&flag=yes   type= with a function, and with a class that has __call__
  curl -X POST 'localhost:5000/values?name=from-url' -d 'name=from-form&extra=1'
                                                values: the URL wins over the form for the same key
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from datetime import date

from wsgi_stack import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    q = request.args.get("q", default="")               # a str, or the default
    page = request.args.get("page", default=1, type=int)  # int("two") fails: the default
    tags = request.args.getlist("tag")                    # every value of a repeated key
    first_tag = request.args.get("tag")                   # get() gives the first one only
    return (
        f"q={q!r} page={page!r} tags={tags!r} first tag={first_tag!r}\n"
        f"args as a dict of lists: {request.args.to_dict(flat=False)!r}\n"
    )


def parse_date(text):
    """type= can be any function of one string; a ValueError means "use the default"."""
    return date.fromisoformat(text)


class Size:
    """A class whose instances are callable works as type= too: here, '12kb' -> 12288."""

    units = {"b": 1, "kb": 1024, "mb": 1024 * 1024}

    def __call__(self, text):
        for unit in sorted(self.units, key=len, reverse=True):
            if text.lower().endswith(unit):
                return int(text[: -len(unit)]) * self.units[unit]
        raise ValueError(text)


@app.route("/convert")
def convert():
    when = request.args.get("when", default=None, type=parse_date)
    size = request.args.get("size", default=0, type=Size())
    flag = request.args.get("flag", default=False, type=lambda v: v.lower() in {"1", "yes", "on"})
    return f"when={when!r} size={size!r} flag={flag!r}\n"


@app.route("/values", methods=["GET", "POST"])
def values():
    # request.values combines args and form; for a key in both, the URL's value comes first.
    return (
        f"args={request.args.to_dict(flat=False)!r}\n"
        f"form={request.form.to_dict(flat=False)!r}\n"
        f"values.get('name')={request.values.get('name')!r}\n"
        f"values.getlist('name')={request.values.getlist('name')!r}\n"
        f"values.get('extra')={request.values.get('extra')!r}\n"
    )


if __name__ == "__main__":
    app.run(debug=True)
