"""pytest plugin: keep Flask's own suite to wsgi_stack's scope, and record every in-scope outcome.

Loaded with ``-p flask_suite_scope`` by ``run.py``, both against wsgi_stack and against real Flask
(``--reference``), so the two runs select exactly the same tests.

* Whole files listed in ``scope.toml`` are never collected (their imports name things wsgi_stack does not have).
* Single tests listed there are deselected; an entry covers every parametrization and, for a class, its tests.
* Each in-scope test ends as exactly one of passed / failed / skipped (an error in setup or teardown is a
  failure), and the result goes to the JSON file named by ``--flask-suite-report`` for ``run.py`` to tabulate.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DEFAULT_SCOPE = Path(__file__).resolve().parent.parent / "scope.toml"
OUTCOMES = ("passed", "failed", "skipped")


@dataclass(frozen=True)
class Group:
    """One out-of-scope feature: why it is left out, and the files and tests that exercise it."""

    name: str
    reason: str
    files: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """The parsed ``scope.toml``."""

    flask_version: str
    expected_in_scope: int
    groups: tuple[Group, ...]

    @classmethod
    def load(cls, path: Path = DEFAULT_SCOPE) -> Scope:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        groups = tuple(
            Group(g["name"], g["reason"], tuple(g.get("files", ())), tuple(g.get("tests", ())))
            for g in data["group"]
        )
        entries = [e for g in groups for e in (*g.files, *g.tests)]
        duplicates = sorted(e for e, n in Counter(entries).items() if n > 1)
        if duplicates:
            raise ValueError(f"{path}: listed more than once: {duplicates}")
        return cls(data["flask_version"], int(data["expected_in_scope"]), groups)

    def group_of_file(self, file_name: str) -> Group | None:
        return next((g for g in self.groups if file_name in g.files), None)

    def match(self, test_id: str) -> tuple[Group, str] | None:
        """The group and the entry that put ``test_id`` ("file::[Class::]name[params]") out of scope, if any."""
        base = test_id.split("[", 1)[0]
        for group in self.groups:
            for entry in group.tests:
                if base == entry or base.startswith(entry + "::"):
                    return group, entry
        return None


def suite_id(item: pytest.Item) -> str:
    """``file.py::[Class::]name[params]``: the node id without the folder, as ``scope.toml`` spells it."""
    _, _, rest = item.nodeid.partition("::")
    return f"{item.path.name}::{rest}"


def first_line(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The one line that says why a report failed (the exception line when there is one)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).splitlines()[0] if crash.message else ""
    lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    return (errors or lines or [""])[-1].strip()


@dataclass
class Recorder:
    """What happened to each in-scope test, plus what the scope list did."""

    scope: Scope
    report_path: Path | None
    inverted: bool = False  # run the out-of-scope tests instead: what would moving a group into scope cost?
    ignored_files: set[str] = field(default_factory=set)
    used_entries: set[str] = field(default_factory=set)
    deselected: dict[str, str] = field(default_factory=dict)  # test id -> group name
    collected: list[str] = field(default_factory=list)
    collection_errors: dict[str, str] = field(default_factory=dict)  # file -> first error line
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    nodeids: dict[str, str] = field(default_factory=dict)  # pytest node id -> test id

    def record(self, report: pytest.TestReport) -> None:
        tid = self.nodeids.get(report.nodeid)
        if tid is None:
            return
        previous = self.outcomes.get(tid)
        if report.failed:
            if previous != "failed":
                self.messages[tid] = f"[{report.when}] {first_line(report)}"
            self.outcomes[tid] = "failed"
        elif report.skipped and previous != "failed":
            self.outcomes[tid] = "skipped"
            if report.when != "teardown":
                self.messages[tid] = first_line(report)
        elif report.when == "call" and report.passed and previous is None:
            self.outcomes[tid] = "passed"

    def stale_entries(self) -> list[str]:
        """Entries that matched nothing in files that did collect: the suite or the list has changed."""
        stale = []
        for group in self.scope.groups:
            stale += [f for f in group.files if f not in self.ignored_files]
            stale += [
                t
                for t in group.tests
                if t not in self.used_entries and t.split("::", 1)[0] not in self.collection_errors
            ]
        return stale

    def as_json(self, exitstatus: int) -> dict[str, Any]:
        files: dict[str, Counter[str]] = {}
        for tid in self.collected:
            files.setdefault(tid.split("::", 1)[0], Counter())[self.outcomes.get(tid, "failed")] += 1
        for tid in self.deselected:
            files.setdefault(tid.split("::", 1)[0], Counter())["excluded"] += 1
        return {
            "flask_version": self.scope.flask_version,
            "inverted": self.inverted,
            "expected_in_scope": self.scope.expected_in_scope,
            "exitstatus": exitstatus,
            "files": {name: dict(counts) for name, counts in sorted(files.items())},
            "ignored_files": {f: self.scope.group_of_file(f).name for f in sorted(self.ignored_files)},  # type: ignore[union-attr]
            "collection_errors": self.collection_errors,
            "stale_entries": self.stale_entries(),
            "deselected": self.deselected,
            # A collected test with no report at all (the run was interrupted) counts as failed.
            "tests": {
                tid: {
                    "outcome": self.outcomes.get(tid, "failed"),
                    "message": self.messages.get(tid, ""),
                    "group": self.deselected.get(tid),
                }
                for tid in self.collected
            },
        }


_recorder: Recorder | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flask_suite", "Flask's suite against wsgi_stack")
    group.addoption("--flask-suite-scope", type=Path, default=DEFAULT_SCOPE, help="the scope list (TOML)")
    group.addoption("--flask-suite-report", type=Path, default=None, help="write outcomes here as JSON")
    group.addoption(
        "--flask-suite-out-of-scope",
        action="store_true",
        help="run only the single out-of-scope tests instead (whole out-of-scope files stay uncollected)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    _recorder = Recorder(
        Scope.load(config.getoption("flask_suite_scope")),
        config.getoption("flask_suite_report"),
        inverted=config.getoption("flask_suite_out_of_scope"),
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    assert _recorder is not None
    if collection_path.is_file() and _recorder.scope.group_of_file(collection_path.name):
        _recorder.ignored_files.add(collection_path.name)
        return True
    return None


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed and _recorder is not None:
        _recorder.collection_errors[Path(report.nodeid.split("::", 1)[0]).name] = first_line(report)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect out-of-scope tests (or, inverted, the in-scope ones) before ``-k`` or ``-m`` sees them."""
    assert _recorder is not None
    keep, drop = [], []
    for item in items:
        tid = suite_id(item)
        hit = _recorder.scope.match(tid)
        if hit is not None:
            _recorder.used_entries.add(hit[1])
            _recorder.deselected[tid] = hit[0].name
        (drop if (hit is None) == _recorder.inverted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember what is left after every selection: these are the tests this run is judged on."""
    assert _recorder is not None
    for item in session.items:
        tid = suite_id(item)
        _recorder.nodeids[item.nodeid] = tid
        _recorder.collected.append(tid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _recorder is not None:
        _recorder.record(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _recorder is not None and _recorder.report_path is not None:
        _recorder.report_path.parent.mkdir(parents=True, exist_ok=True)
        _recorder.report_path.write_text(
            json.dumps(_recorder.as_json(int(exitstatus)), indent=1), encoding="utf-8"
        )
