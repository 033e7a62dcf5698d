"""Bad events and bad secrets: a clear error, no change anywhere, and the
process stays usable (Lambda keeps a sandbox warm after a handled error).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from conftest import (
    PRODUCT_ERROR_TYPES,
    STEPS,
    Account,
    event,
    run_step,
    snapshot,
    stages,
    start_rotation,
    version_with,
)


@dataclass
class Case:
    """One bad invocation: how to build it, and what its message must mention."""
    build: Callable[[Any, Any, Account, str], tuple[dict, Account | None]]
    mentions: Callable[[dict], list[str]]


def missing_step(sm, make_account, good, token):
    bad = event(good.arn, token, "createSecret")
    del bad["Step"]
    return bad, None


def unknown_step(sm, make_account, good, token):
    return event(good.arn, token, "rotateEverything"), None


def unknown_secret(sm, make_account, good, token):
    missing = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:e2e/absent-{uuid.uuid4().hex[:8]}-AbCdEf"
    return event(missing, token, "createSecret"), None


def token_not_a_version(sm, make_account, good, token):
    return event(good.arn, str(uuid.uuid4()), "createSecret"), None


def rotation_not_enabled(sm, make_account, good, token):
    # A secret never given to RotateSecret has no RotationEnabled at all, and
    # AWS's templates only refuse when it is present and false: cancelling a
    # rotation makes it so.
    account = make_account()
    bad_token = start_rotation(sm, account.arn)
    sm.cancel_rotate_secret(SecretId=account.arn)
    assert sm.describe_secret(SecretId=account.arn)["RotationEnabled"] is False
    return event(account.arn, bad_token, "createSecret"), account


def value_not_json(sm, make_account, good, token):
    account = make_account(secret_string="engine=mariadb host=127.0.0.1 (not JSON)")
    return event(account.arn, start_rotation(sm, account.arn), "createSecret"), account


def missing_host(sm, make_account, good, token):
    account = make_account(drop=["host"])
    return event(account.arn, start_rotation(sm, account.arn), "createSecret"), account


CASES = {
    "missing Step": Case(missing_step, lambda e: ["step"]),
    "unknown Step": Case(unknown_step, lambda e: ["rotateEverything"]),
    "unknown secret": Case(unknown_secret, lambda e: ["secret"]),
    "token not a version": Case(token_not_a_version, lambda e: [e["ClientRequestToken"]]),
    "rotation not enabled": Case(rotation_not_enabled, lambda e: ["rotation"]),
    "secret value not JSON": Case(value_not_json, lambda e: ["json"]),
    "secret without host": Case(missing_host, lambda e: ["host"]),
}


def world(sm, db, accounts: list[Account]) -> dict:
    """The secrets' versions and values, and the users' stored credentials, as digests."""
    return {account.arn: {"secret": snapshot(sm, account.arn),
                          "database": db.auth_digest(account.username)}
            for account in accounts}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_without_side_effects(case, sm, db, rotator, make_account):
    good = make_account()
    token = start_rotation(sm, good.arn)
    bad_event, bad_account = CASES[case].build(sm, make_account, good, token)
    involved = [good] + ([bad_account] if bad_account else [])
    before = world(sm, db, involved)

    ok, body = rotator.invoke(bad_event)

    assert not ok, f"{case}: the invocation succeeded"
    error_type = body.get("errorType") or ""
    message = body.get("errorMessage") or ""
    assert error_type in PRODUCT_ERROR_TYPES, f"{case}: unexpected errorType {error_type!r}"
    for fragment in CASES[case].mentions(bad_event):
        assert fragment.lower() in message.lower(), \
            f"{case}: the error message does not mention {fragment!r}"
    assert world(sm, db, involved) == before, f"{case}: something changed"
    if bad_account is not None:
        initial_still_works = db.can_login(bad_account.username, bad_account.password)
        assert initial_still_works, f"{case}: the user's password changed"

    # The same process then serves a valid rotation.
    pid = rotator.state()["pid"]
    assert pid is not None, f"{case}: the function process died on bad input"
    for step in STEPS:
        run_step(rotator, good.arn, token, step)
    state = rotator.state()
    assert state["pid"] == pid and state["cold_starts"] == 1
    assert version_with(stages(sm, good.arn), "AWSCURRENT") == token
