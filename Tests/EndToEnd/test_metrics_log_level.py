"""The built binary's metrics records survive Lambda's log-level filter at
every LogLevel the template allows, in the JSON log format: the per-step
records, the fleet check's (`WouldFail`, `SecretsFailing`: what
FleetCheckFailingAlarm and the dashboard read) and Revoke's (`Revokes`:
what RevokeAlarm reads).

The emulator applies Lambda's documented rule (harness/lambda_logs.py, which
cites it) to every line the function writes, so the log read here holds
what CloudWatch would receive: a record without a level (INFO to Lambda)
is simply not in it at WARN and above.
"""

from __future__ import annotations

import json
import uuid

import pytest

from harness.accounts import create_account
from harness.fleet import attach, check_all, function_arn, start_fleet_function
from harness.lambda_logs import LEVELS, lambda_keeps
from harness.rotation import rotate
from harness.rotator import emf_records
from harness.secrets import REGISTRY

# The levels above INFO, where a record Lambda counts as INFO is dropped.
ABOVE_INFO = ["WARN", "ERROR"]


def json_logging(level: str) -> dict[str, str]:
    return {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": level}


@pytest.mark.parametrize("level", LEVELS)
def test_every_steps_metrics_survive_the_log_level(sm, start_rotator, make_account, level):
    account = make_account()
    rotator = start_rotator(**json_logging(level))
    rotate(sm, rotator, account.arn)
    records = [record for record in emf_records(rotator.log_path) if "Step" in record]
    steps = [record["Step"] for record in records]
    assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"], \
        f"the step records left after Lambda's filter at {level}: {steps}"


@pytest.mark.parametrize("level", ABOVE_INFO)
def test_the_fleet_checks_metrics_survive_the_log_level(sm, db, services, start_emulator, level):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    healthy = create_account(sm, db, secret_prefix=f"e2e/{name}/ok", prefix="fl")
    broken = create_account(sm, db, secret_prefix=f"e2e/{name}/broken", prefix="fl", create_user=False)
    for account in (healthy, broken):
        attach(sm, account.arn, function_arn(name))
    emulator = start_fleet_function(start_emulator, services, name, **json_logging(level))

    answer = check_all(emulator)

    assert (answer["checked"], answer["failing"]) == (2, 1), REGISTRY.redact(json.dumps(answer))
    records = emf_records(emulator.log_path)
    would_fail = {record["SecretArn"]: record["WouldFail"] for record in records if "WouldFail" in record}
    assert would_fail == {healthy.arn: 0, broken.arn: 1}, \
        f"FleetCheckFailingAlarm's WouldFail records left after Lambda's filter at {level}: {would_fail}"
    failing = [record["SecretsFailing"] for record in records if "SecretsFailing" in record]
    assert failing == [1], f"the run's SecretsFailing records left at {level}: {failing}"


@pytest.mark.parametrize("level", ABOVE_INFO)
def test_revokes_metric_survives_the_log_level(sm, start_rotator, make_account, level):
    account = make_account("app_rl")
    rotator = start_rotator(**json_logging(level))
    rotate(sm, rotator, account.arn)
    ok, body = rotator.invoke({"Revoke": {"SecretId": account.arn}})
    assert ok, REGISTRY.redact(json.dumps(body))
    revokes = [(record["Revokes"], record["SecretArn"]) for record in emf_records(rotator.log_path)
               if "Revokes" in record]
    assert revokes == [(1, account.arn)], f"RevokeAlarm's record left after Lambda's filter at {level}"


def test_the_rule_drops_a_record_without_a_level_above_info():
    """Control: the shape the fleet records had before (no level) is lost at WARN."""
    bare = json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Step": "setSecret"})
    assert lambda_keeps(bare, "INFO")
    assert not lambda_keeps(bare, "WARN")
    stamped = json.dumps({"level": "WARN", "timestamp": "2026-12-01T00:00:00.000Z", "_aws": {}})
    assert lambda_keeps(stamped, "WARN")
    assert not lambda_keeps(json.dumps({"level": "WARN", "timestamp": "now"}), "WARN")
