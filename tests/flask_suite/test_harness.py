"""Tests of the Flask-suite harness itself: the import alias, the scope list, outcome recording, the ratchet.

These run in the project's own test run (``python -m pytest``) and need neither the suite venv nor the network.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.flask_suite import run
from tests.flask_suite.plugins import flask_suite_alias as alias
from tests.flask_suite.plugins.flask_suite_scope import Recorder, Scope

SCOPE_TOML = Path(__file__).resolve().parent / "scope.toml"


@pytest.fixture
def fake_packages(tmp_path, monkeypatch):
    """A target package ``realpkg_h4`` (with ``sub.leaf``) on sys.path, plus a stand-in module; cleaned up after."""
    (tmp_path / "realpkg_h4" / "sub").mkdir(parents=True)
    (tmp_path / "realpkg_h4" / "__init__.py").write_text(
        "VALUE = 1\n\ndef load_lazy():\n    from . import lazy\n    return lazy\n"
    )
    (tmp_path / "realpkg_h4" / "lazy.py").write_text("")
    (tmp_path / "realpkg_h4" / "own_tool.py").write_text("OWN = True\n")
    (tmp_path / "realpkg_h4" / "sub" / "__init__.py").write_text("")
    (tmp_path / "realpkg_h4" / "sub" / "leaf.py").write_text("LEAF = 'leaf'\n")
    (tmp_path / "standin_h4.py").write_text("MARK = 'stand-in'\nNAME = object()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = alias.ModuleAlias(
        "aliaspkg_h4",
        "realpkg_h4",
        standin_modules={"aliaspkg_h4.absent": "standin_h4", "aliaspkg_h4.own_tool": "standin_h4"},
        standin_names={("aliaspkg_h4", "EXTRA"): "standin_h4:NAME", ("aliaspkg_h4", "VALUE"): "standin_h4:NAME"},
    )
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    yield finder
    for name in [n for n in sys.modules if n.split(".")[0] in ("aliaspkg_h4", "realpkg_h4", "standin_h4")]:
        del sys.modules[name]


def test_alias_gives_the_target_module_objects_themselves(fake_packages):
    import aliaspkg_h4.sub.leaf  # noqa: F401  (the import statement is what is under test)

    real = importlib.import_module("realpkg_h4.sub.leaf")
    assert sys.modules["aliaspkg_h4.sub.leaf"] is real
    assert sys.modules["aliaspkg_h4.sub"] is sys.modules["realpkg_h4.sub"]
    assert sys.modules["aliaspkg_h4"] is sys.modules["realpkg_h4"]
    # The target keeps its own identity: nothing of the alias is written over it.
    assert real.__name__ == "realpkg_h4.sub.leaf"
    assert real.__spec__.name == "realpkg_h4.sub.leaf"
    assert real.__file__.endswith("leaf.py")
    assert sys.modules["realpkg_h4"].__spec__.name == "realpkg_h4"
    assert sys.modules["realpkg_h4"].__package__ == "realpkg_h4"


def test_relative_imports_inside_the_target_stay_quiet_after_aliasing(fake_packages):
    package = importlib.import_module("aliaspkg_h4")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as in Flask's suite: "__package__ != __spec__.parent" would fail
        lazy = package.load_lazy()
    assert lazy.__name__ == "realpkg_h4.lazy"


def test_alias_refuses_a_module_the_target_lacks(fake_packages):
    with pytest.raises(ModuleNotFoundError, match="stands for 'realpkg_h4.nothere', which does not exist"):
        importlib.import_module("aliaspkg_h4.nothere")
    # It must not have been loaded a second time from the target's folder under the alias name either.
    assert "aliaspkg_h4.nothere" not in sys.modules


def test_an_out_of_scope_module_is_the_standin_even_when_the_target_has_one_of_that_name(fake_packages):
    module = importlib.import_module("aliaspkg_h4.own_tool")
    assert module is importlib.import_module("standin_h4")
    assert importlib.import_module("realpkg_h4.own_tool").OWN is True  # the target's own module is untouched


def test_standin_names_fill_only_what_the_target_lacks(fake_packages):
    absent = importlib.import_module("aliaspkg_h4.absent")
    package = importlib.import_module("aliaspkg_h4")

    assert absent.MARK == "stand-in"
    standin = importlib.import_module("standin_h4")
    assert package.EXTRA is standin.NAME
    assert package.VALUE == 1  # present in the target, so left alone
    assert fake_packages.standins_used == [
        "aliaspkg_h4.EXTRA -> standin_h4:NAME",
        "aliaspkg_h4.absent -> standin_h4",
    ]


def test_warning_filters_on_an_alias_module_apply_to_the_target_module():
    recorded = []
    finder = alias.ModuleAlias("flask", "wsgi_stack")
    filterwarnings = alias.aliased_filterwarnings(finder, lambda *args: recorded.append(args))
    filterwarnings("ignore", "Current server name", UserWarning, "flask.app")
    filterwarnings("ignore", "x", UserWarning, "flask")
    filterwarnings("ignore", "x", UserWarning, "flaskish")
    filterwarnings("ignore", "x", UserWarning, r"flask\..*")  # a pattern, not a name: left as it is
    filterwarnings("error")
    assert [args[3] for args in recorded] == ["wsgi_stack.app", "wsgi_stack", "flaskish", r"flask\..*", ""]


def test_names_outside_the_alias_are_not_answered():
    finder = alias.ModuleAlias("flask", "wsgi_stack")
    assert finder.find_spec("flaskish") is None
    assert finder.target_name("flask.json.tag") == "wsgi_stack.json.tag"
    assert finder.target_name("flask") == "wsgi_stack"


def test_refuse_real_stops_when_the_alias_is_importable(tmp_path, monkeypatch):
    (tmp_path / "importable_h4.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(pytest.UsageError, match="real 'importable_h4' is importable"):
        alias.refuse_real("importable_h4")
    with pytest.raises(pytest.UsageError, match="'json' was imported before"):
        alias.refuse_real("json")
    alias.refuse_real("no_such_module_h4")  # absent: nothing to refuse


def test_the_alias_has_flask_metadata_only_by_name():
    finder = alias.ModuleAlias("flask", "wsgi_stack")
    context = importlib.metadata.DistributionFinder.Context
    (flask,) = finder.find_distributions(context(name="Flask"))
    assert flask.version == alias.FLASK_VERSION == "3.1.3"
    assert flask.metadata["Name"] == "flask" and not flask.entry_points
    assert list(finder.find_distributions(context(name="flask-ish"))) == []
    assert list(finder.find_distributions(context())) == []  # listing every distribution: not ours to add


def test_scope_file_gives_every_group_a_reason_and_an_issue():
    scope = Scope.load(SCOPE_TOML)
    assert all(g.reason.strip() for g in scope.groups)
    assert all(g.issue > 0 for g in scope.groups)
    assert scope.expected_total == 490


def make_scope(tmp_path, text: str) -> Scope:
    (tmp_path / "scope.toml").write_text('flask_version = "3.1.3"\nexpected_total = 3\n' + text)
    return Scope.load(tmp_path / "scope.toml")


PENDING = """
[[group]]
name = "runs"
issue = 99
reason = "r"
tests = ["test_basic.py::test_run_from_config", "test_helpers.py::TestStreaming::test_async_view"]

