"""Lambda may deliver a step more than once and may lose the process between
steps; Secrets Manager retries. Every step must therefore be idempotent and
the rotation must survive a restart of the function process.
"""

from __future__ import annotations

import json

import pytest

from harness import STEPS, start_rotation
from harness.rotation import rotate, run_step
from harness.secrets import digest, secret_dict, secret_value, snapshot, stages, version_with


def full_state(sm, db, account) -> dict:
    """Everything a step may change, as digests and booleans (safe to print)."""
    labels = stages(sm, account.arn)
    logs_in = {}
    for stage in ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"):
        version = version_with(labels, stage)
        value = secret_value(sm, account.arn, VersionId=version) if version else None
        logs_in[stage] = db.can_login(account.username, json_password(value)) if value else None
    return {"secret": snapshot(sm, account.arn),
            "database": db.auth_digest(account.username),
            "logs_in": logs_in}


def json_password(value: str) -> str:
    return json.loads(value)["password"]


def assert_rotation_completed(sm, db, account, token):
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token
    assert version_with(labels, "AWSPREVIOUS") == account.initial_version
    new_logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    old_logs_in = db.can_login(account.username, account.password)
    assert new_logs_in, "the new AWSCURRENT password does not log in"
    assert not old_logs_in, "the replaced password still logs in"


def test_each_step_twice_leaves_the_same_state_as_once(sm, db, rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)

    for step in STEPS:
        run_step(rotator, account.arn, token, step)
        once = full_state(sm, db, account)
        run_step(rotator, account.arn, token, step)
        twice = full_state(sm, db, account)
        assert twice == once, f"repeating {step} changed the state"

    assert_rotation_completed(sm, db, account, token)


def test_replaying_a_finished_rotation_changes_nothing(sm, db, rotator, make_account):
    account = make_account()
    token = rotate(sm, rotator, account.arn)
    finished = full_state(sm, db, account)

    # The token is AWSCURRENT now: every step must succeed and do nothing.
    for step in STEPS:
        run_step(rotator, account.arn, token, step)

    assert full_state(sm, db, account) == finished
    assert_rotation_completed(sm, db, account, token)


@pytest.mark.parametrize("killed_after", STEPS[:-1])
def test_rotation_completes_in_a_new_process_after_a_crash(sm, db, rotator, make_account, killed_after):
    account = make_account()
    token = start_rotation(sm, account.arn)
    remaining = list(STEPS)

    while remaining:
        step = remaining.pop(0)
        run_step(rotator, account.arn, token, step)
        if step == killed_after:
            break
    pid = rotator.state()["pid"]
    assert rotator.kill() == pid

    for step in remaining:
        run_step(rotator, account.arn, token, step)

    state = rotator.state()
    assert state["cold_starts"] == 2
    assert state["pid"] not in (None, pid)
    assert_rotation_completed(sm, db, account, token)


def test_create_secret_rerun_after_a_crash_keeps_the_pending_value(sm, db, rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    pending_before = digest(secret_value(sm, account.arn, VersionId=token, VersionStage="AWSPENDING"))
    assert pending_before is not None, "createSecret left no pending value"
    rotator.kill()

    run_step(rotator, account.arn, token, "createSecret")

    pending_after = digest(secret_value(sm, account.arn, VersionId=token, VersionStage="AWSPENDING"))
    assert pending_after == pending_before, "createSecret replaced the pending value"
    assert rotator.state()["cold_starts"] == 2
    for step in STEPS[1:]:
        run_step(rotator, account.arn, token, step)
    assert_rotation_completed(sm, db, account, token)
