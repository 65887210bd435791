"""``compare``: run one app file on real Flask and on wsgi_stack, side by side.

::

    python -m wsgi_stack --app examples/routing.py compare GET /hello
    python -m wsgi_stack.compare --app examples/routing.py --script tests/examples/scripts/routing.txt

Each framework gets a process of its own (:mod:`wsgi_stack.compare_child`), in which the app file's
imports resolve to that framework: ``import flask`` gives wsgi_stack on the wsgi_stack side, and an
example's ``import wsgi_stack`` gives Flask on the Flask side. Both processes receive the same requests
in the same order, each through its app's test client (so each side keeps its own cookie jar), and
write back what they saw. This module compares the two, request by request: status, headers, cookies
set and kept, body, and what the app printed. Values that are different on every run are masked
first: a signed cookie shows its decoded payload instead of its signature, a date that depends on the
clock shows its distance from "now".

A request is ``METHOD PATH [-H 'Name: value']... [-d DATA | --json JSON] [-L]``, on the command
line or one per line of a ``--script`` file (``#`` starts a comment). Exit status: 0 when every
request got the same answer on both sides, 1 when something differs (or the app fails to load on one
side), 2 for a usage error, 3 when Flask is not installed.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import click

SIDES = ("flask", "wsgi_stack")
TITLES = {"flask": "Flask", "wsgi_stack": "wsgi_stack"}
CHILD = Path(__file__).with_name("compare_child.py")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLASK_VERSION = "3.1.3"


class CompareError(click.ClickException):
    """A usage problem (no app, a bad script line): printed without a traceback, exit 2."""

    exit_code = 2


# -- the requests ---------------------------------------------------------------------


@dataclasses.dataclass
class Request:
    """One request to send to both sides."""

    method: str
    path: str
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    data: str | None = None
    json: str | None = None
    follow: bool = False

    @property
    def label(self) -> str:
        extra = " -L" if self.follow else ""
        if self.json is not None:
            extra += f" --json {self.json}"
        elif self.data is not None:
            extra += f" -d {self.data}"
        for name, value in self.headers:
            extra += f" -H '{name}: {value}'"
        return f"{self.method} {self.path}{extra}"


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise CompareError(f"A header is 'Name: value', not {text!r}.")
    return name.strip(), value.strip()


def parse_request(tokens: Sequence[str], where: str = "the command line") -> Request:
    """``["POST", "/login", "-d", "name=ada", "-H", "Accept: text/html"]`` -> a :class:`Request`."""
    if len(tokens) < 2:
        raise CompareError(f"{where}: a request is METHOD PATH [options], got {' '.join(tokens)!r}.")
    method, path = tokens[0].upper(), tokens[1]
    if not method.isalpha():
        raise CompareError(f"{where}: {tokens[0]!r} is not an HTTP method.")
    request = Request(method, path)
    rest = list(tokens[2:])
    while rest:
        option = rest.pop(0)
        if option in ("-L", "--follow"):
            request.follow = True
            continue
        if not rest or option not in ("-H", "--header", "-d", "--data", "--json"):
            raise CompareError(f"{where}: unknown option or missing value: {option!r}"
                               " (known: -H 'Name: value', -d DATA, --json JSON, -L).")
        value = rest.pop(0)
        if option in ("-H", "--header"):
            request.headers.append(parse_header(value))
        elif option == "--json":
            try:
                json.loads(value)
            except ValueError as error:
                raise CompareError(f"{where}: --json {value!r} is not JSON: {error}.") from None
            request.json = value
        else:
            request.data = value
    return request


def load_script(path: str) -> list[Request]:
    """The requests of a script file, one per line; blank lines and ``#`` comments skipped."""
    requests = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as error:
            raise CompareError(f"{path}:{number}: {error}.") from None
        requests.append(parse_request(tokens, f"{path}:{number}"))
    if not requests:
        raise CompareError(f"{path} has no requests.")
    return requests


# -- running both sides -----------------------------------------------------------------


