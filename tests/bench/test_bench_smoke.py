"""Smoke tests for bench/: the benchmarks still run, and they compare like with like.

No timing is asserted anywhere here (the figures belong in docs/PERFORMANCE.md). What is
asserted: every framework gives the same answer to every scenario, so the benchmark times
the same work; each benchmark command exits 0 and prints its table in its quick form.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.apps import FRAMEWORKS, SignedCookie, build_app
from bench.e2e import parse_wrk, wrk_script
from bench.framework import Cell, check_equivalence, make_cell
from bench.scenarios import SCENARIOS, base_environ, call, select

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def table_rows(output: str) -> list[list[str]]:
    """The cells of every markdown table row in ``output``."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def answers(scenario_name: str) -> dict[str, tuple[str, str | None, bytes]]:
    """Each framework's answer to the scenario (a session scenario answers its second call)."""
    scenario = SCENARIOS[scenario_name]
    result = {}
    for framework in FRAMEWORKS:
        cell = make_cell(framework, scenario)
        answer = call(cell.app, cell.environ, scenario.body)
        result[framework] = (answer.status, answer.header("Content-Type"), answer.body)
    return result


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_framework_answers_the_scenario_alike(name: str) -> None:
    got = answers(name)
    assert got["wsgi_stack"] == got["flask"]
    assert got["werkzeug"] == got["flask"]
    assert got["flask"][0] == "200 OK"


def test_answers_are_the_scenarios_own() -> None:
    # Guards against all frameworks agreeing on a wrong answer (say, all 404).
    assert answers("S1")["flask"][2] == b"Hello, World!"
    assert answers("S2")["flask"][2] == b"Post 42 by alice"
    page = answers("S3")["flask"][2].decode()
    assert page.count("<li ") == 30 and "Item 5 &lt;5&gt; &amp; co" in page
    assert answers("S4")["flask"][2] == b"count=2"
    assert answers("S5")["flask"][2].startswith(b'{"count":3,"reply_to":null,')


def test_equivalence_check_passes_with_malformed_requests_and_foreign_cookies() -> None:
    cells = {(fw, s.name): make_cell(fw, s) for s in select(None) for fw in FRAMEWORKS}
    assert check_equivalence(cells, FRAMEWORKS) == []


def test_equivalence_check_catches_a_framework_that_answers_differently() -> None:
    scenario = SCENARIOS["S1"]
    cells = {(fw, "S1"): make_cell(fw, scenario) for fw in ("flask", "werkzeug")}
    honest = cells["werkzeug", "S1"].app

    def shouting(environ, start_response):  # type: ignore[no-untyped-def]
        return [b"".join(honest(environ, start_response)).upper()]

    cells["werkzeug", "S1"] = Cell("werkzeug", scenario, shouting, cells["werkzeug", "S1"].environ)
    problems = check_equivalence(cells, ["flask", "werkzeug"])
    assert len(problems) == 1 and "S1 answers differ" in problems[0]


def test_wsgi_stack_and_flask_read_each_others_session_cookie() -> None:
    scenario = SCENARIOS["S4"]
    apps = {fw: build_app(fw, ["S4"]) for fw in ("flask", "wsgi_stack")}
    for issuer, reader in (("flask", "wsgi_stack"), ("wsgi_stack", "flask")):
        cookie = call(apps[issuer], base_environ(scenario)).cookie()
        assert cookie
        assert call(apps[reader], base_environ(scenario, cookie)).body == b"count=2"


def test_hand_made_session_rejects_forged_and_malformed_cookies() -> None:
    signer = SignedCookie("secret")
    value = signer.dumps({"count": 7})
    assert signer.loads(value) == {"count": 7}
    assert SignedCookie("other secret").loads(value) == {}
    payload, _, mac = value.rpartition(".")
    assert signer.loads(payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + mac) == {}
    for junk in ("", ".", "no-dot", "\u00e9.\u00e9", value + "x"):
        assert signer.loads(junk) == {}


def test_scenario_selection_names_unknown_scenarios() -> None:
    assert [s.name for s in select("s3, S1")] == ["S3", "S1"]
    with pytest.raises(ValueError, match="S9"):
        select("S1,S9")
    result = run_module("bench.framework", "--only", "S9")
    assert result.returncode == 2 and "unknown scenario(s) S9" in result.stderr


