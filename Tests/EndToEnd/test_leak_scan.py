"""The leak scan itself (harness/leak_scan.py): it finds a planted secret,
and a leak fails the whole pytest run, with a line that names the file and
not the value. The scan of this suite's own output runs when its session
ends (conftest.py registers it), after every test whatever their order."""

from __future__ import annotations

import json
import secrets as random_source

from harness import REPO_ROOT, SecretRegistry
from harness.leak_scan import harvest_moto, leak_report
from harness.secrets import unique

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
    result.stdout.fnmatch_lines(["*leak scan: none of 1 passwords (0 secret versions read from moto) in 1 log files*"])


def test_the_scan_knows_every_version_moto_held_even_one_no_test_read(sm, tmp_path):
    """A password no test registered (only moto ever held it, in a version
    since deprecated, or in a value that is not JSON), planted in a log and
    in a JSON log: the harvest finds them."""
    first, second, plain = (f"Harvest-{random_source.token_hex(12)}" for _ in range(3))
    arn = sm.create_secret(Name=unique("e2e/leak-harvest"),
                           SecretString=json.dumps({"username": "u", "password": first}))["ARN"]
    for value in (second, "third-" + random_source.token_hex(12), "fourth-" + random_source.token_hex(12)):
        sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "u", "password": value}))
    listed = sm.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)["Versions"]
    unlabelled = [version for version in listed if not version.get("VersionStages")]
    assert unlabelled, "setup: every version is still labelled, so none is deprecated"
    sm.create_secret(Name=unique("e2e/leak-harvest-plain"), SecretString=plain)
    text_log = tmp_path / "text.log"
    text_log.write_text(f"INFO value {first}\n")
    json_log = tmp_path / "json.log"
    json_log.write_text(json.dumps({"message": f"value {plain}"}) + "\n")

    registry = SecretRegistry()
    assert leak_report(registry, [text_log, json_log]) is None, "an empty registry found something"
    versions = harvest_moto(sm.meta.endpoint_url, registry)

    assert versions >= 5, f"only {versions} versions read"
    report = leak_report(registry, [text_log, json_log])
    assert report is not None and "2 (password, file) pair(s)" in report, "a harvested password went unnoticed"
    assert first not in report and plain not in report, "the report shows a value"
