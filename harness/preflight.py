"""The preflight check (`{"Check": {...}}`) driven through the emulator, and
what its end-to-end tests assert of every case: the world left unchanged
(World) and no password in the report or the function's log."""

from __future__ import annotations

import json

from .accounts import STRATEGY_GRANTS, create_rotation_admin, normalised_grants, user_exists
from .rotation import rotate
from .secrets import REGISTRY, secret_dict, snapshot


def check(emulator, arn, strategy=None):
    request = {"SecretId": arn}
    if strategy:
        request["Strategy"] = strategy
    ok, body = emulator.invoke({"Check": request})
    assert ok, f"the check itself failed: {body.get('errorType') if isinstance(body, dict) else body}"
    return body


def failed(report):
    return sorted(c["name"] for c in report["checks"] if not c["ok"])


def by_name(report, name):
    matches = [c for c in report["checks"] if c["name"] == name]
    assert matches, f"no check named {name}: {[c['name'] for c in report['checks']]}"
    return matches[0]


class World:
    """Everything a check must leave alone, as digests: the secret's labelled
    versions and values, and each account's existence, credentials and grants."""

    def __init__(self, sm, db, arn, users):
        self.sm, self.db, self.arn, self.users = sm, db, arn, users

    def observe(self):
        accounts = {}
        for user in self.users:
            accounts[user] = ((self.db.auth_digest(user), normalised_grants(self.db, user))
                              if user_exists(self.db, user) else None)
        return {"secret": snapshot(self.sm, self.arn), "accounts": accounts}


def passwords(sm, arn, *extra):
    found = [secret_dict(sm, arn)["password"], *extra]
    for value in found:
        REGISTRY.add(value)
    return found


def assert_unchanged_and_silent(world, before, report, emulator, secrets):
    after = world.observe()
    assert after == before, "the check changed a version, stage, value, user, password or grant"
    report_text = json.dumps(report)
    log_text = emulator.log_path.read_text(errors="replace")
    assert not any(p in report_text for p in secrets), "a password is in the report"
    assert not any(p in log_text for p in secrets), "a password is in the function's log"
    assert "check done" in log_text, "the check logged no line"


def healthy(strategy, sm, db, services, make_account, start_rotator, **env):
    """A secret rotated once by the function (so rotation is on, points at it,
    and nothing is pending), the function, and its admin if any."""
    admin = None
    extra = {}
    if strategy != "self":
        admin = create_rotation_admin(sm, db, STRATEGY_GRANTS[strategy])
        REGISTRY.add(admin.password)
        extra["masterarn"] = admin.arn
    account = make_account(extra=extra)
    emulator = start_rotator(ROTATION_STRATEGY=strategy, **env)
    rotate(sm, emulator, account.arn)
    users = [account.username, account.username + "_clone"]
    if admin:
        users.append(admin.username)
    return account, admin, emulator, users