def test_framework_benchmark_quick_prints_every_table() -> None:
    result = run_module("bench.framework", "--quick")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    time_header = next(r for r in rows if r[0] == "scenario" and "flask µs" in r)
    assert time_header[1:4] == ["wsgi_stack µs", "flask µs", "werkzeug µs"]
    timed = [r for r in rows if re.match(r"S\d (GET|POST) ", r[0])]
    assert [r[0].split()[0] for r in timed] == list(SCENARIOS)
    for row in timed:
        assert all(re.fullmatch(r"[\d.]+ ±\d+%", cell) for cell in row[1:4]), row
    calls = [r for r in rows if re.fullmatch(r"S\d", r[0])]
    assert len(calls) == len(SCENARIOS) and all(float(c) > 0 for r in calls for c in r[1:])
    imported = {r[0] for r in rows if r[0] in FRAMEWORKS}
    assert imported == set(FRAMEWORKS)
    assert "### Issue 18 targets" in result.stdout


def test_framework_profile_of_one_cell() -> None:
    result = run_module(
        "bench.framework",
        "--profile",
        "S4",
        "--framework",
        "wsgi_stack",
        "--requests",
        "50",
        "--top",
        "5",
    )
    assert result.returncode == 0, result.stderr
    assert "top 5 by cumulative time" in result.stdout and "top 5 by own time" in result.stdout
    assert len([r for r in table_rows(result.stdout) if r[0] != "calls"]) == 10


def test_wrk_report_is_parsed() -> None:
    output = """Running 1s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    1.20ms  20.00ms   90.00%
    Req/Sec     2.50k   100.00     2.70k    80.00%
  Latency Distribution
     50%  812.00us
     75%    3.50ms
     90%    4.80ms
     99%    1.02s
  5012 requests in 1.00s, 800.00KB read
  Socket errors: connect 0, read 3, write 0, timeout 1
  Non-2xx or 3xx responses: 2
Requests/sec:   5001.23
Transfer/sec:    798.00KB
"""
    result = parse_wrk(output)
    assert result.requests_per_second == pytest.approx(5001.23)
    assert result.p50_ms == pytest.approx(0.812) and result.p99_ms == pytest.approx(1020)
    assert (result.requests, result.non_2xx, result.socket_errors) == (5012, 2, 4)
    with pytest.raises(ValueError):
        parse_wrk("wrk: connection refused")


def test_wrk_script_sends_the_scenarios_request() -> None:
    script = wrk_script(SCENARIOS["S5"], cookie="abc.def")
    assert "wrk.method = [=[POST]=]" in script
    assert f"wrk.body = [=[{SCENARIOS['S5'].body.decode()}]=]" in script
    # The cookie holds "=", so its long bracket must be a level deeper than any run of "=" in it.
    assert 'wrk.headers["Cookie"] = [==[session=abc.def]==]' in script


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed (apt-get install -y {tool})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_e2e_quick_serves_every_framework_under_gunicorn() -> None:
    _require("wrk")
    # S4: wrk must carry each framework's own session cookie, and the answers must agree.
    result = run_module("bench.e2e", "--quick", "--only", "S4")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [r for r in table_rows(result.stdout) if r[0] == "S4"]
    assert [r[1] for r in rows] == list(FRAMEWORKS)
    for row in rows:
        assert float(row[2].replace(",", "")) > 0 and row[7] == "0", row  # req/s, non-2xx


def test_memory_quick_reads_each_workers_size() -> None:
    result = run_module("bench.memory", "--warmup", "20", "--checkpoints", "100,300")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [r for r in table_rows(result.stdout) if r[0].endswith("(S1..S5)")]
    assert [r[0].split()[0] for r in rows] == list(FRAMEWORKS)
    for row in rows:
        assert all(re.fullmatch(r"[\d.]+ MiB", cell) for cell in row[1:4]), row


def test_timelines_quick_agrees_with_minitwit_and_prints_each_timeline() -> None:
    # The benchmark itself stops with an AssertionError if twitapp's page and MiniTwit's
    # differ on the same data; exit 0 means they agreed at every size.
    result = run_module("bench.timelines", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [r for r in table_rows(result.stdout) if r[0] in ("public", "user", "home")]
    assert [(r[0], r[1]) for r in rows] == [
        (what, size) for what in ("public", "user", "home") for size in ("500", "2,000")
    ]
    for row in rows:
        assert all(re.fullmatch(r"[\d.]+ / [\d.]+", cell) for cell in row[2:6]), row


def test_opcode_counts_are_deterministic_and_rank_frameworks():
    from bench.opcodes import count_opcodes

    first = sum(count_opcodes("S1", "wsgi_stack", 20).values())
    assert sum(count_opcodes("S1", "wsgi_stack", 20).values()) == first
    assert sum(count_opcodes("S1", "flask", 20).values()) > first
