"""A small kit for differential tests: one scenario, two frameworks, compare what a client sees.

A scenario is a function that receives a framework module (``flask`` or ``wsgi_stack``) and a
fresh root folder, and returns an app built with that module. The same function builds both
apps, so the only thing that differs is the module. The scenario also lists the requests to
send (one test client per app, so cookies carry over between its requests) and may add a
*probe*: a function run after the requests that returns a value to compare (for what is not a
response, such as ``url_for`` in an app context or the order in which hooks ran).

What is compared, per request: the status line, the headers that matter (``Content-Type``,
``Location``, ``Allow``, ``Vary``, ``Content-Length`` plus any a scenario names), every
``Set-Cookie`` parsed into name, value and attributes, and the body. An exception that escapes
the test client (``TESTING`` propagation) is compared by its type name.

Values that differ from run to run are compared for what they mean, not byte for byte:

* a signed session cookie carries a timestamp and a signature, so its *payload* is compared
  (decoded from base64, decompressed, as the exact tagged-JSON text), plus whether it was
  compressed; whether the signature is right is the job of the cookie interoperability tests;
* an ``Expires`` attribute that depends on "now" is compared with a few seconds' tolerance.

Scenarios are registered with :func:`scenario` in the ``scenarios_*`` modules of this package;
:func:`all_scenarios` imports them all.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import importlib
import os
import pkgutil
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import ModuleType
from typing import Any

#: Headers compared on every response.
DEFAULT_HEADERS: tuple[str, ...] = ("Content-Type", "Location", "Allow", "Vary", "Content-Length")

#: Two time stamps that depend on "now" may differ by this many seconds (two apps, two clocks reads).
EXPIRES_TOLERANCE_SECONDS = 5

#: Files a scenario writes get this modification time, so ``Last-Modified`` is deterministic.
FIXED_MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z


class Lazy:
    """A request argument computed when the request is sent (e.g. a forged cookie)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __repr__(self) -> str:
        return f"Lazy({getattr(self.make, '__name__', 'fn')})"


@dataclasses.dataclass(frozen=True)
class Req:
    """One request: ``client.open(path, method=method, **kwargs)``.

    The extra keyword ``set_cookies={name: value}`` puts cookies into the client's jar first
    (``None`` removes one); the test client ignores a ``Cookie`` header given directly.
    """

    path: str
    method: str = "GET"
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def label(self, index: int) -> str:
        return f"request {index + 1} ({self.method} {self.path})"

    def resolved_kwargs(self) -> dict[str, Any]:
        """A fresh copy of the keyword arguments with every :class:`Lazy` value computed now.

        Copied because each framework's client consumes file objects given as upload data.
        """

        def resolve(value: Any) -> Any:
            if isinstance(value, Lazy):
                return value.make()
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            return value

        return {key: resolve(value) for key, value in copy.deepcopy(dict(self.kwargs)).items()}


def req(path: str, method: str = "GET", **kwargs: Any) -> Req:
    """Shorthand for :class:`Req`; ``kwargs`` go to the test client's ``open``."""
    return Req(path, method, kwargs)


