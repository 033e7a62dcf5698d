"""The leak scan: when the session ends, every password the suite made or
saw is searched for in everything the function printed (each emulator log)
and in the services' own logs. A hit fails the run, however the tests went,
with a line that names the files and counts the values, never a value.

A plugin object rather than a test, so it runs after every test whatever
their order, and the files it scans are complete (the emulators have been
closed by then)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from .passwords import SecretRegistry


def service_logs(state_dir: str | None) -> list[Path]:
    """The logs of scripts/services.sh's servers that exist."""
    if not state_dir:
        return []
    root = Path(state_dir)
    return [path for path in (root / "moto" / "server.log",
                              root / "mariadb-tls" / "error.log",
                              root / "mariadb-plain" / "error.log") if path.exists()]


def leak_report(registry: SecretRegistry, paths: Iterable[Path]) -> str | None:
    """None when no registered value is in any of `paths`; else the line to show."""
    paths = sorted(set(paths))
    leaks = registry.leaks(paths)
    if not leaks:
        return None
    pairs = sum(leaks.values())
    return (f"SECRET LEAK: {pairs} (password, file) pair(s) among {len(registry)} passwords "
            f"and {len(paths)} files scanned: " + ", ".join(str(path) for path in sorted(leaks)))


class LeakScan:
    """Registered by conftest.py; `paths` gives the files to scan when the session ends."""

    def __init__(self, registry: SecretRegistry, paths: Callable[[], Iterable[Path]]):
        self.registry = registry
        self.paths = paths
        self.failure: str | None = None
        self.scanned = 0

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        paths = list(self.paths())
        self.scanned = len(paths)
        self.failure = leak_report(self.registry, paths)
        if self.failure and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.failure:
            terminalreporter.write_line(self.failure, red=True)
        elif self.scanned:
            terminalreporter.write_line(
                f"leak scan: no registered password in {self.scanned} log files")
