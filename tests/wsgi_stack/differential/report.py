"""List every differential scenario with its result, and show what each framework answered.

    python -m tests.wsgi_stack.differential.report                 # one line per scenario
    python -m tests.wsgi_stack.differential.report -v              # plus each difference
    python -m tests.wsgi_stack.differential.report --only sessions # only the matching scenarios
    python -m tests.wsgi_stack.differential.report --show slash    # Flask's observations for matches
    DIFF_CANDIDATE=flask python -m tests.wsgi_stack.differential.report   # the kit against itself

The exit status is 1 when any scenario differs in a way it is not marked to (xfail), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import pprint
import sys
import tempfile
import time
from pathlib import Path

from .kit import all_scenarios, candidate_name, differential, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every difference")
    parser.add_argument("--show", metavar="TEXT", help="print Flask's observations for scenarios whose 'group: name' contains TEXT")
    parser.add_argument("--only", metavar="TEXT", help="run only scenarios whose 'group: name' contains TEXT")
    parser.add_argument("--candidate", default=candidate_name(), help="module to compare with Flask")
    args = parser.parse_args(argv)

    reference = importlib.import_module("flask")
    try:
        candidate = importlib.import_module(args.candidate)
    except Exception as exc:
        print(f"cannot import {args.candidate}: {type(exc).__name__}: {exc}")
        return 1

    scenarios = [
        s for s in all_scenarios() if not args.only or args.only.lower() in f"{s.group}: {s.name}".lower()
    ]
    unexpected = same = expected = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for index, scenario in enumerate(scenarios):
            workdir = Path(tmp) / str(index)
            if args.show and args.show.lower() in f"{scenario.group}: {scenario.name}".lower():
                print(f"== {scenario.group}: {scenario.name} (flask)")
                for step, observed in run(scenario, reference, workdir / "show"):
                    print(f"  {step}:")
                    print("    " + pprint.pformat(observed, width=110).replace("\n", "\n    "))
                continue
            if args.show:
                continue
            differences = differential(scenario, reference, candidate, workdir)
            if not differences:
                verdict = "same" if not scenario.xfail or args.candidate == "flask" else "SAME BUT MARKED XFAIL"
                same += verdict == "same"
                unexpected += verdict != "same"
            elif scenario.xfail and args.candidate != "flask":
                verdict = f"differs as marked ({scenario.xfail})"
                expected += 1
            else:
                fields = sorted({d.field for d in differences})
                verdict = f"DIFFERS in {len(differences)} field(s): {', '.join(fields)[:120]}"
                unexpected += 1
            print(f"{scenario.group:>10}  {scenario.name[:80]:<80}  {verdict}")
            if args.verbose and differences:
                for difference in differences:
                    print("            " + str(difference).replace("\n", "\n            "))
    if not args.show:
        elapsed = time.perf_counter() - started
        print(
            f"\n{len(scenarios)} scenarios, flask vs {args.candidate}: {same} same, "
            f"{expected} differ as marked, {unexpected} differ unexpectedly ({elapsed:.1f} s)"
        )
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
