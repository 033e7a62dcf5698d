"""Secrets Manager misbehaving: throttling, 5xx answers, dropped connections,
a service that does not answer, on every operation the function uses.

The faults come from moto_server.py's /_harness/faults; its /_harness/calls
counts what reached the service, which proves retries happened (or did not).
The function must retry what the AWS SDKs' standard mode retries, give up
cleanly after MAX_ATTEMPTS or at its deadline, change nothing when it gives
up, and finish the rotation when run again.
"""

from __future__ import annotations

import pytest

from harness import STEPS, event, start_rotation
from harness.reliability import (
    FIGURES,
    check_completed,
    create_reliability_account,
    invoke_under_fault,
    rotation_state,
)
from harness.rotation import run_step

DEFAULT_ATTEMPTS = 3

# (operation, the step whose first call of it gets the fault, PASSWORD_SOURCE)
TARGETS = [
    ("DescribeSecret", "createSecret", "local"),
    ("GetSecretValue", "createSecret", "local"),
    ("PutSecretValue", "createSecret", "local"),
    ("GetSecretValue", "setSecret", "local"),
    ("GetSecretValue", "testSecret", "local"),
    ("DescribeSecret", "finishSecret", "local"),
    ("UpdateSecretVersionStage", "finishSecret", "local"),
    ("GetRandomPassword", "createSecret", "service"),
]
TARGET_IDS = [f"{operation}-in-{step}" + ("-service" if source == "service" else "")
              for operation, step, source in TARGETS]

# Each operation once, for the slower give-up tests.
ONE_STEP_PER_OPERATION = [TARGETS[i] for i in (0, 1, 2, 6, 7)]
ONE_STEP_IDS = [TARGET_IDS[i] for i in (0, 1, 2, 6, 7)]

_baselines: dict[str, dict[str, dict[str, int]]] = {}


# Every test here counts into the reliability report.
pytestmark = [pytest.mark.usefixtures("reliability_figures"), pytest.mark.log_formats("text", "JSON")]


def calls_per_step(sm, db, moto, start_rotator, source: str) -> dict[str, dict[str, int]]:
    """The calls each step makes in a fault-free rotation, measured once per password source."""
    if source not in _baselines:
        rotator = start_rotator(PASSWORD_SOURCE=source)
        account = create_reliability_account(sm, db)
        token = start_rotation(sm, account.arn)
        counts = {}
        for step in STEPS:
            # Each step in a new process, as the fault tests run it (see run_until).
            rotator.kill()
            moto.reset_calls()
            run_step(rotator, account.arn, token, step)
            counts[step] = moto.calls()
        check_completed(sm, db, account, token)
        _baselines[source] = counts
    return _baselines[source]


def run_until(rotator, account, token, step: str) -> None:
    """Runs the steps before `step`, then ends the process, so the step under
    test starts cold and makes every call it can make: a warm process already
    knows the secret versions it read or wrote and would skip some."""
    for earlier in STEPS[:STEPS.index(step)]:
        run_step(rotator, account.arn, token, earlier)
    rotator.kill()


def finish_from(rotator, account, token, step: str) -> None:
    for later in STEPS[STEPS.index(step):]:
        run_step(rotator, account.arn, token, later)


@pytest.mark.parametrize("kind", ["throttle", "5xx", "drop"])
@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
def test_fewer_faults_than_attempts_are_retried_away(target, kind, sm, db, moto, start_rotator):
    operation, step, source = target
    expected = calls_per_step(sm, db, moto, start_rotator, source)[step]
    rotator = start_rotator(PASSWORD_SOURCE=source)
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_until(rotator, account, token, step)

    faults = DEFAULT_ATTEMPTS - 1
    ok, body, calls = invoke_under_fault(moto, rotator, account.arn, token, step, operation, kind, faults)

    assert ok, f"{step} failed despite {faults} {kind} fault(s) on {operation}: {body.get('errorType')}"
    # Each fault costs one more request; a dropped connection may also be
    # retried by curl itself on a reused connection, which still reaches
    # moto as one request per fault.
    assert calls.get(operation) == expected[operation] + faults, \
        f"{operation}: {calls.get(operation)} calls, expected {expected[operation]} + {faults} retries"
    others = {op: n for op, n in calls.items() if op != operation}
    assert others == {op: n for op, n in expected.items() if op != operation}, \
        "the other operations' call counts changed"
    # Running the step again is harmless: Lambda may deliver it twice.
    finish_from(rotator, account, token, step)
    check_completed(sm, db, account, token)


EXPECTED_ERROR = {"throttle": "ThrottlingException", "5xx": "InternalServiceError"}


@pytest.mark.parametrize("kind", ["throttle", "5xx"])
@pytest.mark.parametrize("target", ONE_STEP_PER_OPERATION, ids=ONE_STEP_IDS)
def test_faults_on_every_attempt_fail_cleanly_and_a_rerun_finishes(target, kind, sm, db, moto, start_rotator):
    operation, step, source = target
    rotator = start_rotator(PASSWORD_SOURCE=source)
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_until(rotator, account, token, step)
    before = rotation_state(sm, db, account)

    ok, body, calls = invoke_under_fault(moto, rotator, account.arn, token, step, operation, kind, DEFAULT_ATTEMPTS)
    failed_in = rotator.state()

    assert not ok, f"{step} succeeded although every {operation} attempt failed"
    assert body.get("errorType") == EXPECTED_ERROR[kind]
    assert operation in body.get("errorMessage", ""), "the error does not name the operation"
    assert calls.get(operation) == DEFAULT_ATTEMPTS, \
        f"{operation} was sent {calls.get(operation)} times, expected MAX_ATTEMPTS = {DEFAULT_ATTEMPTS}"
    FIGURES.clean_failures += 1
    assert rotation_state(sm, db, account) == before, f"the failed {step} changed something"

    # Secrets Manager retries the step; the faults are spent. The same
    # process serves it: a failed step never ends the process.
    finish_from(rotator, account, token, step)
    check_completed(sm, db, account, token)
    state = rotator.state()
    survived = state["cold_starts"] == failed_in["cold_starts"] and state["pid"] == failed_in["pid"] is not None
    assert survived, "the function process did not survive the failure"


