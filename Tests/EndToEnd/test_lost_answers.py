"""A write the service performed whose answer never reached the function.

moto_server.py's "lose" fault performs the operation, then drops the
connection. The function's retry meets its own first attempt's effect
(UpdateSecretVersionStage: "AWSCURRENT not found in version <old>"), or with
MAX_ATTEMPTS=1 has no retry at all; either way it reads the state back, and
a state already as asked is success, never a false RotationFailed.
"""

from __future__ import annotations

import pytest

from harness import STEPS, event, start_rotation
from harness.accounts import create_account
from harness.reliability import check_completed, invoke_under_fault
from harness.rotation import describe_failure, run_step
from harness.secrets import digest, secret_value, stages, version_with


def faults_injected(moto) -> int:
    return sum(rule["injected"] for rule in moto._call("/_harness/faults"))


@pytest.mark.parametrize("attempts", ["3", "1"])
def test_finish_secret_whose_stage_move_answer_was_lost(attempts, sm, db, moto, start_rotator):
    rotator = start_rotator(MAX_ATTEMPTS=attempts)
    account = create_account(sm, db)
    token = start_rotation(sm, account.arn)
    for step in STEPS[:-1]:
        run_step(rotator, account.arn, token, step)
    old_current = version_with(stages(sm, account.arn), "AWSCURRENT")

    ok, body, calls = invoke_under_fault(moto, rotator, account.arn, token, "finishSecret",
                                         "UpdateSecretVersionStage", "lose", 1)
    assert ok, describe_failure("finishSecret", body)
    assert faults_injected(moto) == 1, "the lost-answer fault was not injected"

    assert body["outcome"] == "moved AWSCURRENT to the pending version"
    # The retry (if any) is refused, the label having moved; then one read-back.
    assert calls.get("UpdateSecretVersionStage") == min(2, int(attempts))
    assert calls.get("DescribeSecret") == 2
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token
    assert version_with(labels, "AWSPREVIOUS") == old_current
    check_completed(sm, db, account, token)


@pytest.mark.parametrize("attempts", ["3", "1"])
def test_create_secret_whose_put_answer_was_lost(attempts, sm, db, moto, start_rotator):
    rotator = start_rotator(MAX_ATTEMPTS=attempts)
    account = create_account(sm, db)
    token = start_rotation(sm, account.arn)

    ok, body, calls = invoke_under_fault(moto, rotator, account.arn, token, "createSecret", "PutSecretValue", "lose", 1)
    assert ok, describe_failure("createSecret", body)
    assert faults_injected(moto) == 1, "the lost-answer fault was not injected"

    assert body["outcome"] == "created the AWSPENDING version"
    # A retry with the same token and value is the service's idempotent
    # success; with no retry the function reads the version back instead.
    assert calls.get("PutSecretValue") == min(2, int(attempts))
    # AWSCURRENT, plus the read-back; createSecret writes before it reads
    # the pending version, so no read of the empty stub comes first.
    assert calls.get("GetSecretValue") == (2 if attempts == "1" else 1)
    stored = digest(secret_value(sm, account.arn, VersionId=token))
    assert stored is not None, "the pending value is not stored"
    assert "AWSPENDING" in stages(sm, account.arn)[token]
    # The rest of the rotation uses the value that was stored, and finishes.
    for step in STEPS[1:]:
        run_step(rotator, account.arn, token, step)
    assert digest(secret_value(sm, account.arn, VersionId=token)) == stored
    check_completed(sm, db, account, token)


def test_a_lost_answer_for_a_move_that_did_not_take_effect_still_fails(sm, db, moto, start_rotator):
    """The read-back must not turn a real failure into success: the token is
    not a version the stage can move to once it is gone from AWSPENDING."""
    rotator = start_rotator(MAX_ATTEMPTS="1")
    account = create_account(sm, db)
    token = start_rotation(sm, account.arn)
    for step in STEPS[:-1]:
        run_step(rotator, account.arn, token, step)
    before = version_with(stages(sm, account.arn), "AWSCURRENT")
    moto.fault("UpdateSecretVersionStage", "drop", 1)
    ok, body = rotator.invoke(event(account.arn, token, "finishSecret"))
    assert not ok and body.get("errorType") == "SecretsManagerTransportError"
    assert version_with(stages(sm, account.arn), "AWSCURRENT") == before
    run_step(rotator, account.arn, token, "finishSecret")
    check_completed(sm, db, account, token)
