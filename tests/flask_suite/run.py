#!/usr/bin/env python3
"""Run Flask's own test suite and example apps against wsgi_stack, and hold the pass counts to a ratchet.

    python tests/flask_suite/run.py                    # wsgi_stack; exit 1 on a regression or a count below the ratchet
    python tests/flask_suite/run.py --update-ratchet   # same, then raise min_passed.txt to today's counts
    python tests/flask_suite/run.py --reference        # the same suite and examples against real Flask
    python tests/flask_suite/run.py --failures -- -k session   # after "--": extra pytest arguments (suite only)

What it does, each step cached so that a second run only runs the tests:
1. makes ``.venv-flask-suite`` (runtime requirements + every optional dependency Flask's suite uses; never
   Flask), and stamps it with a hash of those inputs, so it is rebuilt only when they change;
2. downloads Flask's sdist with pip (hash-pinned) into ``.cache/flask_suite`` and unpacks its ``tests/`` and the
   two example apps that have tests (``examples/tutorial``, "flaskr", and ``examples/javascript``);
3. runs the whole suite with pytest and two plugins from ``plugins/``: ``flask_suite_alias`` (``import flask`` is
   wsgi_stack) and ``flask_suite_scope`` (records outcomes beside ``scope.toml``, the list of what is pending,
   each group with the issue that builds it); then each example app's own tests through the same alias;
4. prints passed / failed / skipped per test file, per pending group and per example, and judges: a failing test
   that is not pending is a regression and fails the run, and so does a count below ``min_passed.txt``.

``--reference`` runs step 3 with real Flask from the project venv (``.venv``) instead of the alias, to show that
real Flask passes all of it. Only the standard library is used here; any Python 3.11+ with pip can start it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLUGINS = HERE / "plugins"
INI = HERE / "flask_suite.ini"
RATCHET = HERE / "min_passed.txt"
# Flask's example apps that have tests of their own, run through the same alias.
EXAMPLES = {"tutorial": 24, "javascript": 8}  # folder under examples/ -> how many tests it has
VENV = ROOT / ".venv-flask-suite"
CACHE = ROOT / ".cache" / "flask_suite"
REFERENCE_PYTHON = ROOT / ".venv" / "bin" / "python"

FLASK_VERSION = "3.1.3"
# sha256 of flask-3.1.3.tar.gz on PyPI; pip checks it, so the judge cannot change under us.
FLASK_SDIST_SHA256 = "0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb"
# On top of requirements.txt: the versions the issue measured, and every optional dependency Flask's suite
# uses, so that real Flask passes all of it and our count is out of the same whole (click: the command line;
# blinker: signals; asgiref: async views; python-dotenv: .env loading; greenlet: test_reqctx.py).
SUITE_REQUIREMENTS = (
    "werkzeug==3.1.3", "pytest==8.4.2", "click>=8.1.3", "blinker>=1.9", "asgiref>=3.2",
    "python-dotenv>=1.0", "greenlet>=3.0",
)
OUTCOMES = ("passed", "failed", "skipped")
# This interpreter's pip fetches the sdist and fills the suite venv.
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check")


def log(message: str) -> None:
    print(f"[flask_suite] {message}", flush=True)


def run(cmd: list[str | Path], **kwargs: Any) -> None:
    """Run a setup command, showing it; a failure stops the runner with the command's own output."""
    log(" ".join(map(str, cmd)))
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


@contextlib.contextmanager
def cache_lock() -> Iterator[None]:
    """Serialize setup between concurrent runs (CI jobs, a developer's two terminals)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def venv_inputs_hash() -> str:
    """Everything that decides the venv's contents; a change means a rebuild."""
    digest = hashlib.sha256()
    digest.update((ROOT / "requirements.txt").read_bytes())
    digest.update("\n".join(SUITE_REQUIREMENTS).encode())
    digest.update(f"{sys.version}|{getattr(sys, '_base_executable', sys.executable)}".encode())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """The suite's own venv: the runtime requirements and the test tools, and no Flask.

    It is made without pip of its own (bootstrapping pip took up to 20 s on the shared machine) and filled by this
    interpreter's pip through ``pip --python``.
    """
    python = VENV / "bin" / "python"
    stamp = VENV / "flask-suite.stamp"
    wanted = venv_inputs_hash()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    started = time.monotonic()
    if VENV.exists():
        shutil.rmtree(VENV)
    run([sys.executable, "-m", "venv", "--without-pip", VENV])
    # --no-compile: byte-compiling every installed file (pygments alone is large) took over half the time;
    # Python compiles the few modules the suite imports on first use.
    run(
        [*PIP, "--python", python, "install", "--quiet", "--no-compile",
         "-r", ROOT / "requirements.txt", *SUITE_REQUIREMENTS]
    )
    stamp.write_text(wanted + "\n")
    log(f"venv ready in {time.monotonic() - started:.1f} s: {VENV}")
    return python


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def suite_dir() -> Path:
    return CACHE / f"flask-{FLASK_VERSION}"


