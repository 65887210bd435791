"""The session's Galera cluster, started for the tests marked ``galera`` and only for them.

Missing pieces are never passed over quietly: with ``CI`` set the tests fail, elsewhere
they skip with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .cluster import GaleraCluster, available


@pytest.fixture(scope="session")
def galera_cluster() -> Iterator[GaleraCluster]:
    ok, reason = available()
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = GaleraCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()  # every node killed at once, the data removed
