"""One side of ``compare``: load an app file on one framework, send it requests, write what came back.

This file runs as a script (``python path/to/compare_child.py JOB.json RESULT.json``), never as part of
the ``wsgi_stack`` package: on the Flask side, ``wsgi_stack`` must not be imported at all, because an
example that says ``from wsgi_stack import Flask`` has to get real Flask there. So it imports only the
standard library until it has decided which framework is which, and then installs :class:`ImportAlias`:

* on the ``flask`` side, ``import wsgi_stack`` (and ``wsgi_stack.x``) gives ``flask`` (``flask.x``);
* on the ``wsgi_stack`` side, ``import flask`` (and ``flask.x``) gives ``wsgi_stack`` (``wsgi_stack.x``).

The job (JSON, written by :mod:`wsgi_stack.compare`) names the side, the app, and the requests. The
result (JSON) holds, per request, the status, headers, cookies, body and what the process wrote to its
stdout/stderr meanwhile (captured at the file-descriptor level, so a logging handler that holds on to
the original ``sys.stderr`` is captured too). Nothing is compared here: the parent does that.
"""

from __future__ import annotations

import os
import sys

# Run as a script, Python puts this file's folder (the wsgi_stack package itself) first on sys.path,
# where its json/ would hide the standard library's json. The parent passes -P so it does not; this
# takes it off for anyone who runs the file by hand, before anything else is imported.
if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import importlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

FRAMEWORKS = ("flask", "wsgi_stack")


class ImportAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answer imports of ``alias`` and ``alias.<sub>`` with the module objects of ``target``."""

    def __init__(self, alias: str, target: str) -> None:
        self.alias = alias
        self.target = target
        self._real_specs: dict[str, Any] = {}

    def _target_name(self, fullname: str) -> str | None:
        if fullname == self.alias or fullname.startswith(self.alias + "."):
            return self.target + fullname[len(self.alias):]
        return None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        name = self._target_name(fullname)
        if name is None:
            return None
        module = importlib.import_module(name)  # a missing one raises, naming the real module
        return importlib.util.spec_from_loader(fullname, self, is_package=hasattr(module, "__path__"))

    def create_module(self, spec: Any) -> ModuleType:
        module = sys.modules[self._target_name(spec.name) or spec.name]
        self._real_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module already ran under its real name. The import system has just set its __spec__
        # to the alias's; give the real one back so relative imports inside it keep working.
        alias_spec = module.__spec__
        assert alias_spec is not None  # set by the import system just before this call
        module.__spec__ = self._real_specs.pop(alias_spec.name)


def fail(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"kind": kind, "message": message, **extra}}


def app_traceback(error: BaseException, app_file: str) -> str:
    """The traceback of an import error, starting at the app file's first frame: the person wants to
    see their own line, not this script's or importlib's."""
    frames: list[traceback.FrameSummary] = traceback.extract_tb(error.__traceback__)
    app_path = str(Path(app_file).resolve())
    for index, frame in enumerate(frames):
        if str(Path(frame.filename).resolve()) == app_path:
            frames = frames[index:]
            break
    else:
        frames = [frame for frame in frames if "importlib" not in frame.filename and frame.filename != __file__]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


class CapturedOutput:
    """Everything written to file descriptors 1 and 2 while the block runs, as text."""

    def __enter__(self) -> CapturedOutput:
        sys.stdout.flush()
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile()
        self.saved = (os.dup(1), os.dup(2))
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        self.text = ""
        return self

    def __exit__(self, *exc_info: Any) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()


def load_framework(side: str, project_root: str) -> tuple[ModuleType | None, dict[str, Any] | None]:
    """Import the side's framework and alias the other name to it."""
    if side == "wsgi_stack":
        sys.path.insert(0, project_root)
    try:
        framework = importlib.import_module(side)
    except ModuleNotFoundError as error:
        if error.name == side:
            return None, fail("missing-framework", f"No module named {side!r} in {sys.executable}")
        raise
    other = FRAMEWORKS[1 - FRAMEWORKS.index(side)]
    for name in [name for name in sys.modules if name == other or name.startswith(other + ".")]:
        del sys.modules[name]  # e.g. a site package that imported it: the alias must win from now on
    sys.meta_path.insert(0, ImportAlias(other, side))
    return framework, None