# Written last into the unpacked folder; its name changes when what is unpacked changes (v2: the examples too).
COMPLETE = ".complete-v2"


def start_download() -> subprocess.Popen[bytes] | None:
    """Start fetching Flask's sdist with pip, unless it is cached; it can run while the venv is being built."""
    sdist = CACHE / f"flask-{FLASK_VERSION}.tar.gz"
    if (suite_dir() / COMPLETE).exists() or (sdist.exists() and sha256_of(sdist) == FLASK_SDIST_SHA256):
        return None
    pin = CACHE / "flask-sdist-requirement.txt"
    pin.write_text(f"flask=={FLASK_VERSION} --hash=sha256:{FLASK_SDIST_SHA256}\n")
    cmd = [*PIP, "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", pin,
           "-d", CACHE]
    log(" ".join(map(str, cmd)))
    return subprocess.Popen([str(c) for c in cmd])


def ensure_suite(download: subprocess.Popen[bytes] | None) -> Path:
    """Flask's ``tests/`` and example apps from its sdist, unpacked once (after ``download``, if one was needed).

    Returns the unpacked ``flask-<version>`` folder.
    """
    suite = suite_dir()
    if download is not None and download.wait() != 0:
        raise SystemExit(f"downloading Flask {FLASK_VERSION}'s sdist failed (pip exit status {download.returncode})")
    if (suite / COMPLETE).exists():
        return suite
    sdist = CACHE / f"flask-{FLASK_VERSION}.tar.gz"
    if sha256_of(sdist) != FLASK_SDIST_SHA256:
        raise SystemExit(f"{sdist} does not have the pinned sha256 {FLASK_SDIST_SHA256}")
    # Unpack into a scratch folder and rename it into place, so an interrupted run leaves no half-made suite.
    scratch = CACHE / "unpacking"
    shutil.rmtree(scratch, ignore_errors=True)
    top = f"flask-{FLASK_VERSION}/"
    prefixes = (f"{top}tests/", *(f"{top}examples/{name}/" for name in EXAMPLES))
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefixes)]
        archive.extractall(scratch, members=members, filter="data")
    shutil.rmtree(suite, ignore_errors=True)
    (scratch / f"flask-{FLASK_VERSION}").rename(suite)
    scratch.rmdir()
    (suite / COMPLETE).write_text(f"{sdist.name} {FLASK_SDIST_SHA256}\n")
    log(f"unpacked {len(members)} entries of Flask's tests/ and examples into {suite}")
    return suite


def child_env(pythonpath: list[Path]) -> dict[str, str]:
    """The environment of a pytest child: only our plugins, and the given import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    # Only our plugins: the two runs then differ in nothing but the framework under test.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    return env


def run_suite(python: Path, tests: Path, *, reference: bool, report: Path, extra: list[str]) -> int:
    """Run the whole suite in a child process; the scope plugin writes the outcomes to ``report``."""
    plugins = ["-p", "flask_suite_scope"] if reference else ["-p", "flask_suite_alias", "-p", "flask_suite_scope"]
    cmd = [
        str(python), "-m", "pytest", "-c", str(INI), "--rootdir", str(tests.parent),
        "-p", "no:cacheprovider", *plugins, "--flask-suite-report", str(report),
        # A file that fails to import costs its tests, counted by the ratchet; it must not stop the others.
        "--continue-on-collection-errors", "-q", "--tb=line", str(tests), *extra,
    ]
    path = [PLUGINS] if reference else [PLUGINS, ROOT]
    report.unlink(missing_ok=True)
    return subprocess.run(cmd, cwd=tests.parent, env=child_env(path)).returncode


def run_example(python: Path, folder: Path, *, reference: bool) -> dict[str, int]:
    """Run one example app's own tests (with its own pytest settings); passed / failed / skipped from JUnit XML."""
    xml = CACHE / f"example-{folder.name}-{os.getpid()}.xml"
    plugins = [] if reference else ["-p", "flask_suite_alias"]
    cmd = [
        str(python), "-m", "pytest", "-c", str(folder / "pyproject.toml"), "--rootdir", str(folder),
        "-p", "no:cacheprovider", *plugins, f"--junitxml={xml}", "-q", "--tb=line", str(folder / "tests"),
    ]
    path = [folder] if reference else [PLUGINS, ROOT, folder]
    log(f"examples/{folder.name}: {'real Flask' if reference else 'wsgi_stack'}")
    subprocess.run(cmd, cwd=folder, env=child_env(path))
    if not xml.exists():
        return {"passed": 0, "failed": 0, "skipped": 0}
    suites = ElementTree.parse(xml).getroot()
    xml.unlink()
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, 0))
    failed = counts["failures"] + counts["errors"]
    return {"passed": counts["tests"] - failed - counts["skipped"], "failed": failed, "skipped": counts["skipped"]}


