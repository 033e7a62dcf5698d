"""Secrets that would point a rotation at the wrong account or server, and
admin secrets that are wrong: each is refused with a clear error, and
nothing changes in the database or in Secrets Manager.

The tampered AWSPENDING values are written with boto3 right after
RotateSecret, as anyone allowed to PutSecretValue could.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness import event, start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS, normalised_grants
from harness.rotation import run_step
from harness.secrets import mariadb_secret, new_password, snapshot, unique

# A superset of what both admin strategies need (README.md, "Strategies").
pytestmark = [pytest.mark.admin_grants(*ALTERNATING_STRATEGY_GRANTS), pytest.mark.log_formats("text", "JSON")]
# setSecret is what these tests are about: with a fixed limit createSecret
# does not need the admin, so a bad admin secret surfaces in setSecret.
LIMIT = {"USERNAME_CHARACTER_LIMIT": "128"}


@pytest.fixture
def victim(db):
    """Another account on the same server, which no rotation here may touch."""
    name = unique("victim")
    db.create_user(name, new_password())
    yield name
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (name,))


def world(sm, db, arns: list[str], users: list[str]) -> dict[str, Any]:
    """Every account on the server and the named users' credentials and
    grants, plus the secrets' versions: as digests and hash-free text."""
    return {
        "accounts": sorted(db.execute("SELECT User, Host FROM mysql.user")),
        "credentials": {user: db.auth_digest(user) for user in users},
        "grants": {user: normalised_grants(db, user) for user in users},
        "secrets": {arn: snapshot(sm, arn) for arn in arns},
    }