def find_app(module: ModuleType, name: str, framework: ModuleType) -> Any:
    """The app object: the named attribute, else ``app``/``application``, else the one Flask
    instance in the module, else a ``create_app``/``make_app`` factory called without arguments."""
    flask_class = framework.Flask
    if name:
        value = getattr(module, name.removesuffix("()"), None)
        if value is None:
            raise LookupError(f"The app file has no {name.removesuffix('()')!r}.")
        return value() if not isinstance(value, flask_class) and callable(value) else value
    for attribute in ("app", "application"):
        if isinstance(getattr(module, attribute, None), flask_class):
            return getattr(module, attribute)
    found = [value for value in vars(module).values() if isinstance(value, flask_class)]
    if len(found) == 1:
        return found[0]
    for factory in ("create_app", "make_app"):
        if callable(getattr(module, factory, None)):
            return getattr(module, factory)()
    raise LookupError("No Flask app found in the file (looked for 'app', 'application', one Flask"
                      " instance, or a create_app()/make_app() factory). Name it: FILE.py:NAME.")


def request_arguments(request: dict[str, Any]) -> dict[str, Any]:
    """The test client's keyword arguments for one request of the job."""
    headers = [tuple(pair) for pair in request.get("headers", [])]
    kwargs: dict[str, Any] = {"method": request["method"], "headers": headers,
                              "follow_redirects": bool(request.get("follow"))}
    if request.get("json") is not None:
        kwargs["json"] = json.loads(request["json"])
    elif request.get("data") is not None:
        kwargs["data"] = request["data"].encode()
        if not any(name.lower() == "content-type" for name, _ in headers):
            kwargs["content_type"] = "application/x-www-form-urlencoded"
    return kwargs


def describe_response(response: Any, client: Any) -> dict[str, Any]:
    body = response.get_data()
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    jar = sorted(
        (cookie.key, cookie.value, cookie.domain, cookie.path)
        for cookie in getattr(client, "_cookies", {}).values()
    )
    return {
        "status": response.status,
        "headers": [[name, value] for name, value in response.headers.items() if name.lower() != "set-cookie"],
        "set_cookies": response.headers.getlist("Set-Cookie"),
        "jar": [list(item) for item in jar],
        "body": text if text is not None else f"<{len(body)} bytes, not UTF-8: {body[:32]!r}...>",
        "history": [f"{r.status_code} {r.request.path}" for r in getattr(response, "history", ())],
    }


def run(job: dict[str, Any]) -> dict[str, Any]:
    side, app_file = job["side"], job["app_file"]
    framework, error = load_framework(side, job["project_root"])
    if error is not None:
        return error
    assert framework is not None
    # Flask deprecates its __version__: ask the installed distribution; wsgi_stack is a checkout.
    result: dict[str, Any] = {"version": _version(side) if side == "flask" else framework.__version__}
    folder = str(Path(app_file).resolve().parent)
    sys.path.insert(0, folder)
    os.chdir(job["cwd"])
    failure: BaseException | None
    with CapturedOutput() as output:
        try:
            module = importlib.import_module(Path(app_file).stem)
            app = find_app(module, job["app_name"], framework)
        except BaseException as exc:  # the app's own error, whatever it is, is the report
            failure = exc
        else:
            failure = None
    result["import_output"] = output.text
    if failure is not None:
        return {**result, **fail("import", f"{type(failure).__name__}: {failure}",
                                 traceback=app_traceback(failure, app_file))}

    recorder = None
    if job.get("trace") and side == "wsgi_stack":
        from wsgi_stack import trace as stack_trace

        app.config["STACK_TRACE"] = True
        import logging

        logging.getLogger("wsgi_stack.trace").disabled = True  # we print the spans, not the log
        recorder = stack_trace.record
    client = app.test_client()
    responses = []
    for request in job["requests"]:
        entry: dict[str, Any] = {"time": time.time()}
        traces: list[Any] = []
        with CapturedOutput() as output:
            try:
                if recorder is not None:
                    with recorder() as traces:
                        response = client.open(request["path"], **request_arguments(request))
                else:
                    response = client.open(request["path"], **request_arguments(request))
                entry.update(describe_response(response, client))
            except Exception as exc:  # escaped the app (debug/testing mode propagates): the answer
                entry["exception"] = f"{type(exc).__name__}: {exc}"
        entry["output"] = output.text
        if traces:
            entry["trace"] = "\n".join(item.render() for item in traces)
        responses.append(entry)
    result["responses"] = responses
    return result


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    try:
        result = run(job)
    except BaseException:  # a bug here, not in the app: say so plainly
        result = fail("internal", traceback.format_exc())
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
