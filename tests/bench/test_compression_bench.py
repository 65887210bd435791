"""bench/compression.py runs in its quick form and reports a gzip body far smaller than the plain one.

No timing is asserted (figures belong in the notes); the bench itself checks that every gzip
body decompresses to the plain page before it times anything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_compression_bench_quick() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.compression", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in done.stdout.splitlines()
        if line.startswith("| home") or line.startswith("| public") or line.startswith("| user")
    ]
    timelines = [row for row in rows if len(row) == 8]
    assert {row[0] for row in timelines} == {
        f"{page} {kind}" for page in ("home", "public", "user") for kind in ("html", "json")
    }
    for row in timelines:
        plain, packed = int(row[1].replace(",", "")), int(row[2].replace(",", ""))
        assert packed < plain / 2, row