@pytest.fixture
def trap():
    """A listening port nobody serves: the kernel queues any connection to it,
    so afterwards a non-blocking accept tells whether the function called."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    listener.close()


def was_called(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


@dataclass
class Tampering:
    """How the AWSPENDING value differs from AWSCURRENT, and what the error names."""
    change: Callable[[dict, str, int], dict]
    mentions: str


TAMPERINGS = {
    "another user": Tampering(lambda secret, victim, trap_port: {**secret, "username": victim}, "username"),
    "another host": Tampering(lambda secret, victim, trap_port: {**secret, "host": "localhost"}, "host"),
    # A port where something listens: refusing must not mean trying first.
    "another port": Tampering(lambda secret, victim, trap_port: {**secret, "port": trap_port}, "port"),
}


@pytest.mark.parametrize("strategy", ["self", "admin", "alternating"])
@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_a_pending_secret_for_another_account_is_refused(
        tampering, strategy, sm, db, admin, victim, trap, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY=strategy, **LIMIT)
    account = make_account(extra={"masterarn": admin.arn})
    token = start_rotation(sm, account.arn)
    current = json.loads(sm.get_secret_value(SecretId=account.arn)["SecretString"])
    pending = TAMPERINGS[tampering].change({**current, "password": new_password()}, victim, trap.getsockname()[1])
    if strategy == "alternating" and tampering != "another user":
        pending["username"] = current["username"] + "_clone"  # only the tampered field is wrong
    sm.put_secret_value(SecretId=account.arn, ClientRequestToken=token,
                        SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
    users = [account.username, victim, admin.username]
    before = world(sm, db, [account.arn, admin.arn], users)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok, "setSecret accepted the tampered pending secret"
    assert body["errorType"] == "PendingSecretMismatch"
    assert TAMPERINGS[tampering].mentions in body["errorMessage"], "the error does not name the field"
    assert world(sm, db, [account.arn, admin.arn], users) == before, "something changed"
    still_works = db.can_login(account.username, account.password)
    assert still_works, "the current password stopped working"
    called = was_called(trap)
    assert not called, "the function connected to the port the tampered secret names"


def test_alternating_refuses_a_pending_secret_for_the_current_user_itself(
        sm, db, admin, start_rotator, make_account):
    # The current user's password must never change under this strategy.
    rotator = start_rotator(ROTATION_STRATEGY="alternating", **LIMIT)
    account = make_account(extra={"masterarn": admin.arn})
    token = start_rotation(sm, account.arn)
    current = json.loads(sm.get_secret_value(SecretId=account.arn)["SecretString"])
    sm.put_secret_value(SecretId=account.arn, ClientRequestToken=token,
                        SecretString=json.dumps({**current, "password": new_password()}),
                        VersionStages=["AWSPENDING"])
    users = [account.username, admin.username]
    before = world(sm, db, [account.arn], users)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "PendingSecretMismatch"
    assert "username" in body["errorMessage"]
    assert world(sm, db, [account.arn], users) == before, "something changed"


def admin_elsewhere(services, sm, admin):
    secret = mariadb_secret("localhost", services.port, admin.username, admin.password)
    return sm.create_secret(Name=unique("e2e/admin-elsewhere"), SecretString=json.dumps(secret))["ARN"]


def admin_on_another_port(services, sm, admin):
    secret = mariadb_secret(services.host, services.plain_port, admin.username, admin.password)
    return sm.create_secret(Name=unique("e2e/admin-port"), SecretString=json.dumps(secret))["ARN"]


def admin_with_a_wrong_password(services, sm, admin):
    secret = mariadb_secret(services.host, services.port, admin.username, new_password())
    return sm.create_secret(Name=unique("e2e/admin-wrong"), SecretString=json.dumps(secret))["ARN"]


ADMIN_CASES = {
    # (make the masterarn, errorType, what the message must name)
    "admin on another host": (admin_elsewhere, "AdminSecretMismatch", "host"),
    "admin on another port": (admin_on_another_port, "AdminSecretMismatch", "port"),
    "admin password wrong": (admin_with_a_wrong_password, "DatabaseLoginFailed", "admin"),
}


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
@pytest.mark.parametrize("case", list(ADMIN_CASES))
def test_a_bad_admin_secret_is_refused(case, strategy, services, sm, db, admin, start_rotator, make_account):
    make_masterarn, error_type, mentions = ADMIN_CASES[case]
    masterarn = make_masterarn(services, sm, admin)
    rotator = start_rotator(ROTATION_STRATEGY=strategy, **LIMIT)
    account = make_account(extra={"masterarn": masterarn})
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    users = [account.username, admin.username]
    before = world(sm, db, [account.arn, masterarn], users)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok, "setSecret succeeded with a bad admin secret"
    assert body["errorType"] == error_type
    message = body["errorMessage"]
    assert masterarn in message, "the error does not name the admin secret"
    assert mentions in message, f"the error does not mention {mentions!r}"
    assert world(sm, db, [account.arn, masterarn], users) == before, "something changed"
    still_works = db.can_login(account.username, account.password)
    assert still_works, "the current password stopped working"


@pytest.mark.parametrize("case", list(ADMIN_CASES))
def test_alternating_create_secret_asking_the_server_for_the_limit_refuses_a_bad_admin(
        case, services, sm, db, admin, start_rotator, make_account):
    make_masterarn, error_type, mentions = ADMIN_CASES[case]
    masterarn = make_masterarn(services, sm, admin)
    rotator = start_rotator(ROTATION_STRATEGY="alternating")
    account = make_account(extra={"masterarn": masterarn})
    token = start_rotation(sm, account.arn)
    users = [account.username, admin.username]
    before = world(sm, db, [account.arn, masterarn], users)

    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

    assert not ok and body["errorType"] == error_type
    assert masterarn in body["errorMessage"] and mentions in body["errorMessage"]
    assert world(sm, db, [account.arn, masterarn], users) == before, "something changed"


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
def test_a_missing_masterarn_is_a_clear_error(strategy, sm, db, admin, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY=strategy, **LIMIT)
    account = make_account()
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    users = [account.username]
    before = world(sm, db, [account.arn], users)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "InvalidSecret"
    assert "masterarn" in body["errorMessage"], "the error does not name the missing key"
    assert world(sm, db, [account.arn], users) == before, "something changed"


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
def test_a_current_secret_that_does_not_log_in_stops_the_admin(
        strategy, sm, db, admin, start_rotator, make_account, victim):
    """A secret may not borrow the admin to take over an account it cannot
    log into: here AWSCURRENT names the victim with a password of its own."""
    rotator = start_rotator(ROTATION_STRATEGY=strategy, **LIMIT)
    account = make_account(victim, create_user=False, extra={"masterarn": admin.arn})
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    users = [victim, admin.username]
    before = world(sm, db, [account.arn], users)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "DatabaseLoginFailed"
    assert "AWSCURRENT" in body["errorMessage"], "the error does not name the credential that failed"
    assert world(sm, db, [account.arn], users) == before, "something changed"
