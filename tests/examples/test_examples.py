"""Every example, run by ``compare`` on Flask and on wsgi_stack with its script of requests.

``scripts/NAME.txt`` holds the requests for ``examples/NAME.py``, one per line, each followed by a
``#> STATUS [TEXT]`` line: the status the answer must have and a piece of text it must contain
(in its headers, cookies, body or printed output, as compare shows them: masked); ``#> + TEXT``
lines after it add more texts. So each script
checks both that the two frameworks agree and that the example really shows what it is about.

``before_first_request.py`` is the one documented difference: Flask removed the decorator in 2.3,
so on Flask 3.1 the file does not import; its wsgi_stack answers are checked against the behaviour
Flask 2.2 documented (run once, in order, before the first request's hooks, even for a 404).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from wsgi_stack.compare import Request, load_script, report, run_sides, sections

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCRIPTS = Path(__file__).parent / "scripts"
DOCUMENTED_DIFFERENCE = "before_first_request"
NAMES = sorted(path.stem for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))


def expectations(script: Path) -> list[tuple[int, list[str]]]:
    """For each request of a script, in order: the status of its ``#> STATUS TEXT`` line and the
    texts of it and of any ``#> + TEXT`` lines after it (more things the answer must contain)."""
    expected: list[tuple[int, list[str]]] = []
    for line in script.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        first = re.match(r"#>\s*(\d{3})\s?(.*)$", line)
        more = re.match(r"#>\s*\+\s?(.*)$", line)
        if first:
            expected.append((int(first.group(1)), [first.group(2).strip()]))
        elif more:
            expected[-1][1].append(more.group(1).strip())
    return expected


def check_answers(name: str, responses: list[dict]) -> None:
    script = SCRIPTS / f"{name}.txt"
    expected = expectations(script)
    requests = load_script(str(script))
    assert len(expected) == len(requests), f"{script.name}: one '#> STATUS' line per request"
    for number, ((status, texts), request, entry) in enumerate(zip(expected, requests, responses), 1):
        shown = "\n".join(line for lines in sections(entry).values() for line in lines)
        assert entry.get("status", "").startswith(f"{status} "), f"{name} #{number} {request.label}:\n{shown}"
        for text in texts:
            assert text in shown, f"{name} #{number} {request.label}: {text!r} not in\n{shown}"


def test_every_example_has_a_script_and_every_script_an_example() -> None:
    assert NAMES, "no examples found"
    assert sorted(path.stem for path in SCRIPTS.glob("*.txt")) == NAMES


@pytest.fixture(scope="module")
def compared(request: pytest.FixtureRequest) -> dict[str, tuple[list[Request], dict]]:
    """The selected examples compared once each, a few at a time: an example spends most of its
    time waiting for its two processes to start, so running several side by side saves time."""
    selected = set()
    for item in request.session.items:
        if item.module is request.module and hasattr(item, "callspec"):
            selected.add(item.callspec.params["name"])
        elif item.module is request.module and item.name.startswith("test_before_first_request"):
            selected.add(DOCUMENTED_DIFFERENCE)

    def run(name: str) -> tuple[list[Request], dict]:
        requests = load_script(str(SCRIPTS / f"{name}.txt"))
        return requests, run_sides(EXAMPLES / f"{name}.py", "", requests, timeout=120)

    names = sorted(selected)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(names, pool.map(run, names)))


@pytest.mark.parametrize("name", [name for name in NAMES if name != DOCUMENTED_DIFFERENCE])
def test_example_is_identical_on_flask_and_wsgi_stack(name: str, compared: dict) -> None:
    requests, results = compared[name]
    lines, status = report(f"examples/{name}.py", requests, results, width=160)
    assert status == 0, "\n".join(lines)
    assert results["flask"]["version"] == "3.1.3"
    check_answers(name, results["wsgi_stack"]["responses"])


def test_before_first_request_is_the_documented_difference(compared: dict) -> None:
    name = DOCUMENTED_DIFFERENCE
    requests, results = compared[name]
    lines, status = report(f"examples/{name}.py", requests, results, width=160)
    text = "\n".join(lines)
    # Flask 3.1 has no before_first_request, and compare says so, pointing at the documentation.
    assert status == 1
    assert results["flask"]["error"]["kind"] == "import"
    assert "'Flask' object has no attribute 'before_first_request'" in text
    assert "Flask removed before_first_request in 2.3" in text
    # wsgi_stack behaves as Flask 2.2 documented it.
    responses = results["wsgi_stack"]["responses"]
    check_answers(name, responses)
    printed = [entry["output"].splitlines() for entry in responses]
    assert printed[0] == ["before_first_request 1: open resources", "before_first_request 2: warm the cache",
                          "before_request"]
    assert printed[1] == printed[2] == ["before_request"]