def read_ratchet() -> dict[str, int]:
    """The recorded minimum pass counts: ``suite`` and one per example (comment lines start with #)."""
    minimums = {"suite": 0, **dict.fromkeys(EXAMPLES, 0)}
    for line in RATCHET.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, number = line.rpartition(" ")
        minimums[name or "suite"] = int(number)  # a bare number is the suite's (the old format)
    return minimums


def write_ratchet(minimums: dict[str, int]) -> None:
    lines = [
        "# Minimum pass counts that tests/flask_suite/run.py holds wsgi_stack to: Flask's whole suite, and each of",
        "# Flask's example apps' own tests. Raised with --update-ratchet; never lowered.",
        *(f"{name} {count}" for name, count in minimums.items()),
    ]
    RATCHET.write_text("\n".join(lines) + "\n")


def file_rows(result: dict[str, Any]) -> list[tuple[str, dict[str, int], str]]:
    """One row per test file: its counts and a note (pending tests in it, or its collection error)."""
    pending = Counter(tid.split("::", 1)[0] for tid, test in result["tests"].items() if test["group"])
    rows = []
    for name in sorted(set(result["files"]) | set(result["collection_errors"])):
        if name in result["collection_errors"]:
            status = "pending" if name in result["pending_collection_errors"] else "REGRESSION"
            note = f"does not import ({status}): {result['collection_errors'][name]}"
        else:
            note = f"{pending[name]} pending" if name in pending else ""
        rows.append((name, result["files"].get(name, {}), note))
    return rows


def print_table(result: dict[str, Any]) -> dict[str, int]:
    """Per-file and total counts; returns the totals."""
    rows = file_rows(result)
    width = max([len(name) for name, _, _ in rows] + [len("total")])
    print(f"\n{'file':<{width}}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  note")
    totals = dict.fromkeys(OUTCOMES, 0)
    for name, counts, note in rows:
        for outcome in OUTCOMES:
            totals[outcome] += counts.get(outcome, 0)
        print(f"{name:<{width}}  {counts.get('passed', 0):>6}  {counts.get('failed', 0):>6}  "
              f"{counts.get('skipped', 0):>7}  {note}".rstrip())
    print(f"{'total':<{width}}  {totals['passed']:>6}  {totals['failed']:>6}  {totals['skipped']:>7}")
    return totals


def markdown_table(result: dict[str, Any]) -> str:
    """The per-file table as Markdown, for docs/FLASK_PARITY.md."""
    lines = ["| file | passed | failed | skipped | note |", "|---|---:|---:|---:|---|"]
    totals = dict.fromkeys(OUTCOMES, 0)
    for name, counts, note in file_rows(result):
        for outcome in OUTCOMES:
            totals[outcome] += counts.get(outcome, 0)
        lines.append(f"| {name} | {counts.get('passed', 0)} | {counts.get('failed', 0)} | "
                     f"{counts.get('skipped', 0)} | {note} |")
    lines.append(f"| **total** | **{totals['passed']}** | **{totals['failed']}** | **{totals['skipped']}** | |")
    return "\n".join(lines)


