"""JSON: answering with it (jsonify, a dict, a list) and reading it (request.get_json).

Run ``python examples/json_api.py`` and try:

  /api/info                                a dict: keys sorted, non-ASCII escaped (app.json settings)
  /api/list                                a list, as a top-level JSON array
  /api/types                               what the JSON provider knows: dates, UUIDs, Decimals, dataclasses
  curl -H 'Content-Type: application/json' -d '{"name": "지호"}' localhost:5000/api/echo
  curl -d 'name=x' localhost:5000/api/echo          not JSON: is_json False, get_json(silent=True) None
  curl -H 'Content-Type: application/json' -d '{bad' localhost:5000/api/echo        400 Bad Request
  curl -d '{"forced": true}' localhost:5000/api/force       get_json(force=True) ignores the type
  /api/pretty                              app.json.compact = False for this one: indented
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
import dataclasses
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from wsgi_stack import Flask, jsonify, request

app = Flask(__name__)


@dataclasses.dataclass
class Point:
    x: int
    y: int


@app.route("/api/info")
def info():
    return jsonify(name="wsgi_stack", zeta=1, alpha=2, greeting="안녕")


@app.route("/api/list")
def as_list():
    return [1, "two", None, True]


@app.route("/api/types")
def types():
    return {
        "date": date(2026, 12, 1),
        "datetime": datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc),
        "uuid": uuid.UUID("6d7b3c4e-2f0a-4b8e-9c1d-0e5f6a7b8c9d"),
        "decimal": Decimal("12.50"),
        "dataclass": Point(1, 2),
    }


@app.route("/api/echo", methods=["POST"])
def echo():
    data = request.get_json(silent=True)  # None instead of an error for a body that is not JSON
    if data is None and request.is_json:
        data = request.get_json()         # JSON declared but broken: this raises a 400
    return {"is_json": request.is_json, "mimetype": request.mimetype, "received": data}


@app.route("/api/force", methods=["POST"])
def force():
    return {"received": request.get_json(force=True)}


@app.route("/api/pretty")
def pretty():
    return app.response_class(app.json.dumps({"b": [1, 2], "a": {"c": 3}}, indent=2) + "\n",
                              mimetype="application/json")


if __name__ == "__main__":
    app.run(debug=True)
