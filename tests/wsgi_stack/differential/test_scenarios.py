"""Every registered scenario, run on Flask and on the candidate, compared field by field.

A failure's test id names the scenario and its message names each field that differs, with
the reference (Flask) value and the candidate's value.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from .kit import Scenario, all_scenarios, candidate_name, differential

SCENARIOS = all_scenarios()


def _param(scenario: Scenario) -> object:
    # An intended difference is only expected of the candidate, never of Flask against itself.
    expect_difference = scenario.xfail and candidate_name() != "flask"
    marks = [pytest.mark.xfail(reason=scenario.xfail, strict=True)] if expect_difference else []
    return pytest.param(scenario, id=f"{scenario.group}:{scenario.name}", marks=marks)


@pytest.mark.parametrize("scenario", [_param(s) for s in SCENARIOS])
def test_same_as_flask(
    scenario: Scenario, reference: ModuleType, candidate: ModuleType, tmp_path: Path
) -> None:
    differences = differential(scenario, reference, candidate, tmp_path)
    assert not differences, f"{scenario.name}: {len(differences)} field(s) differ\n" + "\n".join(
        str(d) for d in differences
    )
