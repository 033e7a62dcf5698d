"""Runs last (pytest collects files in name order): no password the suite
created or saw may appear in anything the function wrote, nor in the
services' own logs. Failures report counts only, never the value.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REGISTRY, SecretRegistry, rotate, secret_dict


def service_logs(state_dir: str) -> list[Path]:
    root = Path(state_dir)
    return [path for path in (root / "moto" / "server.log",
                              root / "mariadb-tls" / "error.log",
                              root / "mariadb-plain" / "error.log") if path.exists()]


def test_the_scanner_finds_a_planted_secret(tmp_path):
    planted = "Planted-Secret-4f9c2e7a"
    tricky = 'with"quote\\and-backslash'
    registry = SecretRegistry()
    registry.add(planted)
    registry.add(tricky)
    raw_log = tmp_path / "raw.log"
    raw_log.write_text(f"INFO connecting with {planted}\n")
    json_log = tmp_path / "json.log"
    json_log.write_text(json.dumps({"message": f"value {tricky}"}) + "\n")
    clean_log = tmp_path / "clean.log"
    clean_log.write_text("INFO nothing to see\n")

    assert registry.count_in([raw_log]) == 1
    assert registry.count_in([json_log]) == 1, "a JSON-escaped secret went unnoticed"
    assert registry.count_in([clean_log]) == 0
    assert "Planted" not in registry.redact(f"error: {planted}")


def test_no_password_appears_in_any_log(services, sm, rotator, make_account):
    # One more rotation, so this check always has fresh material even when it
    # runs alone.
    account = make_account()
    rotate(sm, rotator, account.arn)
    secret_dict(sm, account.arn)  # registers the new password
    rotator.close()  # flush and close the function's log

    logs = sorted(REGISTRY.log_files) + service_logs(services.state_dir)
    existing = [path for path in logs if path.exists()]
    assert existing, "no log files were written"
    assert len(REGISTRY) >= 3, "too few passwords registered for the scan to mean anything"

    hits = REGISTRY.count_in(existing)
    assert hits == 0, (f"{hits} (password, log file) pair(s) found among "
                       f"{len(REGISTRY)} passwords and {len(existing)} log files")
