"""The tracing-off measurement counts what it claims to count."""

import io

from bench.apps import build_app
from bench.scenarios import base_environ, select
from bench.trace_cost import count_trace_checks


def test_counts_the_trace_checks_of_one_request_and_only_them():
    app = build_app("wsgi_stack", "S1")
    environ = base_environ(select("S1")[0])

    def one_request():
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(b"")
        return b"".join(app(env, lambda status, headers, exc_info=None: None))

    assert one_request() == b"Hello, World!"
    checks = count_trace_checks(one_request)
    # Context push and pop, the URL match, the view, the response: a handful, not none
    # (the counter works) and not dozens (tracing off stays cheap).
    assert 5 <= checks <= 20
    assert app._make_trace() is None

    app.config["STACK_TRACE"] = True
    try:
        assert app._make_trace() is not None  # on: the same requests get a trace
    finally:
        app.config["STACK_TRACE"] = False