[[group]]
name = "cli"
issue = 98
reason = "r"
files = ["test_cli.py"]
"""


def test_scope_matching_covers_files_parametrizations_and_classes_but_not_prefixes(tmp_path):
    scope = make_scope(tmp_path, PENDING)
    hit = scope.match("test_basic.py::test_run_from_config[None-None-pocoo.org:8080-pocoo.org-8080]")
    assert hit is not None and hit[0].name == "runs"
    assert scope.match("test_helpers.py::TestStreaming::test_async_view")[0].name == "runs"
    assert scope.match("test_cli.py::test_anything[x]") == (scope.groups[1], "test_cli.py")
    # A longer name that merely starts like an entry is a different test.
    assert scope.match("test_basic.py::test_run_from_config_h4") is None
    assert scope.match("test_basic.py::test_session_path") is None
    assert scope.group_of_file("test_cli.py").name == "cli"


def test_scope_rejects_an_entry_listed_twice(tmp_path):
    text = PENDING + '\n[[group]]\nname = "again"\nissue = 1\nreason = "r"\nfiles = ["test_cli.py"]\n'
    with pytest.raises(ValueError, match="test_cli.py"):
        make_scope(tmp_path, text)


def test_recorder_marks_pending_tests_and_finds_stale_entries(tmp_path):
    recorder = Recorder(make_scope(tmp_path, PENDING), None)
    for tid in ("test_basic.py::test_run_from_config[a]", "test_basic.py::test_other", "test_cli.py::test_x"):
        recorder.add(tid)
    data = recorder.as_json(0)
    assert data["tests"]["test_basic.py::test_run_from_config[a]"]["group"] == "runs"
    assert data["tests"]["test_cli.py::test_x"]["group"] == "cli"
    assert data["tests"]["test_basic.py::test_other"]["group"] is None
    # The async-view entry matched nothing, and its file did collect: the list has gone stale.
    assert data["stale_entries"] == ["test_helpers.py::TestStreaming::test_async_view"]
    recorder.collection_errors["test_helpers.py"] = "ImportError"
    assert recorder.stale_entries() == []


def report(nodeid: str, when: str, outcome: str, message: str = "boom") -> SimpleNamespace:
    crash = SimpleNamespace(message=message)
    return SimpleNamespace(
        nodeid=nodeid, when=when, passed=outcome == "passed", failed=outcome == "failed",
        skipped=outcome == "skipped", longrepr=SimpleNamespace(reprcrash=crash),
    )


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ([("setup", "passed"), ("call", "passed"), ("teardown", "passed")], "passed"),
        ([("setup", "failed"), ("teardown", "passed")], "failed"),
        ([("setup", "passed"), ("call", "passed"), ("teardown", "failed")], "failed"),
        ([("setup", "skipped"), ("teardown", "passed")], "skipped"),
        ([("setup", "passed"), ("call", "failed"), ("teardown", "passed")], "failed"),
    ],
)
def test_recorder_gives_each_test_one_outcome(phases, expected):
    recorder = Recorder(Scope.load(SCOPE_TOML), None)
    recorder.nodeids["tests/test_x.py::test_y"] = "test_x.py::test_y"
    recorder.add("test_x.py::test_y")
    for when, outcome in phases:
        recorder.record(report("tests/test_x.py::test_y", when, outcome))
    data = recorder.as_json(0)
    assert data["tests"]["test_x.py::test_y"]["outcome"] == expected
    assert data["files"]["test_x.py"] == {expected: 1}


def test_recorder_counts_an_unreported_test_as_failed():
    recorder = Recorder(Scope.load(SCOPE_TOML), None)
    recorder.add("test_x.py::test_never_ran")
    assert recorder.as_json(2)["tests"]["test_x.py::test_never_ran"]["outcome"] == "failed"


def test_ratchet_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RATCHET", tmp_path / "min_passed.txt")
    run.write_ratchet({"suite": 123, "tutorial": 4, "javascript": 5})
    assert run.read_ratchet() == {"suite": 123, "tutorial": 4, "javascript": 5}
    assert (tmp_path / "min_passed.txt").read_text().startswith("#")
    (tmp_path / "min_passed.txt").write_text("# old format: the suite's count alone\n273\n")
    assert run.read_ratchet() == {"suite": 273, "tutorial": 0, "javascript": 0}


def test_committed_ratchet_names_the_suite_and_each_example():
    minimums = run.read_ratchet()
    assert set(minimums) == {"suite", *run.EXAMPLES}
    assert minimums["suite"] > 0


def judge_result(tests: dict[str, tuple[str, str | None]], **extra) -> dict:
    return {
        "expected_total": len(tests), "stale_entries": [], "collection_errors": {}, "pending_collection_errors": {},
        "tests": {tid: {"outcome": o, "group": g, "message": ""} for tid, (o, g) in tests.items()}, **extra,
    }


def test_judge_fails_a_regression_but_not_a_pending_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "RATCHET", tmp_path / "min_passed.txt")
    run.write_ratchet({"suite": 1, "tutorial": 0, "javascript": 0})
    args = SimpleNamespace(reference=False, pytest_args=[], update_ratchet=False)
    examples = {"tutorial": {"passed": 0, "failed": 0}, "javascript": {"passed": 0, "failed": 0}}
    pending_only = judge_result({"t.py::a": ("passed", None), "t.py::b": ("failed", "cli")})
    assert run.judge(pending_only, {"passed": 1, "failed": 1, "skipped": 0}, examples, args, 1.0) == 0
    regression = judge_result({"t.py::a": ("failed", None), "t.py::b": ("passed", "cli")})
    assert run.judge(regression, {"passed": 1, "failed": 1, "skipped": 0}, examples, args, 1.0) == 1
    out = capsys.readouterr().out
    assert "regressions" in out and "t.py::a" in out
    assert "pending tests pass now" in out and "t.py::b" in out


def test_judge_holds_the_examples_to_their_ratchet(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RATCHET", tmp_path / "min_passed.txt")
    run.write_ratchet({"suite": 0, "tutorial": 3, "javascript": 0})
    args = SimpleNamespace(reference=False, pytest_args=[], update_ratchet=False)
    result = judge_result({"t.py::a": ("passed", None)})
    fewer = {"tutorial": {"passed": 2, "failed": 1}, "javascript": {"passed": 0, "failed": 0}}
    assert run.judge(result, {"passed": 1, "failed": 0, "skipped": 0}, fewer, args, 1.0) == 1
