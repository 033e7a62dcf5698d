"""Admin rotation (ROTATION_STRATEGY=admin), end to end.

rotation_admin@127.0.0.1 holds exactly what README.md's "Strategies"
section lists for this strategy, so these tests also prove that list is
enough. The application user holds nothing but SELECT on appdb.
"""

from __future__ import annotations

import json

import pymysql
import pytest

from harness import event, start_rotation
from harness.accounts import ADMIN_STRATEGY_GRANTS
from harness.rotation import rotate
from harness.secrets import REGISTRY, all_version_values, digest, new_password, secret_dict, snapshot

# README.md, "Strategies", admin: the whole list.
pytestmark = pytest.mark.admin_grants(*ADMIN_STRATEGY_GRANTS)
ROTATIONS = 3


@pytest.fixture
def admin_rotator(start_rotator):
    return start_rotator(ROTATION_STRATEGY="admin")


def application_user_cannot_alter_users(db, user, password) -> bool:
    """True when the user's own session is refused ALTER USER (the admin's statement)."""
    with db.connect(user, password) as connection, connection.cursor() as cursor:
        try:
            cursor.execute("ALTER USER CURRENT_USER() IDENTIFIED BY %s", (password,))
        except pymysql.err.OperationalError as error:
            return error.args[0] in (1227, 1044, 1045)  # access denied / needs CREATE USER
    return False


def test_three_rotations_leave_only_the_newest_password_and_the_admin_untouched(
        sm, db, admin, admin_rotator, make_account):
    account = make_account("app_admin_strategy", extra={"masterarn": admin.arn})
    grants = db.execute("SHOW GRANTS FOR %s@'127.0.0.1'", (account.username,))
    privileges = sorted(line.split(" TO ")[0] for (line,) in grants)
    assert privileges == ["GRANT SELECT ON `appdb`.*", "GRANT USAGE ON *.*"], \
        "setup: the application user holds more than SELECT on appdb"
    refused = application_user_cannot_alter_users(db, account.username, account.password)
    assert refused, "setup: the application user may run ALTER USER"
    admin_before = db.auth_digest(admin.username)

    passwords = [account.password]
    for _ in range(ROTATIONS):
        rotate(sm, admin_rotator, account.arn)
        passwords.append(secret_dict(sm, account.arn)["password"])
    logs_in = [db.can_login(account.username, password) for password in passwords]
    assert logs_in == [False] * ROTATIONS + [True], "not exactly the newest password logs in"
    assert len({digest(password) for password in passwords}) == ROTATIONS + 1, "a password was reused"

    admin_still_logs_in = db.can_login(admin.username, admin.password)
    assert admin_still_logs_in, "the admin's own password no longer logs in"
    assert db.auth_digest(admin.username) == admin_before, "the admin account changed"

    values = all_version_values(sm, account.arn)
    assert len(values) == ROTATIONS + 1, "expected one value per version"
    leaked = sum(admin.password in value for value in values)
    assert leaked == 0, f"the admin password is in {leaked} version(s) of the rotated secret"
    foreign_keys = [sorted(set(secret) - {"password"}) for secret in map(json.loads, values)]
    assert all(keys == foreign_keys[0] for keys in foreign_keys), "a version gained or lost keys"

    admin_rotator.close()  # flush the function's log
    in_log = admin.password in admin_rotator.log_path.read_text("utf-8", errors="replace")
    assert not in_log, "the admin password is in the function's log"
    assert REGISTRY.count_in([admin_rotator.log_path]) == 0, "a registered password is in the function's log"


def test_the_exact_account_is_changed_never_a_guessed_host(sm, db, admin, admin_rotator, make_account):
    # Two accounts with the same user name: the rotated one is @'127.0.0.1',
    # the decoy @'%' (which a guess of the host part would hit).
    account = make_account("app_two_hosts", extra={"masterarn": admin.arn})
    decoy_password = new_password()
    db.execute("DROP USER IF EXISTS %s@'%%'", (account.username,))
    db.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (account.username, decoy_password))
    decoy_before = digest(db.execute("SHOW CREATE USER %s@'%%'", (account.username,))[0][0])
    try:
        rotate(sm, admin_rotator, account.arn)
        decoy_after = digest(db.execute("SHOW CREATE USER %s@'%%'", (account.username,))[0][0])
        new_logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    finally:
        db.execute("DROP USER IF EXISTS %s@'%%'", (account.username,))
    assert new_logs_in, "the new password does not log in"
    assert decoy_after == decoy_before, "the admin changed the @'%' account instead of @'127.0.0.1'"


def test_a_missing_masterarn_is_a_clear_error(sm, db, admin_rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)
    ok, body = admin_rotator.invoke(event(account.arn, token, "createSecret"))
    assert ok, "createSecret needs no admin under the admin strategy"
    before = (snapshot(sm, account.arn), db.auth_digest(account.username))

    ok, body = admin_rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok, "setSecret succeeded without a masterarn"
    assert body["errorType"] == "InvalidSecret"
    assert "masterarn" in body["errorMessage"], "the error does not name the missing key"
    assert (snapshot(sm, account.arn), db.auth_digest(account.username)) == before, "something changed"