def resolve_app(spec: str) -> tuple[Path, str]:
    """``examples/routing.py[:app]`` or ``module[:app]`` (a file in the current folder) -> (file, name)."""
    file_part, _, name = spec.partition(":")
    path = Path(file_part)
    if path.suffix != ".py":
        path = Path(*file_part.split(".")).with_suffix(".py")
    if not path.is_file():
        raise CompareError(f"No app file {str(path)!r}: compare runs a single-file app, FILE.py[:NAME].")
    return path.resolve(), name.strip()


def run_sides(app_file: Path, app_name: str, requests: list[Request], trace: bool = False,
              timeout: float = 60.0, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Run the app on both frameworks at once, one process each; the result of each side."""
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        processes = {}
        for side in SIDES:
            job = {
                "side": side, "app_file": str(app_file), "app_name": app_name, "cwd": os.getcwd(),
                "project_root": str(PROJECT_ROOT), "trace": trace,
                "requests": [dataclasses.asdict(request) for request in requests],
            }
            job_file, result_file = Path(tmp, f"{side}.job.json"), Path(tmp, f"{side}.result.json")
            job_file.write_text(json.dumps(job))
            # -P: the child's own folder (this package) must not go on sys.path.
            command = [sys.executable, "-P", str(CHILD), str(job_file), str(result_file)]
            processes[side] = (subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT), result_file)
        results = {}
        for side, (process, result_file) in processes.items():
            try:
                stray, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                stray, _ = process.communicate()
                results[side] = {"error": {"kind": "timeout", "message": f"No answer within {timeout:g} s"
                                           " (does the file start a server when imported?)."}}
                continue
            if result_file.exists():
                results[side] = json.loads(result_file.read_text())
            else:
                results[side] = {"error": {"kind": "internal", "message": (
                    f"The {side} process exited with status {process.returncode}:\n"
                    + stray.decode("utf-8", "replace"))}}
        return results


# -- masking what changes from run to run -----------------------------------------------

_SIGNED = re.compile(r"^(\.?)([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{4,})\.([A-Za-z0-9_-]{20,})$")
_LOG_TIME = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\]")
_FRAME = re.compile(r'^\s+File ".*", line \d+')


def unsign(value: str) -> str:
    """A cookie value signed with a timestamp (Flask's session) as ``signed:PAYLOAD``; others as is."""
    match = _SIGNED.match(value)
    if not match:
        return value
    compressed, payload = match.group(1), match.group(2)
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if compressed:
            raw = zlib.decompress(raw)
        return f"signed:{raw.decode('utf-8')}"
    except (ValueError, zlib.error):
        return "signed:<not decodable>"


def relative_date(text: str, now: float) -> str:
    """An HTTP date near ``now`` as ``<now+30d>`` (both sides read the clock at different times);
    a fixed date (the 1970 of a deleted cookie, a year far away) stays as it is."""
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return text
    seconds = round((when - now) / 60) * 60
    if abs(seconds) > 10 * 365 * 86400:
        return text
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{rest // 60}m" if rest else ""]
    return f"<now{sign}{''.join(parts) or '0m'}>"


# A date in a display line, until both sides are known: "\x00NOW\x01HTTP-DATE\x00".
_DATE_MARK = re.compile("\x00([0-9.]+)\x01([^\x00]*)\x00")


def mark_date(text: str, now: float) -> str:
    """A date to settle later (:func:`settle_dates`): literal if both sides sent the same one,
    else each shown relative to its own clock."""
    return f"\x00{now!r}\x01{text}\x00"


def settle_dates(shown: dict[str, list[str]], other: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Replace the marked dates of one side's lines. A date the other side sent identically, at the
    same place, is fixed (a file's mtime, a cookie expiring in 2030) and stays literal; one that
    differs depends on each side's clock (Max-Age, the Date header) and becomes ``<now+7d>``."""
    settled = {}
    for name, lines in shown.items():
        others = (other or {}).get(name, [])
        out = []
        for index, line in enumerate(lines):
            theirs = _DATE_MARK.findall(others[index]) if index < len(others) else []
            mine = iter(range(len(_DATE_MARK.findall(line))))

            def settle(match: re.Match[str]) -> str:
                position = next(mine)
                now, text = float(match.group(1)), match.group(2)
                if position < len(theirs) and theirs[position][1] == text:
                    return text
                return relative_date(text, now)

            out.append(_DATE_MARK.sub(settle, line))
        settled[name] = out
    return settled


def mask_set_cookie(header: str, now: float) -> str:
    name_value, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = name_value.partition("=")
    shown = [f"{name}={unsign(value)}"]
    for attribute in attributes:
        key, sep, val = attribute.partition("=")
        shown.append(f"{key}={mark_date(val, now)}" if key.lower() == "expires" and sep else attribute)
    return "; ".join(shown)


def mask_output(text: str) -> list[str]:
    """Printed lines with log timestamps masked and traceback frames (file paths and lines of the
    framework, which differ by nature) left out; the exception line itself stays."""
    lines: list[str] = []
    in_frame = False
    for line in text.splitlines():
        if _FRAME.match(line):
            if not in_frame and not (lines and lines[-1].endswith("(frames left out)")):
                lines.append("  ... (frames left out)")
            in_frame = True
            continue
        if in_frame and line.startswith("    "):
            continue
        in_frame = False
        lines.append(_LOG_TIME.sub("[<time>]", line))
    return lines


def sections(entry: dict[str, Any], other: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """One response as named groups of display lines, masked: what is compared and shown. Given
    the other side's answer to the same request, dates both sent alike stay literal."""
    shown = _marked_sections(entry)
    return settle_dates(shown, _marked_sections(other) if other is not None else None)


def _marked_sections(entry: dict[str, Any]) -> dict[str, list[str]]:
    if "exception" in entry:
        return {"raised": [entry["exception"]], "printed": mask_output(entry.get("output", ""))}
    now = entry["time"]
    headers = []
    for name, value in sorted(entry["headers"], key=lambda pair: pair[0].lower()):
        if name.lower() in ("date", "expires", "last-modified"):
            value = mark_date(value, now)
        elif name.lower() == "allow":  # Werkzeug fills it from a set: the order is the hash seed's
            value = ", ".join(sorted(method.strip() for method in value.split(",")))
        headers.append(f"{name}: {value}")
    body = entry["body"].splitlines() or ["(empty)"]
    return {
        "status": [entry["status"]] + [f"(after {step})" for step in entry.get("history", [])],
        "headers": headers,
        "set-cookie": [mask_set_cookie(header, now) for header in entry["set_cookies"]],
        "cookie jar": [f"{key}={unsign(value)}" + (f" (path {path})" if path != "/" else "")
                       for key, value, _domain, path in entry["jar"]],
        "body": body,
        "printed": mask_output(entry.get("output", "")),
    }


def summary(shown: dict[str, list[str]]) -> str:
    """One line for a response both sides agree on."""
    if "raised" in shown:
        return f"raised {shown['raised'][0]}"
    parts = [shown["status"][0]]
    headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in shown["headers"]}
    if "location" in headers:
        parts[0] += f" -> {headers['location']}"
    elif "content-type" in headers:
        parts.append(headers["content-type"].split(";")[0])
    if "content-length" in headers and "location" not in headers:
        parts.append(f"{headers['content-length']} bytes")
    if shown["set-cookie"]:
        parts.append("sets " + ", ".join(line.split("=", 1)[0] for line in shown["set-cookie"]))
    if shown["printed"]:
        parts.append(f"printed {len(shown['printed'])} line(s)")
    return ", ".join(parts)


# -- the report ---------------------------------------------------------------------------


def side_by_side(left: dict[str, list[str]], right: dict[str, list[str]], width: int) -> list[str]:
    """The two responses in two columns, section by section, ``!`` on the rows that differ."""
    column = max(24, (width - 8) // 2)
    rows: list[str] = []

    def chunks(text: str) -> list[str]:
        return [text[i:i + column] for i in range(0, len(text), column)] or [""]

    def add(mark: str, a: str, b: str) -> None:
        a_parts, b_parts = chunks(a), chunks(b)
        for i in range(max(len(a_parts), len(b_parts))):
            a_part = a_parts[i] if i < len(a_parts) else ""
            b_part = b_parts[i] if i < len(b_parts) else ""
            rows.append(f"    {mark if i == 0 else ' '} {a_part.ljust(column)} | {b_part}".rstrip())

    for name in list(dict.fromkeys([*left, *right])):
        a, b = left.get(name, []), right.get(name, [])
        if not a and not b:
            continue
        rows.append(f"      -- {name} " + "-" * max(0, column - len(name) - 4))
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                for line in a[i1:i2]:
                    add(" ", line, line)
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                add("!", a[i1 + k] if i1 + k < i2 else "", b[j1 + k] if j1 + k < j2 else "")
    return rows


def full(shown: dict[str, list[str]]) -> list[str]:
    rows = []
    for name, lines in shown.items():
        if lines:
            rows.append(f"      -- {name}")
            rows.extend(f"      {line}" for line in lines)
    return rows


def report(app_label: str, requests: list[Request], results: dict[str, dict[str, Any]],
           verbose: bool = False, width: int | None = None) -> tuple[list[str], int]:
    """The report's lines and the exit status (0 identical, 1 different, 3 Flask missing)."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    flask, stack = results["flask"], results["wsgi_stack"]
    if flask.get("error", {}).get("kind") == "missing-framework":
        return [
            f"compare needs real Flask for the left-hand side, and {sys.executable} cannot import it.",
            f"Install the version wsgi_stack follows: {sys.executable} -m pip install 'flask=={FLASK_VERSION}'",
            "(or: pip install -r requirements-dev.txt).",
        ], 3
    names = {side: f"{TITLES[side]} {results[side].get('version') or ''}".strip() for side in SIDES}
    lines = [f"{app_label}: {names['flask']} (left) | {names['wsgi_stack']} (right),"
             f" {len(requests)} request(s), one cookie jar each"]
    broken = [side for side in SIDES if "error" in results[side]]
    for side in broken:
        error = results[side]["error"]
        where = {"import": "failed to import", "timeout": "did not load",
                 "missing-framework": "cannot run"}.get(error["kind"], "failed")
        lines.append(f"\n{app_label} {where} on {names[side]}: {error['message']}")
        if side == "flask" and "before_first_request" in error["message"]:
            lines.append("    (Flask removed before_first_request in 2.3; wsgi_stack keeps the behaviour of Flask 2.2,"
                         " the one documented difference: see docs/TOUR.md.)")
        if error.get("traceback"):
            lines.extend("    " + line for line in error["traceback"].splitlines())
        printed = mask_output(results[side].get("import_output", ""))
        if printed:
            lines.append("  it printed:")
            lines.extend("    " + line for line in printed)
    if broken:
        working = [side for side in SIDES if side not in broken]
        if working:
            lines.append(f"\nWhat {names[working[0]]} answered:")
            for number, (request, entry) in enumerate(zip(requests, results[working[0]]["responses"]), 1):
                lines.append(f"{number:>3}  {request.label}")
                lines.extend(full(sections(entry)))
                lines.extend(trace_lines(entry))
        lines.append(f"\nNot comparable: the app did not load on {' and '.join(names[s] for s in broken)}.")
        return lines, 1

    different = 0
    loading = (mask_output(flask.get("import_output", "")), mask_output(stack.get("import_output", "")))
    if loading[0] != loading[1]:
        different += 1
        lines.append("  0  (loading the app)  DIFFERENT output")
        lines.extend(side_by_side({"printed": loading[0]}, {"printed": loading[1]}, width))
    elif loading[0]:
        lines.append(f"  0  (loading the app)  same, printed {len(loading[0])} line(s)")
    for number, (request, left, right) in enumerate(zip(requests, flask["responses"], stack["responses"]), 1):
        shown_left, shown_right = sections(left, right), sections(right, left)
        if shown_left == shown_right:
            lines.append(f"{number:>3}  {request.label}  ==  {summary(shown_left)}")
            if verbose:
                lines.extend(full(shown_left))
        else:
            different += 1
            what = [name for name in {**shown_left, **shown_right}
                    if shown_left.get(name) != shown_right.get(name)]
            lines.append(f"{number:>3}  {request.label}  DIFFERENT ({', '.join(what)})")
            lines.extend(side_by_side(shown_left, shown_right, width))
        lines.extend(trace_lines(right))
    same = len(requests) - different + (1 if loading[0] != loading[1] else 0)
    if different:
        lines.append(f"\n{different} difference(s); {same} of {len(requests)} request(s) answered the same.")
    else:
        lines.append(f"\nIdentical: all {len(requests)} request(s) answered the same on both.")
    return lines, 1 if different else 0


def trace_lines(entry: dict[str, Any]) -> list[str]:
    """The wsgi_stack side's layer trace of one request (with ``--trace``)."""
    if not entry.get("trace"):
        return []
    return ["      -- layer trace (wsgi_stack)"] + ["      " + line for line in entry["trace"].splitlines()]


# -- the command --------------------------------------------------------------------------


def _app_from_context(ctx: click.Context) -> str | None:
    """The ``--app`` given to the command group (its ScriptInfo), if there is one."""
    while ctx is not None:
        spec = getattr(ctx.obj, "app_import_path", None)
        if spec:
            return str(spec)
        ctx = ctx.parent  # type: ignore[assignment]
    return None


@click.command("compare", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--app", "app_spec", metavar="FILE.py[:NAME]", help="the app file (or the group's --app)")
@click.argument("method", required=False)
@click.argument("path", required=False)
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="a request header")
@click.option("-d", "--data", help="the body, a urlencoded form unless a Content-Type header says otherwise")
@click.option("--json", "json_body", metavar="JSON", help="a JSON body")
@click.option("-L", "--follow", is_flag=True, help="follow redirects")
@click.option("--script", type=click.Path(exists=True, dir_okay=False),
              help="a file of requests, one per line, sent in order")
@click.option("--trace", is_flag=True, help="print the wsgi_stack side's layer trace of each request")
@click.option("-v", "--verbose", is_flag=True, help="show every response in full, the same ones too")
@click.option("--timeout", default=60.0, show_default=True, help="seconds each side may take")
@click.pass_context
def compare(ctx: click.Context, app_spec: str | None, method: str | None, path: str | None,
            headers: tuple[str, ...], data: str | None, json_body: str | None, follow: bool,
            script: str | None, trace: bool, verbose: bool, timeout: float) -> None:
    """Run an app file on real Flask and on wsgi_stack and compare their answers.

    \b
    compare GET /hello/                      one request (default: GET /)
    compare POST /login -d 'name=ada' -L     a form, following the redirect
    compare --script requests.txt            one request per line, in order

    The file may import flask or wsgi_stack: each side gets its own framework.
    """
    spec = app_spec or _app_from_context(ctx) or os.environ.get("FLASK_APP")
    if not spec:
        raise CompareError("Name the app: --app FILE.py (or FLASK_APP=FILE.py).")
    app_file, app_name = resolve_app(spec)
    if script:
        if method or path or headers or data or json_body or follow:
            raise CompareError("Give either one request on the command line or --script FILE, not both.")
        requests = load_script(script)
    else:
        tokens = [method or "GET", path or "/"]
        for header in headers:
            tokens += ["-H", header]
        if data is not None:
            tokens += ["-d", data]
        if json_body is not None:
            tokens += ["--json", json_body]
        requests = [parse_request(tokens + (["-L"] if follow else []))]
    results = run_sides(app_file, app_name, requests, trace=trace, timeout=timeout)
    lines, status = report(spec, requests, results, verbose=verbose)
    click.echo("\n".join(lines))
    ctx.exit(status)


if __name__ == "__main__":
    compare(prog_name="python -m wsgi_stack.compare")
