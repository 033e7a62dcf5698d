"""A MariaDB server of the reliability suite's own, which tests may stop,
freeze (SIGSTOP) and kill without disturbing the shared servers."""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from .database import Database
from .secrets import REGISTRY
from .services import Services


class DedicatedMariaDB:
    """A MariaDB server of the suite's own, with the services' TLS material,
    so tests can stop, freeze (SIGSTOP) and kill it without disturbing the
    shared servers. Started the way scripts/services.sh starts them, then
    with `options` (later options win: `--character-set-server=gbk`)."""

    def __init__(self, services: Services, options: Sequence[str] = ()):
        self.services = services
        self.options = list(options)
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-mariadb-", dir=services.state_dir))
        self.socket = self.dir / "mysqld.sock"
        self.log = self.dir / "error.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.admin_password = secrets.token_hex(24)
        REGISTRY.add(self.admin_password)
        (self.dir / "tmp").mkdir()
        install = subprocess.run(
            ["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={self.dir / 'data'}",
             "--auth-root-authentication-method=socket", "--skip-test-db"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert install.returncode == 0, "mariadb-install-db failed for the dedicated server"
        self.start()
        # SQL on stdin, never on a command line.
        self._root_sql(f"CREATE USER '{services.admin_user}'@'127.0.0.1' IDENTIFIED BY '{self.admin_password}';"
                       f"GRANT ALL PRIVILEGES ON *.* TO '{services.admin_user}'@'127.0.0.1' WITH GRANT OPTION;"
                       "CREATE DATABASE appdb;")
        self.db = Database(dataclasses.replace(services, port=self.port, admin_password=self.admin_password))

    def _mariadbd(self) -> str:
        for candidate in ("/usr/sbin/mariadbd", "/usr/local/sbin/mariadbd"):
            if os.access(candidate, os.X_OK):
                return candidate
        return "mariadbd"

    def start(self) -> None:
        """Starts the server (on the same port after the first time) and waits until it answers."""
        assert self.process is None, "the dedicated server is already running"
        tls = Path(self.services.state_dir) / "tls"
        for _ in range(3):
            port = self.port or _free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [self._mariadbd(), "--no-defaults", "--user=root", f"--datadir={self.dir / 'data'}",
                     f"--socket={self.socket}", f"--pid-file={self.dir / 'mysqld.pid'}", f"--port={port}",
                     "--bind-address=127.0.0.1", "--skip-name-resolve", f"--tmpdir={self.dir / 'tmp'}",
                     "--innodb-buffer-pool-size=32M", "--skip-performance-schema",
                     "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                     f"--ssl-ca={tls / 'ca.pem'}", f"--ssl-cert={tls / 'server.pem'}",
                     f"--ssl-key={tls / 'server-key.pem'}", *self.options],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_until_ready():
                self.port = port
                return
            self.process.kill()
            self.process.wait()
            self.process = None
        pytest.fail("the dedicated MariaDB server did not start; see " + str(self.log), pytrace=False)

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            ping = subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={self.socket}", "-u", "root",
                                   "ping"], stdin=subprocess.DEVNULL, capture_output=True)
            if ping.returncode == 0:
                return True
            time.sleep(0.1)  # polling readiness, bounded by the deadline
        return False

    def _root_sql(self, sql: str) -> None:
        result = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-u", "root"],
                                input=sql.encode(), capture_output=True)
        assert result.returncode == 0, "SQL as root on the dedicated server failed"

    def stop(self) -> None:
        """A clean shutdown (SIGTERM)."""
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def kill(self) -> None:
        """SIGKILL: the server dies with whatever it was doing."""
        if self.process is not None:
            self.resume()
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
