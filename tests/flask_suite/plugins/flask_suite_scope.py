"""pytest plugin: run the whole of Flask's own suite, and record every outcome beside the pending list.

Loaded with ``-p flask_suite_scope`` by ``run.py``, both against wsgi_stack and against real Flask
(``--reference``), so the two runs collect exactly the same tests: all of them.

* Nothing is left out. ``scope.toml`` lists what is *pending*: the files and tests that fail today, in groups,
  each with the issue that will build what they need. ``run.py`` fails a run in which a test that is not pending
  fails (a regression), and notes the pending tests that pass now (their entries can go).
* Each test ends as exactly one of passed / failed / skipped (an error in setup or teardown is a failure), and
  the result goes to the JSON file named by ``--flask-suite-report`` for ``run.py`` to tabulate.
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
    """One feature not built yet: the issue that builds it, why the tests fail, and those files and tests."""

    name: str
    issue: int
    reason: str
    files: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """The parsed ``scope.toml``: the suite's size and the pending groups."""

    flask_version: str
    expected_total: int
    groups: tuple[Group, ...]

    @classmethod
    def load(cls, path: Path = DEFAULT_SCOPE) -> Scope:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        groups = tuple(
            Group(g["name"], int(g["issue"]), g["reason"], tuple(g.get("files", ())), tuple(g.get("tests", ())))
            for g in data.get("group", ())
        )
        entries = [e for g in groups for e in (*g.files, *g.tests)]
        duplicates = sorted(e for e, n in Counter(entries).items() if n > 1)
        if duplicates:
            raise ValueError(f"{path}: listed more than once: {duplicates}")
        return cls(data["flask_version"], int(data["expected_total"]), groups)

    def group_of_file(self, file_name: str) -> Group | None:
        return next((g for g in self.groups if file_name in g.files), None)

    def match(self, test_id: str) -> tuple[Group, str] | None:
        """The group and the entry that mark ``test_id`` ("file::[Class::]name[params]") pending, if any."""
        base = test_id.split("[", 1)[0]
        file_name = base.split("::", 1)[0]
        for group in self.groups:
            if file_name in group.files:
                return group, file_name
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
    """What happened to each test, and which pending entries matched anything."""

    scope: Scope
    report_path: Path | None
    used_entries: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)  # test id -> pending group name
    collected: list[str] = field(default_factory=list)
    collection_errors: dict[str, str] = field(default_factory=dict)  # file -> first error line
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    nodeids: dict[str, str] = field(default_factory=dict)  # pytest node id -> test id

    def add(self, tid: str) -> None:
        """A collected test: remember it, and whether it is pending."""
        self.collected.append(tid)
        hit = self.scope.match(tid)
        if hit is not None:
            self.used_entries.add(hit[1])
            self.pending[tid] = hit[0].name

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
            stale += [f for f in group.files if f not in self.used_entries and f not in self.collection_errors]
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
        pending_files = {f: g.name for g in self.scope.groups for f in g.files}
        return {
            "flask_version": self.scope.flask_version,
            "expected_total": self.scope.expected_total,
            "exitstatus": exitstatus,
            "files": {name: dict(counts) for name, counts in sorted(files.items())},
            "collection_errors": self.collection_errors,
            # A file that did not collect is pending when the whole file is listed.
            "pending_collection_errors": {f: pending_files[f] for f in self.collection_errors if f in pending_files},
            "stale_entries": self.stale_entries(),
            "groups": {g.name: {"issue": g.issue, "reason": g.reason} for g in self.scope.groups},
            # A collected test with no report at all (the run was interrupted) counts as failed.
            "tests": {
                tid: {
                    "outcome": self.outcomes.get(tid, "failed"),
                    "message": self.messages.get(tid, ""),
                    "group": self.pending.get(tid),
                }
                for tid in self.collected
            },
        }


_recorder: Recorder | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flask_suite", "Flask's suite against wsgi_stack")
    group.addoption("--flask-suite-scope", type=Path, default=DEFAULT_SCOPE, help="the pending list (TOML)")
    group.addoption("--flask-suite-report", type=Path, default=None, help="write outcomes here as JSON")


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    _recorder = Recorder(Scope.load(config.getoption("flask_suite_scope")), config.getoption("flask_suite_report"))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed and _recorder is not None:
        _recorder.collection_errors[Path(report.nodeid.split("::", 1)[0]).name] = first_line(report)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember what is left after ``-k``/``-m``: these are the tests this run is judged on."""
    assert _recorder is not None
    for item in session.items:
        tid = suite_id(item)
        _recorder.nodeids[item.nodeid] = tid
        _recorder.add(tid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _recorder is not None:
        _recorder.record(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _recorder is not None and _recorder.report_path is not None:
        _recorder.report_path.parent.mkdir(parents=True, exist_ok=True)
        _recorder.report_path.write_text(
            json.dumps(_recorder.as_json(int(exitstatus)), indent=1), encoding="utf-8"
        )
