"""wsgi_stack: a Flask-compatible microframework, built one readable layer at a time.

The layers, bottom-up (imports only point down)::

    app          App (alias Flask): the request path, contexts, URL building, errors
    app_setup    AppSetup, App's base: configuration, app-wide registration, Jinja
    blueprints   Blueprint: a group of routes and hooks registered on an app later
    scaffold     Scaffold: what App and Blueprint share (route, hooks, error handlers, folders)
    logging      the app's logger and its default handler
    templating   Jinja2 environment and template context
    sessions     signed-cookie sessions (standard library only)
    views        View, MethodView: class-based views
    helpers      url_for, redirect, abort, flash, send_from_directory, ...
    ctx          application and request contexts
    signals      blinker signals (request_started, template_rendered, ...), free when unheard
    globals      the context variables and the proxies (request, session, g, current_app)
    routing      Werkzeug's Map/Rule glue
    wrappers     Request/Response on Werkzeug's
    environ      the WSGI environ, explained
    trace        the per-request layer trace

``docs/LAYERS.md`` follows one request through them.
"""

from __future__ import annotations

from markupsafe import Markup as Markup
from markupsafe import escape as escape

from . import json as json
from .app import App as App
from .app import Flask as Flask
from .blueprints import Blueprint as Blueprint
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .helpers import abort as abort
from .helpers import flash as flash
from .helpers import get_flashed_messages as get_flashed_messages
from .helpers import get_template_attribute as get_template_attribute
from .helpers import make_response as make_response
from .helpers import redirect as redirect
from .helpers import send_file as send_file
from .helpers import send_from_directory as send_from_directory
from .helpers import stream_with_context as stream_with_context
from .helpers import url_for as url_for
from .json import jsonify as jsonify
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_request_exception as got_request_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import template_rendered as template_rendered
from .templating import render_template as render_template
from .templating import render_template_string as render_template_string
from .templating import stream_template as stream_template
from .templating import stream_template_string as stream_template_string
from .wrappers import Request as Request
from .wrappers import Response as Response

__version__ = "0.1.0"
