"""Blueprints in wsgi_stack's own tools: the layer trace, the inspector, ``routes``; and the
shared registration layer (Flask's behaviour itself is judged by Flask's test_blueprints.py
and the differential scenarios in differential/scenarios_blueprints.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wsgi_stack import Blueprint, Flask, render_template_string, request, url_for
from wsgi_stack.app_setup import AppSetup
from wsgi_stack.cli import cli
from wsgi_stack.scaffold import Scaffold
from wsgi_stack.trace import record

JSON = {"Accept": "application/json"}


def nested_app(**config) -> Flask:
    """``shop`` at /shop with ``cart`` nested in it, each with a before hook; one app view."""
    app = Flask(__name__, static_folder=None)
    app.config.update(SECRET_KEY="k", **config)
    shop = Blueprint("shop", __name__, url_prefix="/shop")
    cart = Blueprint("cart", __name__, url_prefix="/cart")

    @shop.before_request
    def open_shop():
        return None

    @cart.before_request
    def load_cart():
        return None

    @cart.after_request
    def cart_header(response):
        response.headers["X-Cart"] = "1"
        return response

    @cart.route("/<int:item>")
    def item(item):
        return render_template_string("{{ n }} {{ url_for('.item', item=n + 1) }}", n=item)

    @app.route("/")
    def home():
        return "home"

    shop.register_blueprint(cart)
    app.register_blueprint(shop)
    return app


def traced(app: Flask, path: str):
    with record() as traces:
        response = app.test_client().get(path)
    [trace] = traces
    return response, trace


def test_app_and_blueprint_share_the_registration_layer():
    assert issubclass(Flask, AppSetup) and issubclass(AppSetup, Scaffold)
    assert issubclass(Blueprint, Scaffold)
    # One definition of each shared decorator, not one per class.
    for name in ("route", "before_request", "errorhandler", "send_static_file", "open_resource"):
        assert getattr(Flask, name) is getattr(Scaffold, name) is getattr(Blueprint, name)


def test_the_trace_names_the_blueprint_and_runs_its_hooks_as_spans():
    response, trace = traced(nested_app(STACK_TRACE=True), "/shop/cart/3")
    assert response.data == b"3 /shop/cart/4"
    match = next(s for s in trace.spans if s.event == "routing:match")
    assert match.info["endpoint"] == "shop.cart.item"
    assert match.info["blueprint"] == "shop.cart"
    hooks = [(s.event, s.info.get("blueprint")) for s in trace.spans if s.layer == "hook"]
    assert hooks == [
        ("hook:before_request:open_shop", "shop"),
        ("hook:before_request:load_cart", "shop.cart"),
        ("hook:after_request:cart_header", "shop.cart"),
    ]
    view = next(s for s in trace.spans if s.layer == "view")
    assert (view.name, view.info["blueprint"]) == ("shop.cart.item", "shop.cart")
    assert "blueprint='shop.cart'" in trace.render()


def test_an_app_view_trace_has_no_blueprint():
    _, trace = traced(nested_app(STACK_TRACE=True), "/")
    assert all("blueprint" not in span.info for span in trace.spans)
    assert [s.event for s in trace.spans if s.layer == "hook"] == []


def test_the_inspector_shows_the_blueprint_of_the_match_the_probe_and_each_rule():
    app = nested_app(STACK_INSPECTOR=True)
    client = app.test_client()
    report = client.get("/_stack/?path=/shop/cart/9", headers=JSON).json
    assert report["match"]["blueprint"] is None  # /_stack/ itself is no blueprint's
    assert report["probe"]["endpoint"] == "shop.cart.item"
    assert report["probe"]["blueprint"] == "shop.cart"
    assert report["app"]["blueprints"] == ["shop", "shop.cart"]
    routes = {route["endpoint"]: route for route in report["app"]["routes"]}
    assert routes["shop.cart.item"] == {
        "rule": "/shop/cart/<int:item>",
        "endpoint": "shop.cart.item",
        "methods": ["GET"],
        "blueprint": "shop.cart",
    }
    assert routes["home"]["blueprint"] is None
    page = client.get("/_stack/").get_data(as_text=True)
    assert "<code>/shop/cart/&lt;int:item&gt;</code></td><td>shop.cart.item</td>" in page
    assert "blueprints: shop, shop.cart" in page


def test_routes_shows_blueprints_in_the_endpoints_as_flask_routes_does(tmp_path: Path):
    (tmp_path / "shopapp.py").write_text(
        "from wsgi_stack import Blueprint, Flask\n"
        "app = Flask('shopapp', static_folder=None)\n"
        "shop = Blueprint('shop', __name__, url_prefix='/shop')\n"
        "cart = Blueprint('cart', __name__, url_prefix='/cart')\n"
        "cart.add_url_rule('/', 'view', lambda: 'z')\n"
        "shop.add_url_rule('/', 'index', lambda: 'x')\n"
        "shop.register_blueprint(cart)\n"
        "app.add_url_rule('/', 'home', lambda: 'y')\n"
        "app.register_blueprint(shop)\n"
    )
    result = CliRunner().invoke(cli, ["--app", str(tmp_path / "shopapp.py"), "routes", "--sort", "rule"])
    assert result.exit_code == 0, result.output
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "Endpoint        Methods  Rule",
        "--------------  -------  -----------",
        "home            GET      /",
        "shop.index      GET      /shop/",
        "shop.cart.view  GET      /shop/cart/",
    ]


def test_request_blueprint_and_relative_url_for():
    app = nested_app()
    with app.test_request_context("/shop/cart/1"):
        assert request.blueprint == "shop.cart"
        assert request.blueprints == ["shop.cart", "shop"]
        assert url_for(".item", item=2) == "/shop/cart/2"
    with app.test_request_context("/"):
        assert request.blueprint is None and request.blueprints == []
        assert url_for(".home") == "/"


def test_an_app_without_blueprints_looks_up_only_its_own_scope():
    app = Flask(__name__)
    with app.test_request_context("/"):
        assert app._request_scopes(request) == (None,)
    app.register_blueprint(Blueprint("b", __name__))
    with app.test_request_context("/"):
        assert app._request_scopes(request) == (None,)  # "/" is no blueprint's


def test_setup_methods_close_after_the_first_request_and_after_registration():
    app = Flask(__name__)
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="blueprint 'bp'"):
        bp.before_request(lambda: None)
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="first request"):
        app.get("/late")(lambda: "")
