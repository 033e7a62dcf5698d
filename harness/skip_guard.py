"""The skip guard: no test of this suite may be skipped, ever, since a skip
would hide a test that silently stopped running. A plugin (conftest.py
registers it) that fails the run on a skipped or xfailed test, on a module
skipped while collected (pytest.skip(allow_module_level=True),
pytest.importorskip) and on an XPASS (an xfail test that passed, which a
non-strict xfail would let through; pytest.ini makes xfail strict too)."""

from __future__ import annotations

from typing import Any

import pytest


class SkipGuard:
    def __init__(self) -> None:
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped or (report.passed and hasattr(report, "wasxfail")):
            self.skipped.append(report.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:
            self.skipped.append(report.nodeid or "(collection)")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.skipped and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.skipped:
            terminalreporter.write_line(
                f"ERROR: {len(self.skipped)} test(s) or module(s) skipped, xfailed or xpassed; "
                "this suite allows none:", red=True)
            for nodeid in self.skipped:
                terminalreporter.write_line(f"  {nodeid}")