def test_a_connection_dropped_on_every_attempt_fails_cleanly(sm, db, moto, start_rotator):
    rotator = start_rotator()
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_until(rotator, account, token, "finishSecret")
    before = rotation_state(sm, db, account)

    ok, body, counts = invoke_under_fault(moto, rotator, account.arn, token, "finishSecret",
                                          "UpdateSecretVersionStage", "drop", 50)
    calls = counts.get("UpdateSecretVersionStage", 0)
    moto.reset()

    assert not ok and body.get("errorType") == "SecretsManagerTransportError"
    # curl may resend once on a reused connection that died: at most two
    # requests per attempt.
    assert DEFAULT_ATTEMPTS <= calls <= 2 * DEFAULT_ATTEMPTS, f"{calls} requests for {DEFAULT_ATTEMPTS} attempts"
    FIGURES.clean_failures += 1
    assert rotation_state(sm, db, account) == before
    run_step(rotator, account.arn, token, "finishSecret")
    check_completed(sm, db, account, token)


@pytest.mark.parametrize("max_attempts, faults, succeeds", [(1, 1, False), (4, 3, True)])
def test_max_attempts_sets_the_number_of_attempts(max_attempts, faults, succeeds, sm, db, moto, start_rotator):
    rotator = start_rotator(MAX_ATTEMPTS=str(max_attempts))
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)

    ok, body, counts = invoke_under_fault(moto, rotator, account.arn, token, "createSecret",
                                          "PutSecretValue", "throttle", faults)
    calls = counts.get("PutSecretValue")

    assert ok == succeeds, f"createSecret with MAX_ATTEMPTS={max_attempts} and {faults} throttles: {body}"
    assert calls == (faults + 1 if succeeds else max_attempts)
    if not succeeds:
        FIGURES.clean_failures += 1
    finish_from(rotator, account, token, "setSecret" if succeeds else "createSecret")
    check_completed(sm, db, account, token)


def test_a_client_error_is_not_retried(sm, db, moto, start_rotator):
    rotator = start_rotator()
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:e2e/reliability-absent-AbCdEf"
    moto.reset_calls()
    ok, body = rotator.invoke(event(missing, "00000000-0000-4000-8000-000000000000", "createSecret"))
    calls = moto.calls()

    assert not ok and body.get("errorType") == "ResourceNotFoundException"
    assert calls == {"DescribeSecret": 1}, f"a 4xx answer was retried: {calls}"


def test_throttling_retries_stop_before_the_deadline(sm, db, moto, start_rotator):
    timeout = 4.0
    rotator = start_rotator(timeout=timeout, MAX_ATTEMPTS="10")
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    before = rotation_state(sm, db, account)

    ok, body, counts = invoke_under_fault(moto, rotator, account.arn, token, "createSecret",
                                          "DescribeSecret", "throttle", 100)
    calls = counts.get("DescribeSecret", 0)
    moto.reset()

    # Its own answer is the ordering: a function still retrying at the
    # deadline is answered for by the emulator (Sandbox.Timedout). How many
    # attempts fit depends on random jitter and the machine, so only "it
    # retried" is counted; that the deadline, not MAX_ATTEMPTS, stops the
    # retries is SecretsManagerClientRetryTests' (a recorded schedule).
    assert not ok and body.get("errorType") == "ThrottlingException", \
        f"expected a clean ThrottlingException, got {body.get('errorType')}"
    assert calls >= 2, f"{calls} attempt(s): the throttled call was not retried"
    FIGURES.clean_failures += 1
    assert rotation_state(sm, db, account) == before
    finish_from(rotator, account, token, "createSecret")
    check_completed(sm, db, account, token)


@pytest.mark.parametrize("operation, step", [("GetSecretValue", "createSecret"),
                                             ("UpdateSecretVersionStage", "finishSecret")])
def test_a_service_that_does_not_answer_is_abandoned_before_the_deadline(
        operation, step, sm, db, moto, start_rotator):
    timeout = 4.0
    rotator = start_rotator(timeout=timeout)
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_until(rotator, account, token, step)

    moto.fault(operation, "hold", 100, seconds=60)
    ok, body = rotator.invoke(event(account.arn, token, step))
    moto.reset()

    assert not ok, f"{step} succeeded although {operation} never answered"
    error_type = body.get("errorType")
    # The function's own error, not the emulator's Sandbox.Timedout: it gave
    # up before its deadline (an ordering, whatever the machine's speed).
    assert error_type in ("SecretsManagerTransportError", "SecretsManagerDeadlineExceeded"), \
        f"expected a clean transport error, got {error_type}"
    FIGURES.clean_failures += 1
    # A held UpdateSecretVersionStage was applied; a held GetSecretValue changed nothing.
    finish_from(rotator, account, token, step)
    check_completed(sm, db, account, token)
