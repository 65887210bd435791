"""twitapp's views, one module per concern; each exposes ``init_app(app)``."""
