"""The leak scan itself (harness/leak_scan.py): it finds a planted secret,
and a leak fails the whole pytest run, with a line that names the file and
not the value. The scan of this suite's own output runs when its session
ends (conftest.py registers it), after every test whatever their order."""

from __future__ import annotations

import json

from harness import REPO_ROOT, SecretRegistry
from harness.leak_scan import leak_report

PLANTED = "Planted-Secret-4f9c2e7a"


def test_the_scanner_finds_a_planted_secret(tmp_path):
    tricky = 'with"quote\\and-backslash'
    registry = SecretRegistry()
    registry.add(PLANTED)
    registry.add(tricky)
    raw_log = tmp_path / "raw.log"
    raw_log.write_text(f"INFO connecting with {PLANTED}\n")
    json_log = tmp_path / "json.log"
    json_log.write_text(json.dumps({"message": f"value {tricky}"}) + "\n")
    clean_log = tmp_path / "clean.log"
    clean_log.write_text("INFO nothing to see\n")

    assert registry.count_in([raw_log]) == 1
    assert registry.count_in([json_log]) == 1, "a JSON-escaped secret went unnoticed"
    assert registry.count_in([clean_log]) == 0
    assert "Planted" not in registry.redact(f"error: {PLANTED}")
    report = leak_report(registry, [raw_log, json_log, clean_log])
    assert report is not None and "2 (password, file) pair(s)" in report
    assert str(clean_log) not in report, "the report names a file without a leak"
    assert PLANTED not in report and tricky not in report, "the report shows a value"
    assert leak_report(registry, [clean_log]) is None


def run_session_with_log(pytester, log_text: str):
    """A pytest session of one passing test, whose leak scan reads one log holding `log_text`."""
    log = pytester.path / "function.log"
    log.write_text(log_text)
    pytester.makeconftest(f"""
from harness import SecretRegistry
from harness.leak_scan import LeakScan

def pytest_configure(config):
    registry = SecretRegistry()
    registry.add({PLANTED!r})
    config.pluginmanager.register(LeakScan(registry, lambda: [{str(log)!r}]), "leak-scan-under-test")
""")
    pytester.makepyfile(test_passes="def test_passes():\n    assert True\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", f"pythonpath={REPO_ROOT}")


def test_a_leak_fails_the_session_that_otherwise_passed(pytester):
    result = run_session_with_log(pytester, f"INFO connecting with {PLANTED}\n")

    result.assert_outcomes(passed=1)
    assert result.ret != 0, "a leaked password did not fail the run"
    result.stdout.fnmatch_lines(["*SECRET LEAK: 1 (password, file) pair(s)*function.log*"])
    assert PLANTED not in result.stdout.str() + result.stderr.str(), "the failure shows the value"


def test_a_session_without_a_leak_passes(pytester):
    result = run_session_with_log(pytester, "INFO nothing secret here\n")

    result.assert_outcomes(passed=1)
    assert result.ret == 0, "the scan failed a clean run"
    result.stdout.fnmatch_lines(["*leak scan: no registered password in 1 log files*"])