def group_outcomes(result: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per pending group: how many of its collected tests passed and failed."""
    groups = {name: {"passed": 0, "failed": 0, "skipped": 0} for name in result["groups"]}
    for test in result["tests"].values():
        if test["group"]:
            groups[test["group"]][test["outcome"]] += 1
    return groups


def print_groups(result: dict[str, Any]) -> None:
    """The pending groups, with the issue that builds each and how many of their tests pass already."""
    groups = group_outcomes(result)
    if not groups:
        return
    print("\npending (scope.toml)")
    for name, counts in groups.items():
        issue = result["groups"][name]["issue"]
        missing = [f for f, g in result["pending_collection_errors"].items() if g == name]
        extra = f"; does not import: {', '.join(missing)}" if missing else ""
        print(f"  issue {issue:>3}  {name}: {counts['passed']} pass now, {counts['failed']} fail{extra}")


def judge(result: dict[str, Any], totals: dict[str, int], examples: dict[str, dict[str, int]],
          args: argparse.Namespace, seconds: float) -> int:
    """Print the verdict on a run and apply the ratchet; the exit status."""
    target = f"real Flask {FLASK_VERSION}" if args.reference else "wsgi_stack"
    full_run = not args.pytest_args
    total = result["expected_total"] if full_run else len(result["tests"])
    share = 100 * totals["passed"] / total if total else 0.0
    print(f"\n{target}: Flask's suite {totals['passed']} of {total} passed ({share:.1f}%), "
          f"{totals['failed']} failed, {totals['skipped']} skipped; {seconds:.1f} s")
    for name, counts in examples.items():
        print(f"{target}: examples/{name} {counts['passed']} of {EXAMPLES[name]} passed, {counts['failed']} failed")

    fatal, notes = [], []
    if full_run and result["stale_entries"]:
        fatal.append(f"scope.toml entries that match no test: {result['stale_entries']}")
    if full_run and not result["collection_errors"] and len(result["tests"]) != result["expected_total"]:
        fatal.append(f"{len(result['tests'])} tests collected, scope.toml expects {result['expected_total']}")
    failed = [tid for tid, test in result["tests"].items() if test["outcome"] == "failed"]
    if args.reference:
        if result["collection_errors"]:
            fatal.append(f"files that failed to collect: {sorted(result['collection_errors'])}")
        if failed:
            fatal.append(f"real Flask fails {len(failed)} tests: {failed[:5]}")
        fatal += [f"real Flask fails examples/{n}" for n, c in examples.items() if c["passed"] != EXAMPLES[n]]
        for problem in fatal:
            log("FAIL: " + problem)
        return 1 if fatal else 0

    regressions = [tid for tid in failed if result["tests"][tid]["group"] is None]
    regressions += [f"{f} (does not import)" for f in result["collection_errors"]
                    if f not in result["pending_collection_errors"]]
    if regressions:
        fatal.append(f"{len(regressions)} tests fail that are not pending (regressions): {regressions}")
    now_pass = [tid for tid, test in result["tests"].items() if test["group"] and test["outcome"] == "passed"]
    if now_pass:
        notes.append(f"{len(now_pass)} pending tests pass now; take their entries out of scope.toml: "
                     f"{now_pass[:10]}{' ...' if len(now_pass) > 10 else ''}")
    if full_run:
        minimums = read_ratchet()
        counts = {"suite": totals["passed"], **{n: c["passed"] for n, c in examples.items()}}
        below = [f"{n}: {counts[n]} passed, minimum {minimums[n]}" for n in counts if counts[n] < minimums[n]]
        if below:
            fatal.append(f"RATCHET ({RATCHET.name}): {'; '.join(below)}")
        elif args.update_ratchet and any(counts[n] > minimums[n] for n in counts):
            write_ratchet(counts)
            log(f"ratchet raised from {minimums} to {counts}")
        else:
            log(f"ratchet: {counts}, minimums {minimums}: ok")
    for problem in notes:
        log("NOTE: " + problem)
    for problem in fatal:
        log("FAIL: " + problem)
    return 1 if fatal else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", action="store_true", help="run against real Flask from .venv instead")
    parser.add_argument("--reference-python", type=Path, default=REFERENCE_PYTHON,
                        help="interpreter with Flask installed, for --reference (default: %(default)s)")
    parser.add_argument("--update-ratchet", action="store_true", help="raise min_passed.txt to today's passes")
    parser.add_argument("--failures", action="store_true", help="list each failing test with its error line")
    parser.add_argument("--markdown", action="store_true", help="also print the per-file table as Markdown")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments for the suite, after --")
    args = parser.parse_args(argv)

    started = time.monotonic()
    with cache_lock():
        download = start_download()
        python = args.reference_python if args.reference else ensure_venv()
        unpacked = ensure_suite(download)
    report = CACHE / f"report-{os.getpid()}.json"  # per process: two runs at once must not read each other's
    status = run_suite(python, unpacked / "tests", reference=args.reference, report=report, extra=args.pytest_args)
    if status not in (0, 1) or not report.exists():
        log(f"pytest did not run the suite through (exit status {status}); see its output above")
        return 2
    result = json.loads(report.read_text())
    os.replace(report, CACHE / f"last-{'reference' if args.reference else 'run'}.json")  # kept for a look
    # The example apps only in a whole run: with "-- -k ..." the point is a quick look at some suite tests.
    examples = {} if args.pytest_args else {
        name: run_example(python, unpacked / "examples" / name, reference=args.reference) for name in EXAMPLES
    }

    totals = print_table(result)
    print_groups(result)
    if args.markdown:
        print("\n" + markdown_table(result))
    if args.failures:
        print()
        for tid, test in result["tests"].items():
            if test["outcome"] == "failed":
                print(f"FAILED {tid}{' (pending)' if test['group'] else ''}: {test['message']}")
    return judge(result, totals, examples, args, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
