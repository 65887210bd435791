"""The figures of docs/SCALING.md section 2, measured on a running cluster of scripts/galera-cluster.sh.

    bash scripts/galera-cluster.sh start
    .venv/bin/python -m tests.galera.measure            # write cost, read cost, stall after a kill
    bash scripts/galera-cluster.sh stop

``GALERA_DIR`` and ``GALERA_PORT`` must match the script's (defaults: /tmp/twitapp-galera, 3311).
The stall measurement SIGKILLs node 3 and restarts it afterwards.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Any

import pymysql

from tests.e2e.live_server import PROJECT_ROOT

PORT = int(os.environ.get("GALERA_PORT", "3311"))
DATABASE = "galera_measure"


def connect(node: int, **extra: Any) -> pymysql.connections.Connection:
    """A connection to ``node`` (1 to 3), in the measurement's database unless told otherwise."""
    extra.setdefault("database", DATABASE)
    return pymysql.connect(host="127.0.0.1", port=PORT + node - 1, user="root", password="",
                           ssl_disabled=True, **extra)


def _percentiles(latencies: list[float]) -> str:
    latencies.sort()
    at = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return f"p50 {at(0.5):.2f} ms, p90 {at(0.9):.2f} ms, p99 {at(0.99):.2f} ms"


def write_cost(rounds: int = 3, writes: int = 600) -> None:
    """INSERT + COMMIT on node 1 with the session's replication off, then on."""
    conn = connect(1)
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE m (id BIGINT AUTO_INCREMENT PRIMARY KEY, t VARCHAR(280))")
        conn.commit()
        for _ in range(rounds):
            for on in (0, 1):
                cursor.execute(f"SET SESSION wsrep_on = {on}")
                latencies = []
                for _ in range(writes):
                    began = time.perf_counter()
                    cursor.execute("INSERT INTO m (t) VALUES (%s)", ("x" * 100,))
                    conn.commit()
                    latencies.append(time.perf_counter() - began)
                print(f"write, wsrep_on={on}: {_percentiles(latencies)}")
        cursor.execute("SET SESSION wsrep_on = 1")
    conn.close()


def read_cost(rounds: int = 2, reads: int = 3000) -> None:
    """Point selects on node 2 with and without wsrep_sync_wait, alone and right after a
    commit on node 1 (then also counting the reads that saw the old value)."""
    writer = connect(1, autocommit=True)
    with writer.cursor() as w:
        w.execute("CREATE TABLE k (id INT PRIMARY KEY, v INT)")
        w.execute("INSERT INTO k VALUES (1, 0)")
        for _ in range(rounds):
            for after_write in (False, True):
                for sync in (0, 1):
                    reader = connect(2)
                    with reader.cursor() as r:
                        r.execute(f"SET SESSION wsrep_sync_wait = {sync}")
                        latencies, stale = [], 0
                        for i in range(reads):
                            if after_write:
                                w.execute("UPDATE k SET v = %s WHERE id = 1", (i,))
                            began = time.perf_counter()
                            r.execute("SELECT v FROM k WHERE id = 1")
                            value = r.fetchone()[0]
                            latencies.append(time.perf_counter() - began)
                            reader.commit()
                            stale += after_write and value != i
                    reader.close()
                    what = "after a write on node 1" if after_write else "reads only"
                    print(f"read, wsrep_sync_wait={sync}, {what}: {_percentiles(latencies)}, "
                          f"stale {stale}/{reads}")
    writer.close()


def stall(victim: int = 3) -> None:
    """SIGKILL a node while node 1 commits in a loop: how long commits block, when it is evicted."""
    script = ["bash", str(PROJECT_ROOT / "scripts" / "galera-cluster.sh")]
    writer = connect(1, autocommit=True)
    watcher = connect(2)
    evicted: list[float] = []

    def watch(killed_at: float) -> None:
        with watcher.cursor() as cursor:
            while time.monotonic() - killed_at < 30:
                cursor.execute("SHOW STATUS LIKE 'wsrep_cluster_size'")
                if cursor.fetchone()[1] == "2":
                    evicted.append(time.monotonic() - killed_at)
                    return
                time.sleep(0.01)

    with writer.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS k (id INT PRIMARY KEY, v INT)")
        cursor.execute("REPLACE INTO k VALUES (2, 0)")
        subprocess.run([*script, "kill", str(victim)], check=True)
        killed_at = time.monotonic()
        thread = threading.Thread(target=watch, args=(killed_at,))
        thread.start()
        longest = 0.0
        while time.monotonic() - killed_at < 6:
            began = time.monotonic()
            cursor.execute("UPDATE k SET v = v + 1 WHERE id = 2")
            longest = max(longest, time.monotonic() - began)
        thread.join()
    print(f"stall: node {victim} evicted after {evicted[0] if evicted else float('nan'):.2f} s; "
          f"the longest commit on node 1 took {longest:.2f} s")
    writer.close()
    watcher.close()
    began = time.monotonic()
    subprocess.run([*script, "restart", str(victim)], check=True)
    print(f"node {victim} Synced again (IST) after {time.monotonic() - began:.1f} s")


def main() -> None:
    admin = connect(1, autocommit=True, database=None)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    try:
        write_cost()
        read_cost()
        stall()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.close()


if __name__ == "__main__":
    main()
