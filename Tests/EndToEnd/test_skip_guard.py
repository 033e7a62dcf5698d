"""The skip guard itself (harness/skip_guard.py): each way a test can stop
running without failing, tried in a pytest session of its own, fails that
session; a session of passing tests is the control."""

from __future__ import annotations

from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent

CASES = {
    "module-level-skip": "import pytest\npytest.skip('gone', allow_module_level=True)\n\ndef test_a():\n    pass\n",
    "importorskip": "import pytest\npytest.importorskip('no_such_module_4f9c')\n\ndef test_a():\n    pass\n",
    "non-strict-xpass": "import pytest\n\n@pytest.mark.xfail(strict=False)\ndef test_a():\n    pass\n",
    "xfail": "import pytest\n\n@pytest.mark.xfail\ndef test_a():\n    assert False\n",
    "skip-mark": "import pytest\n\n@pytest.mark.skip\ndef test_a():\n    pass\n",
    "skip-in-test": "import pytest\n\ndef test_a():\n    pytest.skip('later')\n",
    "skipif-in-fixture": ("import pytest\n\n@pytest.fixture\ndef f():\n    pytest.skip('no')\n\n"
                          "def test_a(f):\n    pass\n"),
}


def run_session(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeconftest(f"""
import sys
sys.path[:0] = [{str(E2E_DIR)!r}]
from harness.skip_guard import SkipGuard

def pytest_configure(config):
    config.pluginmanager.register(SkipGuard(), "skip-guard-under-test")
""")
    pytester.makepyfile(test_passes="def test_passes():\n    assert True\n", test_case=source)
    return pytester.runpytest("-p", "no:cacheprovider")


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_test_that_stops_running_fails_the_session(pytester, case):
    result = run_session(pytester, CASES[case])
    assert result.ret == pytest.ExitCode.TESTS_FAILED, f"{case}: the session ended with {result.ret}"
    result.stdout.fnmatch_lines(["ERROR: 1 test(s) or module(s) skipped, xfailed or xpassed*"])


def test_a_session_of_passing_tests_passes(pytester):
    result = run_session(pytester, "def test_a():\n    pass\n")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)
