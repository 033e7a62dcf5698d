"""User names: any characters rotate under every strategy, the alternating
clone must fit the server's limit, and the strategy name itself is checked
at start-up.
"""

from __future__ import annotations

import uuid

import pytest

from harness import event, start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS, normalised_grants, user_exists
from harness.rotation import rotate
from harness.secrets import secret_dict, snapshot

# Enough for both admin strategies (README.md, "Strategies").
pytestmark = pytest.mark.admin_grants(*ALTERNATING_STRATEGY_GRANTS)
MARIADB_USERNAME_LIMIT = 128  # MariaDB 10.11's mysql.user.User
CLONE_SUFFIX = "_clone"


def name_of_length(length: int) -> str:
    name = f"n{uuid.uuid4().hex}"[:min(length, 12)]
    return name + "x" * (length - len(name))


def drop_pair(db, name):
    for user in (name, name + CLONE_SUFFIX):
        if len(user) > MARIADB_USERNAME_LIMIT:
            continue  # the server cannot even name it in DROP USER
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))


@pytest.mark.parametrize("strategy", ["self", "admin", "alternating"])
def test_a_name_with_quotes_backticks_and_backslashes_rotates(strategy, sm, db, admin, start_rotator, make_account):
    name = f"we'ird`na\\me\"{uuid.uuid4().hex[:6]}"
    drop_pair(db, name)
    rotator = start_rotator(ROTATION_STRATEGY=strategy)
    account = make_account(name, extra={"masterarn": admin.arn})
    try:
        passwords = [account.password]
        users = []
        for _ in range(2):
            rotate(sm, rotator, account.arn)
            current = secret_dict(sm, account.arn)
            passwords.append(current["password"])
            users.append(current["username"])
            works = db.can_login(current["username"], current["password"])
            assert works, f"{strategy}: the rotated credential does not log in"
        if strategy == "alternating":
            assert users == [name + CLONE_SUFFIX, name]
            assert normalised_grants(db, name + CLONE_SUFFIX) == normalised_grants(db, name), \
                "the clone's grants differ beyond the name"
            previous_works = db.can_login(name + CLONE_SUFFIX, passwords[1])
            assert previous_works, "the previous credential stopped working"
        else:
            assert users == [name, name]
            initial_works = db.can_login(name, passwords[0])
            assert not initial_works, f"{strategy}: the replaced password still logs in"
    finally:
        drop_pair(db, name)


def test_the_longest_name_whose_clone_fits_the_server_rotates(sm, db, admin, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY="alternating")  # no USERNAME_CHARACTER_LIMIT: the server's
    name = name_of_length(MARIADB_USERNAME_LIMIT - len(CLONE_SUFFIX))
    drop_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    try:
        for expected in (name + CLONE_SUFFIX, name):
            rotate(sm, rotator, account.arn)
            current = secret_dict(sm, account.arn)
            assert current["username"] == expected
            works = db.can_login(current["username"], current["password"])
            assert works, f"the {len(expected)}-character user does not log in"
    finally:
        drop_pair(db, name)


@pytest.mark.parametrize("length, limit", [
    (MARIADB_USERNAME_LIMIT - len(CLONE_SUFFIX) + 1, None),  # the server's limit
    (12, "16"),                                             # USERNAME_CHARACTER_LIMIT
])
def test_a_clone_name_over_the_limit_fails_create_secret(length, limit, sm, db, admin, start_rotator, make_account):
    extra_env = {"USERNAME_CHARACTER_LIMIT": limit} if limit else {}
    rotator = start_rotator(ROTATION_STRATEGY="alternating", **extra_env)
    name = name_of_length(length)
    drop_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    token = start_rotation(sm, account.arn)
    before = (snapshot(sm, account.arn), db.auth_digest(name), sorted(db.execute("SELECT User, Host FROM mysql.user")))
    try:
        ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

        assert not ok, "createSecret accepted a clone name over the limit"
        assert body["errorType"] == "InvalidSecret"
        assert str(int(limit or MARIADB_USERNAME_LIMIT)) in body["errorMessage"], "the error does not give the limit"
        after = (snapshot(sm, account.arn), db.auth_digest(name),
                 sorted(db.execute("SELECT User, Host FROM mysql.user")))
        assert after == before, "something changed"
    finally:
        drop_pair(db, name)


def test_a_configured_limit_admits_a_clone_of_exactly_that_length(sm, db, admin, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY="alternating", USERNAME_CHARACTER_LIMIT="16")
    name = name_of_length(16 - len(CLONE_SUFFIX))
    drop_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    try:
        rotate(sm, rotator, account.arn)
        assert secret_dict(sm, account.arn)["username"] == name + CLONE_SUFFIX
        assert user_exists(db, name + CLONE_SUFFIX)
    finally:
        drop_pair(db, name)


def test_an_unknown_strategy_fails_the_init(sm, start_rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator(ROTATION_STRATEGY="multiuser")
    before = snapshot(sm, account.arn)

    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

    assert not ok, "the function ran with an unknown strategy"
    assert body["errorType"] == "Configuration"
    assert "ROTATION_STRATEGY" in body["errorMessage"], "the error does not name the variable"
    state = rotator.state()
    assert state["last_init_error"]["errorType"] == "Configuration", "not reported to /runtime/init/error"
    assert snapshot(sm, account.arn) == before, "something changed"
