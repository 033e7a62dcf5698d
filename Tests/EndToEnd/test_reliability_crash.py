"""The function process killed (SIGKILL, as Lambda does on a timeout or an
out-of-memory) before, during and after each step; the rotation is then
resumed from a new process and must converge to a correct rotation.

"During" is made exact where it matters: moto holds the answer to an
operation it has already performed (moto_server.py's "hold" fault), or the
database holds setSecret's statement behind a global read lock, and the
process is killed while it waits. A second test kills at random instants of
whole rotations. (Killing after createSecret, setSecret and testSecret, and
running each step twice, are in test_idempotency.py.)
"""

from __future__ import annotations

import os
import random
import threading
import time

import pytest

from harness import STEPS, event, start_rotation
from harness.reliability import (
    FIGURES,
    check_completed,
    check_not_lost,
    create_reliability_account,
    invoke_in_background,
    wait_for,
    waiting_connection,
    writes_blocked,
)
from harness.rotation import run_step
from harness.secrets import digest, secret_value, stages, version_with

# Every test here counts into the reliability report.
pytestmark = [pytest.mark.usefixtures("reliability_figures"), pytest.mark.log_formats("text", "JSON")]


def resume(rotator, account, token) -> None:
    """What Secrets Manager does after a failed step: the steps again, same token."""
    for step in STEPS:
        run_step(rotator, account.arn, token, step)


def kill(rotator) -> int:
    pid = rotator.kill()
    assert pid is not None, "no function process to kill"
    FIGURES.process_kills += 1
    return pid


def test_killed_between_every_step(sm, db, start_rotator):
    """An idle process killed before each step (so after the one before),
    and after finishSecret: each next step starts a new process."""
    rotator = start_rotator()
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    for step in STEPS:
        run_step(rotator, account.arn, token, step)
        kill(rotator)
    resume(rotator, account, token)  # a redelivered rotation after the last kill
    assert rotator.state()["cold_starts"] == len(STEPS) + 1
    check_completed(sm, db, account, token)


# (step, the operation whose answer is held when the process dies)
HELD = [
    ("createSecret", "DescribeSecret"),
    ("createSecret", "GetSecretValue"),
    ("createSecret", "PutSecretValue"),
    ("setSecret", "GetSecretValue"),
    ("testSecret", "GetSecretValue"),
    ("finishSecret", "UpdateSecretVersionStage"),
]


@pytest.mark.parametrize("step, operation", HELD, ids=[f"{s}-{o}" for s, o in HELD])
def test_killed_while_waiting_for_secrets_manager(step, operation, sm, db, moto, start_rotator):
    rotator = start_rotator()
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    earlier_steps = STEPS[:STEPS.index(step)]
    for earlier in earlier_steps:
        run_step(rotator, account.arn, token, earlier)
    if earlier_steps:
        # The step under test starts in a new process, as after any Lambda
        # recycling: a warm one already knows the versions it read or wrote
        # and would not ask Secrets Manager for them again.
        kill(rotator)

    moto.fault(operation, "hold", 1, seconds=60)
    thread, outcome = invoke_in_background(rotator, event(account.arn, token, step))
    wait_for(lambda: moto.held() == 1, 15, f"{operation} to be held")
    kill(rotator)
    thread.join(30)
    moto.reset()
    assert outcome and not outcome[0][0], "the killed invocation did not fail"
    assert outcome[0][1].get("errorType") == "Runtime.ExitError"

    if operation == "PutSecretValue":
        # The service stored the pending value the dead process never heard
        # of; the new process must keep it, not make another password.
        stored = digest(secret_value(sm, account.arn, VersionId=token))
        assert stored is not None, "the held PutSecretValue was not performed"
        run_step(rotator, account.arn, token, "createSecret")
        kept = digest(secret_value(sm, account.arn, VersionId=token)) == stored
        assert kept, "createSecret replaced the pending value after the crash"
    if operation == "UpdateSecretVersionStage":
        assert version_with(stages(sm, account.arn), "AWSCURRENT") == token, "the held stage move was not performed"
    resume(rotator, account, token)
    assert rotator.state()["cold_starts"] == (3 if earlier_steps else 2)
    check_completed(sm, db, account, token)


def test_killed_while_the_password_change_waits_in_the_database(sm, dedicated_server, start_rotator):
    db = dedicated_server.db
    rotator = start_rotator()
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")

    with writes_blocked(db):
        thread, outcome = invoke_in_background(rotator, event(account.arn, token, "setSecret"))
        wait_for(lambda: waiting_connection(db, account.username), 15, "setSecret's statement to wait on the lock")
        kill(rotator)
        thread.join(30)
    # Whether the orphaned statement ran once the lock was gone is the
    # server's business; either way the rotation must finish.
    assert outcome and outcome[0][1].get("errorType") == "Runtime.ExitError"
    check_not_lost(sm, db, account, mid_rotation=True)
    resume(rotator, account, token)
    check_completed(sm, db, account, token)


KILLS_AT_RANDOM = int(os.environ.get("RELIABILITY_RANDOM_KILLS", "12"))
SEED = int(os.environ.get("RELIABILITY_SEED", "20240604"))


def test_killed_at_random_instants(sm, db, start_rotator):
    """Kills at instants spread uniformly over a whole rotation (seeded, so a
    failure can be replayed with RELIABILITY_SEED)."""
    chooser = random.Random(SEED)
    rotator = start_rotator()

    # How long an undisturbed rotation takes here, cold start included.
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    rotator.kill()
    started = time.monotonic()
    resume(rotator, account, token)
    duration = time.monotonic() - started
    check_completed(sm, db, account, token)

    interrupted = 0
    for _ in range(KILLS_AT_RANDOM):
        account = create_reliability_account(sm, db)
        token = start_rotation(sm, account.arn)
        rotator.kill()  # every attempt starts cold, as the measurement did
        after = chooser.uniform(0, duration)

        # Runs (in a thread) and ends within this iteration: the loop's account and token.
        def whole_rotation() -> list[tuple[bool, dict]]:
            outcomes = []
            for step in STEPS:
                outcomes.append(rotator.invoke(event(account.arn, token, step)))  # noqa: B023
                if not outcomes[-1][0]:
                    break
            return outcomes

        results: list = []
        thread = invoke_thread(whole_rotation, results)
        time.sleep(after)  # the fault's timing is the test's input, not a synchronisation
        if rotator.kill() is not None:
            FIGURES.process_kills += 1
        thread.join(60)
        assert results, "the interrupted rotation did not return"
        if any(body.get("errorType") == "Runtime.ExitError" for ok, body in results[0] if not ok):
            interrupted += 1

        resume(rotator, account, token)
        check_completed(sm, db, account, token)
    # How many instants hit a step in flight depends on the machine's speed,
    # so it is reported, not asserted: the kills made exact mid-step above
    # (moto's held answers, the database's held statement) prove that case.
    FIGURES.random_kills_mid_step += interrupted


def invoke_thread(work, results: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    return thread
