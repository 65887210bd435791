"""The tests' 3-node Galera cluster: started by ``scripts/galera-cluster.sh``, driven from Python.

:class:`GaleraCluster` knows the cluster's directory and ports, runs the script's commands
(``start``, ``kill``, ``restart``, ``stop``) and opens admin connections to single nodes.
Its data lives under ``/tmp`` in a directory the ``mysql`` user can enter (pytest's own
temporary folders are mode 700), and ``stop`` kills every node at once and removes it.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pymysql

from tests.e2e.live_server import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "galera-cluster.sh"
NODES = (1, 2, 3)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port() -> int:
    """A base port whose every derived port (SQL, gcomm, IST, SST of three nodes) is free now."""
    for _ in range(50):
        base = random.randrange(20000, 30000, 10)
        ports = [base + n - 1 for n in NODES]
        ports += [base + 100 + 10 * n + k for n in NODES for k in range(3)]
        if all(_free(port) for port in ports):
            return base
    raise RuntimeError("no free range of ports for the Galera cluster")


def available() -> tuple[bool, str]:
    """Whether this machine can run the cluster (the script installs missing packages)."""
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("mysql")
        except KeyError:
            return False, "running as root, but there is no 'mysql' user for mariadbd"
    if not shutil.which("mariadbd") and not os.access("/usr/sbin/mariadbd", os.X_OK):
        return False, "mariadbd is not installed"
    return True, ""


class GaleraCluster:
    """Three Galera nodes on 127.0.0.1, numbered 1 to 3."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="twitapp_galera_", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.dir = self.root / "cluster"  # the script creates it, and refuses an existing one
        self.base_port = free_base_port()
        self.start_seconds = 0.0

    def run(self, *args: str, timeout: float = 120) -> str:
        env = {**os.environ, "GALERA_DIR": str(self.dir), "GALERA_PORT": str(self.base_port)}
        result = subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"galera-cluster.sh {' '.join(args)} failed:\n{result.stderr}{result.stdout}")
        return result.stdout

    # -- life cycle

    def start(self) -> None:
        began = time.monotonic()
        self.run("start", timeout=180)
        self.start_seconds = time.monotonic() - began

    def stop(self) -> None:
        try:
            self.run("stop")
        finally:
            # Whatever the script managed, no node outlives the tests.
            for pid_file in self.dir.glob("node*/mysqld.pid"):
                with contextlib.suppress(ValueError, OSError):
                    os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            shutil.rmtree(self.root, ignore_errors=True)

    def kill(self, *nodes: int) -> None:
        """SIGKILL the nodes (all at once, as one script call)."""
        self.run("kill", *map(str, nodes))

    def restart(self, *nodes: int) -> float:
        """Start killed nodes again (position recovered: IST); returns seconds until Synced."""
        began = time.monotonic()
        self.run("restart", *map(str, nodes), timeout=180)
        return time.monotonic() - began

    # -- addresses

    def port(self, node: int) -> int:
        return self.base_port + node - 1

    def url(self, database: str, nodes: tuple[int, ...] = NODES, **options: object) -> str:
        """``DATABASE_URL`` naming ``nodes`` (all three by default) for ``database``."""
        hosts = ",".join(f"127.0.0.1:{self.port(n)}" for n in nodes)
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"mysql://root:@{hosts}/{database}" + (f"?{query}" if query else "")

    def connect(self, node: int, database: str | None = None, **extra: object) -> pymysql.connections.Connection:
        return pymysql.connect(host="127.0.0.1", port=self.port(node), user="root", password="",
                               database=database, charset="utf8mb4", autocommit=True,
                               connect_timeout=3, ssl_disabled=True, **extra)

    def status(self, node: int, name: str) -> str:
        """One ``SHOW STATUS`` value of a node (it answers even while writes are stalled)."""
        conn = self.connect(node)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SHOW STATUS LIKE %s", (name,))
                row = cursor.fetchone()
                return str(row[1]) if row else ""
        finally:
            conn.close()

    def create_database(self, name: str) -> None:
        conn = self.connect(1)
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            conn.close()

    def log_tail(self, node: int, lines: int = 30) -> str:
        path = self.dir / f"node{node}" / "error.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"
