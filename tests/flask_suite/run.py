#!/usr/bin/env python3
"""Run Flask's own test suite against wsgi_stack (issue 4), and hold the pass count to a ratchet.

    python tests/flask_suite/run.py                    # wsgi_stack; exit 1 if passes fall below min_passed.txt
    python tests/flask_suite/run.py --update-ratchet   # same, then raise min_passed.txt to today's count
    python tests/flask_suite/run.py --reference        # the same selection against real Flask
    python tests/flask_suite/run.py --out-of-scope     # only the single out-of-scope tests, per group
    python tests/flask_suite/run.py --failures -- -k session   # after "--": extra pytest arguments

What it does, each step cached so that a second run only runs the tests:
1. makes ``.venv-flask-suite`` (runtime requirements + what Flask's in-scope tests import; never Flask), and
   stamps it with a hash of those inputs, so it is rebuilt only when they change;
2. downloads Flask's sdist with pip (hash-pinned) into ``.cache/flask_suite`` and unpacks its ``tests/``;
3. runs them with pytest and two plugins from ``plugins/``: ``flask_suite_alias`` (``import flask`` is
   wsgi_stack) and ``flask_suite_scope`` (leaves out what ``scope.toml`` lists, and records outcomes);
4. prints passed / failed / skipped per test file and in total, and checks the ratchet.

``--reference`` runs step 3 with real Flask from the project venv (``.venv``) instead of the alias, to show that
everything left in scope passes on Flask itself. Only the standard library is used here; any Python 3.11+ with
pip can start it (pip fetches the sdist and fills the suite venv).
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLUGINS = HERE / "plugins"
INI = HERE / "flask_suite.ini"
RATCHET = HERE / "min_passed.txt"
VENV = ROOT / ".venv-flask-suite"
CACHE = ROOT / ".cache" / "flask_suite"
REFERENCE_PYTHON = ROOT / ".venv" / "bin" / "python"

FLASK_VERSION = "3.1.3"
# sha256 of flask-3.1.3.tar.gz on PyPI; pip checks it, so the judge cannot change under us.
FLASK_SDIST_SHA256 = "0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb"
# On top of requirements.txt: the versions the issue measured, and what in-scope test files import
# (click: test_testing.py at module level; greenlet: test_reqctx.py's context-copying tests).
SUITE_REQUIREMENTS = ("werkzeug==3.1.3", "pytest==8.4.2", "click>=8.1.3", "greenlet>=3.0")
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


def start_download() -> subprocess.Popen[bytes] | None:
    """Start fetching Flask's sdist with pip, unless it is cached; it can run while the venv is being built."""
    sdist = CACHE / f"flask-{FLASK_VERSION}.tar.gz"
    if (suite_dir() / ".complete").exists() or (sdist.exists() and sha256_of(sdist) == FLASK_SDIST_SHA256):
        return None
    pin = CACHE / "flask-sdist-requirement.txt"
    pin.write_text(f"flask=={FLASK_VERSION} --hash=sha256:{FLASK_SDIST_SHA256}\n")
    cmd = [*PIP, "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", pin,
           "-d", CACHE]
    log(" ".join(map(str, cmd)))
    return subprocess.Popen([str(c) for c in cmd])


def ensure_suite(download: subprocess.Popen[bytes] | None) -> Path:
    """Flask's ``tests/`` folder from its sdist, unpacked once (after ``download``, if one was needed)."""
    suite = suite_dir()
    if download is not None and download.wait() != 0:
        raise SystemExit(f"downloading Flask {FLASK_VERSION}'s sdist failed (pip exit status {download.returncode})")
    if (suite / ".complete").exists():
        return suite / "tests"
    sdist = CACHE / f"flask-{FLASK_VERSION}.tar.gz"
    if sha256_of(sdist) != FLASK_SDIST_SHA256:
        raise SystemExit(f"{sdist} does not have the pinned sha256 {FLASK_SDIST_SHA256}")
    # Unpack into a scratch folder and rename it into place, so an interrupted run leaves no half-made suite.
    scratch = CACHE / "unpacking"
    shutil.rmtree(scratch, ignore_errors=True)
    prefix = f"flask-{FLASK_VERSION}/tests/"
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
        archive.extractall(scratch, members=members, filter="data")
    shutil.rmtree(suite, ignore_errors=True)
    (scratch / f"flask-{FLASK_VERSION}").rename(suite)
    scratch.rmdir()
    (suite / ".complete").write_text(f"{sdist.name} {FLASK_SDIST_SHA256}\n")
    log(f"unpacked {len(members)} entries of Flask's tests/ into {suite}")
    return suite / "tests"


