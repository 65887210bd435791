"""docs/TOUR.md stays true: every breakpoint it names is a real function in the file it names,
every example is in it, and every section has its Korean heading beside the English one."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOUR = (ROOT / "docs" / "TOUR.md").read_text(encoding="utf-8")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def breakpoints() -> list[tuple[str, str]]:
    """(file, dotted name) for each name on a ``- `wsgi_stack/x.py`: `Name.attr`, ...`` line."""
    found = []
    for line in TOUR.splitlines():
        match = re.match(r"- `(wsgi_stack/[\w/]+\.py)`: (.*)$", line)
        if match:
            for name in re.findall(r"`([\w.]+)`", re.sub(r"\(.*?\)", "", match.group(2))):
                found.append((match.group(1), name))
    return found


def source_file(obj: object) -> str:
    if isinstance(obj, property):
        obj = obj.fget
    obj = getattr(obj, "func", obj)  # functools.cached_property
    return inspect.getsourcefile(inspect.unwrap(obj))  # type: ignore[arg-type]


def test_every_breakpoint_is_a_real_function_in_the_file_named() -> None:
    names = breakpoints()
    assert len(names) > 40
    wrong = []
    for file, dotted in names:
        module = importlib.import_module(file[:-3].replace("/", "."))
        obj: object = module
        for part in dotted.split("."):
            obj = inspect.getattr_static(obj, part, None) if isinstance(obj, type) else getattr(obj, part, None)
            if obj is None:
                break
        if obj is None:
            wrong.append(f"{file}: {dotted} does not exist")
        elif not source_file(obj).endswith(file):
            wrong.append(f"{file}: {dotted} is defined in {source_file(obj)}")
    assert not wrong, "docs/TOUR.md names breakpoints that moved:\n" + "\n".join(wrong)


def test_every_example_is_in_the_tour_with_a_compare_command() -> None:
    for example in sorted((ROOT / "examples").glob("[a-z]*.py")):
        assert f"(../examples/{example.name})" in TOUR, example.name
        assert f"compare --app examples/{example.name} --trace" in TOUR, example.name


def test_every_section_has_a_korean_and_an_english_heading() -> None:
    headings = re.findall(r"^#+ (?:\d+\. )?(.*)$", TOUR, flags=re.MULTILINE)
    assert len(headings) >= 18  # the title, how to use it, 16 sections and before_first_request
    for heading in headings:
        assert HANGUL.search(heading) and re.search(r"\([A-Za-z][^)]*\)", heading), heading