Builder = Callable[[ModuleType, Path], Any]
Probe = Callable[[ModuleType, Any], Any]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One behaviour, written once, run on both frameworks."""

    name: str
    build: Builder
    requests: tuple[Req, ...]
    group: str
    #: Files to create under the app's root folder before building, ``{relative path: content}``.
    files: Mapping[str, str | bytes] = dataclasses.field(default_factory=dict)
    #: Headers compared in addition to :data:`DEFAULT_HEADERS`.
    headers: tuple[str, ...] = ()
    #: Cookie names whose values are signed sessions (compared by payload).
    session_cookies: tuple[str, ...] = ("session",)
    #: Run after the requests; its return value (or the type of what it raises) is compared.
    probe: Probe | None = None
    #: Why this scenario is expected to differ (an intended difference); ``None`` when it must match.
    xfail: str | None = None

    def __str__(self) -> str:
        return self.name


_REGISTRY: dict[str, Scenario] = {}


def scenario(
    name: str,
    *requests: Req | str,
    files: Mapping[str, str | bytes] | None = None,
    headers: Iterable[str] = (),
    session_cookies: Iterable[str] = ("session",),
    probe: Probe | None = None,
    xfail: str | None = None,
) -> Callable[[Builder], Builder]:
    """Register the decorated app builder as a scenario; a plain string request is a GET."""

    def register(build: Builder) -> Builder:
        if name in _REGISTRY:
            raise ValueError(f"duplicate scenario name {name!r}")
        module = build.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = Scenario(
            name=name,
            build=build,
            requests=tuple(req(r) if isinstance(r, str) else r for r in requests),
            group=module.removeprefix("scenarios_"),
            files=dict(files or {}),
            headers=tuple(headers),
            session_cookies=tuple(session_cookies),
            probe=probe,
            xfail=xfail,
        )
        return build

    return register


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, after importing each ``scenarios_*`` module of this package."""
    package = __name__.rsplit(".", 1)[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("scenarios_"):
            importlib.import_module(f"{package}.{info.name}")
    return list(_REGISTRY.values())


def candidate_name() -> str:
    """The module under test, from ``DIFF_CANDIDATE`` (default ``wsgi_stack``; ``flask`` proves the kit)."""
    return os.environ.get("DIFF_CANDIDATE", "wsgi_stack")


def make_app(framework: ModuleType, root: Path, **config: Any) -> Any:
    """``framework.Flask`` rooted at ``root`` (templates and static files live there), configured."""
    app = framework.Flask("diffapp", root_path=str(root))
    app.config.update(config)
    return app


# -- running ---------------------------------------------------------------------------------


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Create the scenario's files under ``root`` with a fixed modification time."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))


def _raised(exc: BaseException) -> dict[str, Any]:
    # Only the type is compared: messages are worded by each framework, the type is behaviour.
    return {"raised": type(exc).__name__, "message": str(exc)}


def observe_response(response: Any, scenario: Scenario) -> dict[str, Any]:
    """Turn a test-client response into the plain data that is compared."""
    observed: dict[str, Any] = {"status": response.status}
    for name in DEFAULT_HEADERS + scenario.headers:
        values = response.headers.getlist(name)
        if name == "Allow":
            # Werkzeug fills Allow from a set, so even Flask's order changes with the hash seed.
            values = [", ".join(sorted(m.strip() for v in values for m in v.split(",")))] if values else []
        observed[f"header {name}"] = values[0] if len(values) == 1 else (values or None)
    observed["Set-Cookie"] = [
        parse_set_cookie(value, scenario.session_cookies)
        for value in response.headers.getlist("Set-Cookie")
    ]
    observed["body"] = response.get_data()
    return observed


def run(scenario: Scenario, framework: ModuleType, root: Path) -> list[tuple[str, dict[str, Any]]]:
    """Build the scenario's app with ``framework`` and return ``[(step label, observation)]``."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, scenario.files)
    steps: list[tuple[str, dict[str, Any]]] = []
    try:
        app = scenario.build(framework, root)
    except Exception as exc:  # a registration error is itself the behaviour under test
        return [("building the app", _raised(exc))]
    client = app.test_client()
    for index, request in enumerate(scenario.requests):
        label = request.label(index)
        kwargs = request.resolved_kwargs()
        # The client replaces any Cookie header with its own jar, so cookies go into the jar.
        for name, value in kwargs.pop("set_cookies", {}).items():
            if value is None:
                client.delete_cookie(name)
                continue
            with warnings.catch_warnings():
                # An oversized cookie is sometimes the point of the scenario.
                warnings.filterwarnings("ignore", "The .* cookie is too large", UserWarning)
                client.set_cookie(name, value)
        try:
            response = client.open(request.path, method=request.method, **kwargs)
        except Exception as exc:
            steps.append((label, _raised(exc)))
            continue
        try:
            steps.append((label, observe_response(response, scenario)))
        except Exception as exc:  # raised while the body streams
            steps.append((label, _raised(exc)))
        finally:
            response.close()
    if scenario.probe is not None:
        try:
            steps.append(("probe", {"value": scenario.probe(framework, app)}))
        except Exception as exc:
            steps.append(("probe", _raised(exc)))
    return steps


# -- Set-Cookie parsing -------------------------------------------------------------------------


def decode_session_payload(value: str) -> tuple[str, str] | str:
    """The readable part of a signed session cookie: ``(zlib|plain, tagged JSON text)``.

    The cookie is ``[.]payload.timestamp.signature``, the payload URL-safe base64 without padding,
    zlib-compressed when it starts with a dot. The signature is not checked here.
    """
    compressed = value.startswith(".")
    body = value[1:] if compressed else value
    parts = body.split(".")
    if len(parts) != 3:
        return f"<not a signed session cookie: {value!r}>"
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        if compressed:
            raw = zlib.decompress(raw)
        return ("zlib" if compressed else "plain", raw.decode("utf-8"))
    except Exception as exc:  # report, don't crash: a broken cookie is a difference to show
        return f"<undecodable session cookie ({exc}): {value!r}>"


def parse_set_cookie(header: str, session_cookies: Iterable[str] = ()) -> dict[str, Any]:
    """Split one ``Set-Cookie`` value into name, value and lower-cased attributes."""
    first, *attributes = header.split(";")
    name, _, value = first.strip().partition("=")
    parsed: dict[str, Any] = {"name": name}
    if name in session_cookies and value:
        parsed["session payload"] = decode_session_payload(value)
    else:
        parsed["value"] = value
    attrs: dict[str, str | bool] = {}
    for attribute in attributes:
        key, sep, attr_value = attribute.strip().partition("=")
        attrs[key.lower()] = attr_value if sep else True
    parsed["attributes"] = attrs
    return parsed


# -- comparing ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Difference:
    """One field that differs: where, what, and both values."""

    step: str
    field: str
    reference: Any
    candidate: Any

    def __str__(self) -> str:
        return (
            f"{self.step}: {self.field}\n"
            f"    reference: {_short(self.reference)}\n"
            f"    candidate: {_short(self.candidate)}"
        )


def _short(value: Any, limit: int = 400) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _same_expiry(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    try:
        delta = parsedate_to_datetime(a) - parsedate_to_datetime(b)
    except (TypeError, ValueError):
        return False
    return abs(delta.total_seconds()) <= EXPIRES_TOLERANCE_SECONDS


def _compare_cookies(step: str, ref: list[dict[str, Any]], cand: list[dict[str, Any]]) -> list[Difference]:
    names = ([c["name"] for c in ref], [c["name"] for c in cand])
    if names[0] != names[1]:
        return [Difference(step, "Set-Cookie names", names[0], names[1])]
    found: list[Difference] = []
    for index, (a, b) in enumerate(zip(ref, cand)):
        where = f"Set-Cookie[{index}] {a['name']!r}"
        for key in ("value", "session payload"):
            if a.get(key) != b.get(key):
                found.append(Difference(step, f"{where} {key}", a.get(key), b.get(key)))
        attrs_a, attrs_b = a["attributes"], b["attributes"]
        for attr in sorted(set(attrs_a) | set(attrs_b)):
            va, vb = attrs_a.get(attr), attrs_b.get(attr)
            same = _same_expiry(va, vb) if attr == "expires" else va == vb
            if not same:
                found.append(Difference(step, f"{where} attribute {attr}", va, vb))
    return found


def compare(
    reference: list[tuple[str, dict[str, Any]]], candidate: list[tuple[str, dict[str, Any]]]
) -> list[Difference]:
    """Every field where the candidate's observations differ from the reference's."""
    found: list[Difference] = []
    for (step, ref), (_, cand) in zip(reference, candidate):
        if "raised" in ref or "raised" in cand:
            if ref.get("raised") != cand.get("raised"):
                found.append(
                    Difference(step, "outcome", _outcome(ref), _outcome(cand))
                )
            continue
        for key in ref.keys() | cand.keys():
            if key == "Set-Cookie":
                found += _compare_cookies(step, ref.get(key, []), cand.get(key, []))
            elif ref.get(key) != cand.get(key):
                found.append(Difference(step, key, ref.get(key), cand.get(key)))
    if len(reference) != len(candidate):
        found.append(
            Difference("all", "number of steps", [s for s, _ in reference], [s for s, _ in candidate])
        )
    return sorted(found, key=lambda d: (d.step, d.field))


def _outcome(observed: dict[str, Any]) -> str:
    if "raised" in observed:
        return f"raised {observed['raised']}: {observed['message']}"
    if "status" in observed:
        return f"response {observed['status']}"
    return f"value {observed.get('value')!r}"


def differential(scenario: Scenario, reference: ModuleType, candidate: ModuleType, workdir: Path) -> list[Difference]:
    """Run ``scenario`` on both frameworks (each in its own root folder) and compare."""
    ref = run(scenario, reference, workdir / f"{reference.__name__}-ref")
    cand = run(scenario, candidate, workdir / f"{candidate.__name__}-cand")
    return compare(ref, cand)
