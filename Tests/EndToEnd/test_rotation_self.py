"""Single-user rotation (ROTATION_STRATEGY=self), end to end.

Each rotation is what Secrets Manager does: RotateSecret (our moto adds the
value-less AWSPENDING version), then the four steps invoked on the product
through the Lambda emulator. boto3 and pymysql check the outcome.
"""

from __future__ import annotations

import json
import re

from harness.rotation import rotate
from harness.secrets import digest, secret_dict, secret_value, stages, version_with

ROTATIONS = 3


def assert_rotated(sm, db, arn, token, previous_current, username, old_password,
                   password_key="password"):
    """The checks that must hold after every completed rotation."""
    new_password = secret_dict(sm, arn)[password_key]

    # Booleans first: pytest explains a failed assert with its operands, and
    # those must never be passwords.
    new_logs_in = db.can_login(username, new_password)
    old_logs_in = db.can_login(username, old_password)
    assert new_logs_in, "the new AWSCURRENT password does not log in"
    assert not old_logs_in, "the replaced password still logs in"
    changed = new_password != old_password
    assert changed, "rotation kept the old password"
    length = len(new_password)
    assert length == 32, "the new password does not have PASSWORD_LENGTH characters"

    labels = stages(sm, arn)
    # AWS's rotation templates only move AWSCURRENT in finishSecret, so
    # AWSPENDING stays on the new current version until the next RotateSecret
    # moves it to that rotation's new version.
    assert labels[token] == ["AWSCURRENT", "AWSPENDING"]
    assert labels[previous_current] == ["AWSPREVIOUS"]
    assert version_with(labels, "AWSCURRENT") == token
    assert version_with(labels, "AWSPREVIOUS") == previous_current
    assert version_with(labels, "AWSPENDING") == token, "AWSPENDING left on another version"
    return new_password


def test_three_rotations_in_a_row(sm, db, rotator, make_account):
    account = make_account("app")
    password, current = account.password, account.initial_version
    initial_logs_in = db.can_login("app", password)
    assert initial_logs_in, "setup: the initial password does not log in"

    seen = {digest(password)}
    for _ in range(ROTATIONS):
        token = rotate(sm, rotator, account.arn)
        password = assert_rotated(sm, db, account.arn, token, current, "app", password)
        current = token
        seen.add(digest(password))

    assert len(seen) == ROTATIONS + 1, "a password was reused across rotations"
    assert rotator.state()["cold_starts"] == 1, "the function process restarted during the rotations"


BIG_INT = "9007199254740993"  # 2**53 + 1: not representable as a double


def test_every_other_key_is_carried_over_unchanged(services, sm, db, rotator, make_account):
    account = make_account(create_user=True)
    # Rewrite the secret as hand-written JSON so the raw text of the 64-bit
    # integer is exactly what we control.
    original = secret_dict(sm, account.arn)
    raw = json.dumps(original)[:-1] + (
        ', "nested": {"a": [1, 2, {"b": null}], "c": "d"}'
        ', "list": [1, "two", 3.5, false, null]'
        f', "big": {BIG_INT}'
        ', "ratio": 0.1, "negative": -1.5e-7'
        ', "enabled": true, "nothing": null'
        ', "unicode": "h\\u00e9llo w\\u00f6rld \\u2713 \\ud83d\\ude00 日本語"'
        ', "escapes": "quote \\" backslash \\\\ slash / tab \\t"'
        "}")
    before = json.loads(raw)
    sm.put_secret_value(SecretId=account.arn, SecretString=raw)  # new AWSCURRENT
    previous_current = version_with(stages(sm, account.arn), "AWSCURRENT")

    token = rotate(sm, rotator, account.arn)

    assert_rotated(sm, db, account.arn, token, previous_current, account.username, account.password)
    after_raw = secret_value(sm, account.arn)
    after = json.loads(after_raw)
    assert sorted(after) == sorted(before), "the set of keys changed"
    for key in before:
        if key != "password":
            assert after[key] == before[key], f"key {key!r} changed"
    assert re.search(r'"big"\s*:\s*' + BIG_INT + r"(?![0-9.eE])", after_raw), \
        "the 64-bit integer did not survive as written"


def test_custom_username_and_password_keys(sm, db, start_rotator, make_account):
    rotator = start_rotator(USERNAME_KEY="db_username", PASSWORD_KEY="db_password")
    account = make_account(username_key="db_username", password_key="db_password")
    keys_before = sorted(secret_dict(sm, account.arn))

    token = rotate(sm, rotator, account.arn)

    assert_rotated(sm, db, account.arn, token, account.initial_version, account.username,
                   account.password, password_key="db_password")
    assert sorted(secret_dict(sm, account.arn)) == keys_before, \
        "rotation added or removed keys (e.g. wrote 'password' instead of 'db_password')"
