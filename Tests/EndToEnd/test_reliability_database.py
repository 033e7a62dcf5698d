"""The database misbehaving during setSecret: a server that accepts and then
never answers, a server that is down, one that refuses the login, and a
connection that dies mid-statement (killed from an admin session, or the
server killed). Each time the step must fail cleanly, before Lambda's
timeout, with nothing half-done that the next attempt cannot finish; once
the server is back, running the step again finishes the rotation.

All of it happens on a MariaDB server of the suite's own (conftest's
DedicatedMariaDB), so freezing or killing it disturbs no other test.
"""

from __future__ import annotations

import botocore.exceptions
import pytest

from harness import ROTATION_LAMBDA_ARN, STEPS, event, start_rotation
from harness.reliability import (
    FIGURES,
    check_completed,
    check_not_lost,
    create_reliability_account,
    invoke_in_background,
    rotation_state,
    wait_for,
    waiting_connection,
    writes_blocked,
)
from harness.rotation import run_step

TIMEOUT = 8.0  # the emulator's function timeout for the deadline tests


# Every test here counts into the reliability report.
pytestmark = [pytest.mark.usefixtures("reliability_figures"), pytest.mark.log_formats("text", "JSON")]


@pytest.fixture
def server(dedicated_server):
    return dedicated_server


@pytest.fixture
def db(server):
    return server.db


def prepared(sm, db, rotator):
    """A rotation whose createSecret is done, so setSecret comes next."""
    account = create_reliability_account(sm, db)
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    return account, token


def ready_for_set_secret(sm, db, start_rotator):
    """A function with the deadline tests' timeout, a rotation ready for
    setSecret, and the state to compare with after setSecret fails."""
    rotator = start_rotator(timeout=TIMEOUT)
    account, token = prepared(sm, db, rotator)
    return rotator, account, token, rotation_state(sm, db, account)


def set_secret(rotator, account, token) -> tuple[bool, dict]:
    return rotator.invoke(event(account.arn, token, "setSecret"))


def assert_clean_database_failure(ok: bool, body: dict) -> None:
    assert not ok, "setSecret succeeded although the database was unusable"
    error_type = body.get("errorType")
    # The function's own error is the ordering that it answered before its
    # deadline: past it, the emulator answers for it (Sandbox.Timedout).
    assert error_type in ("DatabaseError", "DeadlineExceeded"), f"expected a clean database error, got {error_type}"
    FIGURES.clean_failures += 1


def finish(rotator, account, token, sm, db) -> None:
    for step in STEPS[1:]:
        run_step(rotator, account.arn, token, step)
    check_completed(sm, db, account, token)


def test_a_server_that_accepts_and_never_answers(sm, server, db, start_rotator):
    rotator, account, token, before = ready_for_set_secret(sm, db, start_rotator)

    server.freeze()
    FIGURES.database_faults += 1
    try:
        ok, body = set_secret(rotator, account, token)
        pid = rotator.state()["pid"]
    finally:
        server.resume()

    assert_clean_database_failure(ok, body)
    assert pid is not None, "the function process did not survive"
    assert rotation_state(sm, db, account) == before, "the failed setSecret changed something"
    finish(rotator, account, token, sm, db)
    assert rotator.state()["pid"] == pid


def test_a_server_that_is_down(sm, server, db, start_rotator):
    rotator, account, token, before = ready_for_set_secret(sm, db, start_rotator)

    server.stop()
    FIGURES.database_faults += 1
    ok, body = set_secret(rotator, account, token)
    assert_clean_database_failure(ok, body)
    assert "unreachable" in body.get("errorMessage", ""), "the error does not say the server is unreachable"

    # While it is unfinished, the service refuses to start another rotation,
    # and retries this one with the same token.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        start_rotation(sm, account.arn)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    server.start()
    assert rotation_state(sm, db, account) == before, "the failed setSecret changed something"
    sm.rotate_secret(SecretId=account.arn, ClientRequestToken=token, RotationLambdaARN=ROTATION_LAMBDA_ARN)
    for step in STEPS:
        run_step(rotator, account.arn, token, step)
    check_completed(sm, db, account, token)


def test_a_server_that_refuses_the_login(sm, server, db, start_rotator):
    rotator, account, token, before = ready_for_set_secret(sm, db, start_rotator)

    db.execute("ALTER USER %s@'127.0.0.1' ACCOUNT LOCK", (account.username,))
    FIGURES.database_faults += 1
    try:
        ok, body = rotator.invoke(event(account.arn, token, "setSecret"))
    finally:
        db.execute("ALTER USER %s@'127.0.0.1' ACCOUNT UNLOCK", (account.username,))

    assert not ok, "setSecret succeeded although the account is locked"
    assert body.get("errorType") in ("DatabaseError", "DatabaseLoginFailed")
    assert account.username in body.get("errorMessage", ""), "the error does not name the user"
    FIGURES.clean_failures += 1
    assert rotation_state(sm, db, account) == before, "the failed setSecret changed something"
    finish(rotator, account, token, sm, db)


def set_secret_cut_mid_statement(rotator, db, account, token, cut) -> None:
    """setSecret with its statement held behind a lock, then `cut(connection id)`; it must fail cleanly."""
    with writes_blocked(db):
        thread, outcome = invoke_in_background(rotator, event(account.arn, token, "setSecret"))
        connection_id = wait_for(lambda: waiting_connection(db, account.username), 15,
                                 "setSecret's statement to wait on the lock")
        cut(connection_id)
        FIGURES.database_faults += 1
        thread.join(30)
    assert outcome, "the invoke did not return"
    ok, body = outcome[0]
    assert_clean_database_failure(ok, body)


def test_a_connection_killed_mid_statement(sm, server, db, start_rotator):
    rotator = start_rotator()
    account, token = prepared(sm, db, rotator)

    set_secret_cut_mid_statement(rotator, db, account, token,
                                 lambda connection_id: db.execute(f"KILL {int(connection_id)}"))
    check_not_lost(sm, db, account, mid_rotation=True)
    finish(rotator, account, token, sm, db)


def test_the_server_killed_mid_statement(sm, server, db, start_rotator):
    rotator = start_rotator()
    account, token = prepared(sm, db, rotator)

    set_secret_cut_mid_statement(rotator, db, account, token, lambda _: server.kill())
    server.start()
    check_not_lost(sm, db, account, mid_rotation=True)
    finish(rotator, account, token, sm, db)


def test_a_statement_that_never_returns_is_abandoned_before_the_deadline(sm, server, db, start_rotator):
    rotator = start_rotator(timeout=TIMEOUT)
    account, token = prepared(sm, db, rotator)

    with writes_blocked(db):
        FIGURES.database_faults += 1
        ok, body = set_secret(rotator, account, token)
    assert_clean_database_failure(ok, body)
    assert "unknown" in body.get("errorMessage", ""), "the error does not say the statement's effect is unknown"
    assert rotator.state()["pid"] is not None, "the function process did not survive"
    # The server still ran the statement once the lock was gone: the
    # database may now hold the pending password, which setSecret's retry finds.
    check_not_lost(sm, db, account, mid_rotation=True)
    finish(rotator, account, token, sm, db)
