"""Bad events and bad secrets: a clear error, no change anywhere, and the
process stays usable (Lambda keeps a sandbox warm after a handled error).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness import STEPS, event, start_rotation
from harness.accounts import Account
from harness.contract import product_error_types
from harness.rotation import run_step
from harness.secrets import new_password, secret_dict, snapshot, stages, version_with


@dataclass
class Case:
    """One bad invocation: how to build it (an event, or raw bytes that are
    not one), what its message must mention, and its errorType."""
    build: Callable[[Any, Any, Account, str], tuple[dict | bytes, Account | None]]
    mentions: Callable[[Any], list[str]]
    error_type: str


def missing_key(key):
    def build(sm, make_account, good, token):
        bad = event(good.arn, token, "createSecret")
        del bad[key]
        return bad, None
    return build


def malformed_json(sm, make_account, good, token):
    return b'{"SecretId": "' + good.arn.encode() + b'", "Step": ', None


def not_an_object(sm, make_account, good, token):
    return b'["createSecret"]', None


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


def secret_with(**fields):
    """A secret whose AWSCURRENT has these keys replaced, at createSecret."""
    def build(sm, make_account, good, token):
        account = make_account(extra=fields)
        return event(account.arn, start_rotation(sm, account.arn), "createSecret"), account
    return build


def pending_naming(key, value):
    """A pending version (written by someone else) naming another user or
    host: setSecret must not touch that account."""
    def build(sm, make_account, good, token):
        account = make_account()
        bad_token = start_rotation(sm, account.arn)
        pending = secret_dict(sm, account.arn)
        pending.update({key: value, "password": new_password()})
        sm.put_secret_value(SecretId=account.arn, ClientRequestToken=bad_token,
                            SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
        return event(account.arn, bad_token, "setSecret"), account
    return build


CASES = {
    "malformed event JSON": Case(malformed_json, lambda e: ["json"], "InvalidEvent"),
    "event not an object": Case(not_an_object, lambda e: ["object"], "InvalidEvent"),
    "missing SecretId": Case(missing_key("SecretId"), lambda e: ["SecretId"], "InvalidEvent"),
    "missing ClientRequestToken": Case(missing_key("ClientRequestToken"), lambda e: ["ClientRequestToken"],
                                       "InvalidEvent"),
    "missing Step": Case(missing_key("Step"), lambda e: ["step"], "InvalidEvent"),
    "unknown Step": Case(unknown_step, lambda e: ["rotateEverything"], "InvalidEvent"),
    "unknown secret": Case(unknown_secret, lambda e: ["secret"], "ResourceNotFoundException"),
    "token not a version": Case(token_not_a_version, lambda e: [e["ClientRequestToken"]], "VersionNotFound"),
    "rotation not enabled": Case(rotation_not_enabled, lambda e: ["rotation"], "RotationNotEnabled"),
    "secret value not JSON": Case(value_not_json, lambda e: ["json"], "InvalidSecret"),
    "secret without host": Case(missing_host, lambda e: ["host"], "InvalidSecret"),
    "port not a number": Case(secret_with(port="three thousand"), lambda e: ["port"], "InvalidSecret"),
    "port a boolean": Case(secret_with(port=True), lambda e: ["port"], "InvalidSecret"),
    "ssl neither boolean nor true/false": Case(secret_with(ssl="yes"), lambda e: ["ssl"], "InvalidSecret"),
    "unsupported engine": Case(secret_with(engine="postgres"), lambda e: ["engine"], "InvalidSecret"),
    "empty password": Case(secret_with(password=""), lambda e: ["password"], "InvalidSecret"),
    "username not a string": Case(secret_with(username=42), lambda e: ["username"], "InvalidSecret"),
    "pending names another user": Case(pending_naming("username", "someone_else"), lambda e: ["username"],
                                       "PendingSecretMismatch"),
    "pending names another host": Case(pending_naming("host", "localhost"), lambda e: ["host"],
                                       "PendingSecretMismatch"),
}


def invoke(rotator, payload: dict | bytes) -> tuple[bool, dict]:
    if isinstance(payload, dict):
        return rotator.invoke(payload)
    status, headers, body = rotator.invoke_raw(payload)
    assert status == 200, f"invoke answered HTTP {status}"
    failed = any(name.lower() == "x-amz-function-error" for name in headers)
    return not failed, json.loads(body)


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

    ok, body = invoke(rotator, bad_event)

    assert not ok, f"{case}: the invocation succeeded"
    error_type = body.get("errorType") or ""
    message = body.get("errorMessage") or ""
    assert error_type in product_error_types(), f"{case}: unexpected errorType {error_type!r}"
    assert error_type == CASES[case].error_type, f"{case}: errorType {error_type!r}"
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


def test_an_alternate_user_name_over_the_limit_is_refused(sm, db, start_rotator, make_account):
    # The clone of a 14-character name has 20 characters.
    rotator = start_rotator(ROTATION_STRATEGY="alternating", USERNAME_CHARACTER_LIMIT="16")
    account = make_account(extra={"masterarn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:unused"})
    token = start_rotation(sm, account.arn)
    before = world(sm, db, [account])

    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

    assert not ok, "createSecret made a user name longer than USERNAME_CHARACTER_LIMIT"
    assert body.get("errorType") == "InvalidSecret"
    assert "16" in body.get("errorMessage", ""), "the error does not state the limit"
    assert world(sm, db, [account]) == before, "something changed"
    pid = rotator.state()["pid"]
    assert pid is not None, "the function process died on bad input"
    # The same process answers the next event (refused too: createSecret
    # stored nothing, so the pending version still has no value).
    ok, body = rotator.invoke(event(account.arn, token, "testSecret"))
    assert not ok and body.get("errorType") == "VersionNotFound"
    assert rotator.state()["pid"] == pid