def run_pytest(python: Path, tests: Path, *, reference: bool, report: Path, extra: list[str]) -> int:
    """Run the suite in a child process; the scope plugin writes the outcomes to ``report``."""
    plugins = ["-p", "flask_suite_scope"] if reference else ["-p", "flask_suite_alias", "-p", "flask_suite_scope"]
    cmd = [
        str(python), "-m", "pytest", "-c", str(INI), "--rootdir", str(tests.parent),
        "-p", "no:cacheprovider", *plugins, "--flask-suite-report", str(report),
        # A file that fails to import costs its tests, counted by the ratchet; it must not stop the others.
        "--continue-on-collection-errors", "-q", "--tb=line", str(tests), *extra,
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    # Only our plugins: the two runs then differ in nothing but the framework under test.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    path = [str(PLUGINS)] if reference else [str(PLUGINS), str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join(path)
    report.unlink(missing_ok=True)
    return subprocess.run(cmd, cwd=tests.parent, env=env).returncode


def read_ratchet() -> int:
    """The recorded minimum number of in-scope passes (comment lines start with #)."""
    lines = [line.strip() for line in RATCHET.read_text().splitlines()]
    return int(next(line for line in lines if line and not line.startswith("#")))


def write_ratchet(passed: int) -> None:
    RATCHET.write_text(
        "# Minimum number of Flask-suite tests wsgi_stack must pass (tests/flask_suite/run.py).\n"
        "# Raised with --update-ratchet; never lowered.\n"
        f"{passed}\n"
    )


def print_table(result: dict[str, Any]) -> dict[str, int]:
    """Per-file and total counts; returns the totals."""
    files: dict[str, dict[str, int]] = result["files"]
    names = sorted(set(files) | set(result["ignored_files"]) | set(result["collection_errors"]))
    width = max([len(n) for n in names] + [len("total")])
    print(f"\n{'file':<{width}}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  out of scope")
    totals = dict.fromkeys(OUTCOMES, 0)
    for name in names:
        if name in result["ignored_files"]:
            print(f"{name:<{width}}  {'-':>6}  {'-':>6}  {'-':>7}  whole file ({result['ignored_files'][name]})")
            continue
        counts = files.get(name, {})
        for outcome in OUTCOMES:
            totals[outcome] += counts.get(outcome, 0)
        excluded = counts.get("excluded", 0)
        note = "COLLECTION ERROR: " + result["collection_errors"][name] if name in result["collection_errors"] else ""
        print(
            f"{name:<{width}}  {counts.get('passed', 0):>6}  {counts.get('failed', 0):>6}  "
            f"{counts.get('skipped', 0):>7}  {excluded or '':>5} {note}".rstrip()
        )
    print(f"{'total':<{width}}  {totals['passed']:>6}  {totals['failed']:>6}  {totals['skipped']:>7}  "
          f"{len(result['deselected']):>5}")
    return totals


def markdown_table(result: dict[str, Any]) -> str:
    """The per-file table as Markdown, for docs/FLASK_PARITY.md."""
    rows = ["| file | passed | failed | skipped | out of scope |", "|---|---:|---:|---:|---|"]
    totals = dict.fromkeys((*OUTCOMES, "excluded"), 0)
    names = sorted(set(result["files"]) | set(result["ignored_files"]) | set(result["collection_errors"]))
    for name in names:
        if name in result["ignored_files"]:
            rows.append(f"| {name} | | | | whole file ({result['ignored_files'][name]}) |")
            continue
        counts = result["files"].get(name, {})
        for key in totals:
            totals[key] += counts.get(key, 0)
        n = counts.get("excluded", 0)
        excluded = f"{n} test{'' if n == 1 else 's'}" if n else ""
        if name in result["collection_errors"]:
            excluded += f" collection error: {result['collection_errors'][name]}"
        rows.append(f"| {name} | {counts.get('passed', 0)} | {counts.get('failed', 0)} | "
                    f"{counts.get('skipped', 0)} | {excluded.strip()} |")
    rows.append(f"| **total** | **{totals['passed']}** | **{totals['failed']}** | **{totals['skipped']}** | "
                f"{totals['excluded']} tests, {len(result['ignored_files'])} files |")
    return "\n".join(rows)


def print_groups(result: dict[str, Any]) -> None:
    """Outcomes of the out-of-scope tests per group (for ``--out-of-scope``)."""
    groups: dict[str, dict[str, int]] = {}
    for test in result["tests"].values():
        counts = groups.setdefault(test["group"], dict.fromkeys(OUTCOMES, 0))
        counts[test["outcome"]] += 1
    width = max([len(g) for g in groups] + [len("group")])
    print(f"\n{'group':<{width}}  {'passed':>6}  {'failed':>6}  {'skipped':>7}")
    for name, counts in sorted(groups.items()):
        print(f"{name:<{width}}  {counts['passed']:>6}  {counts['failed']:>6}  {counts['skipped']:>7}")
    files = ", ".join(f"{f} ({g})" for f, g in result["ignored_files"].items())
    print(f"not run (whole files, they import what is not built): {files}")


def judge(result: dict[str, Any], totals: dict[str, int], args: argparse.Namespace, seconds: float) -> int:
    """Print the verdict on an in-scope run and apply the ratchet; the exit status."""
    target = f"real Flask {FLASK_VERSION}" if args.reference else "wsgi_stack"
    full_run = not args.pytest_args
    in_scope = result["expected_in_scope"] if full_run else len(result["tests"])
    share = 100 * totals["passed"] / in_scope if in_scope else 0.0
    print(f"\n{target}: {totals['passed']} of {in_scope} in-scope tests passed ({share:.1f}%), "
          f"{totals['failed']} failed, {totals['skipped']} skipped; {len(result['deselected'])} tests and "
          f"{len(result['ignored_files'])} files out of scope; {seconds:.1f} s")

    fatal, notes = [], []
    if full_run and result["stale_entries"]:
        fatal.append(f"scope.toml entries that match no test: {result['stale_entries']}")
    if result["collection_errors"]:
        # Against wsgi_stack this is not fatal by itself: the ratchet counts what the missing tests cost.
        (fatal if args.reference else notes).append(
            f"files that failed to collect: {sorted(result['collection_errors'])}"
        )
    elif full_run and len(result["tests"]) != result["expected_in_scope"]:
        fatal.append(f"{len(result['tests'])} in-scope tests collected, scope.toml expects "
                     f"{result['expected_in_scope']}")
    if args.reference:
        if totals["failed"]:
            fatal.append(f"real Flask fails {totals['failed']} in-scope tests: the scope list is wrong")
    elif full_run:
        minimum = read_ratchet()
        if totals["passed"] < minimum:
            fatal.append(f"RATCHET: {totals['passed']} passed, below the recorded minimum {minimum} "
                         f"({RATCHET.relative_to(ROOT)})")
        elif args.update_ratchet and totals["passed"] > minimum:
            write_ratchet(totals["passed"])
            log(f"ratchet raised from {minimum} to {totals['passed']}")
        else:
            log(f"ratchet: {totals['passed']} passed, minimum {minimum}: ok")
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
    parser.add_argument("--out-of-scope", action="store_true",
                        help="run the single out-of-scope tests instead, per group (no ratchet)")
    parser.add_argument("--failures", action="store_true", help="list each failing test with its error line")
    parser.add_argument("--markdown", action="store_true", help="also print the per-file table as Markdown")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = parser.parse_args(argv)

    started = time.monotonic()
    with cache_lock():
        download = start_download()
        python = args.reference_python if args.reference else ensure_venv()
        tests = ensure_suite(download)
    name = f"last-{'reference' if args.reference else 'run'}{'-out-of-scope' if args.out_of_scope else ''}.json"
    report = CACHE / f"report-{os.getpid()}.json"  # per process: two runs at once must not read each other's
    extra = ["--flask-suite-out-of-scope", *args.pytest_args] if args.out_of_scope else args.pytest_args
    status = run_pytest(python, tests, reference=args.reference, report=report, extra=extra)
    if status not in (0, 1) or not report.exists():
        log(f"pytest did not run the suite through (exit status {status}); see its output above")
        return 2

    result = json.loads(report.read_text())
    os.replace(report, CACHE / name)  # kept for a look afterwards
    if args.out_of_scope:
        print_groups(result)
    else:
        totals = print_table(result)
        if args.markdown:
            print("\n" + markdown_table(result))
    if args.failures:
        print()
        for tid, test in result["tests"].items():
            if test["outcome"] == "failed":
                print(f"FAILED {tid}: {test['message']}")
    if args.out_of_scope:
        return 0
    return judge(result, totals, args, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
