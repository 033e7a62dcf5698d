"""KEEP_PREVIOUS_PASSWORD, a rotation that changes only the password, and
a function that is no master key, end to end on MariaDB 10.11 through the
built zip (docs/password-only-rotation.md, docs/strategies-security.md).

Logins are checked with the mariadb command-line client (harness/dual_password.py):
pymysql cannot follow the second ed25519 method.
"""

from __future__ import annotations

import json

import pytest

from harness import STEPS, event, start_rotation
from harness.accounts import ROTATION_ADMIN, user_exists
from harness.dual_password import cli_logs_in, ensure_ed25519, methods
from harness.rotation import rotate, run_step
from harness.secrets import REGISTRY, mariadb_secret, new_password, secret_dict, snapshot, unique

# The alternating strategy's list (README), which also lets the admin read
# the grant tables: that is what names an IAM account's reason.
pytestmark = pytest.mark.admin_grants(
    "CREATE USER ON *.*", "SELECT ON mysql.*", "ALL PRIVILEGES ON appdb.* WITH GRANT OPTION")
ROTATIONS = 3


@pytest.fixture(scope="module", autouse=True)
def ed25519(db):
    ensure_ed25519(db)


def make_ed25519_account(sm, db, admin, name=None):
    """An `ed25519 … OR unix_socket` account with SELECT on appdb, and its secret naming the admin."""
    username = name or unique("app_dual")
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) OR unix_socket",
               (username, password))
    db.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
    secret = mariadb_secret(db.services.host, db.services.port, username, password, dbname="appdb", masterarn=admin.arn)
    arn = sm.create_secret(Name=unique("e2e/dual"), SecretString=json.dumps(secret))["ARN"]
    return username, password, arn


def test_three_rotations_leave_exactly_current_and_previous_and_a_caching_client_never_fails(
        sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, password, arn = make_ed25519_account(sm, db, admin)
    passwords = [password]
    cached = password  # what an application that caches the secret holds
    failed_logins = 0
    for _ in range(ROTATIONS):
        token = start_rotation(sm, arn)
        for step in STEPS:
            run_step(rotator, arn, token, step)
            # The caching client logs in between the steps with what it cached.
            failed_logins += not cli_logs_in(services, username, cached)
        current = secret_dict(sm, arn)
        assert current["username"] == username, "the user name changed"
        passwords.append(current["password"])
        previous_is_the_one_before = secret_dict(sm, arn, VersionStage="AWSPREVIOUS")["password"] == passwords[-2]
        assert previous_is_the_one_before, "AWSPREVIOUS is not the password before"
        logs_in = [cli_logs_in(services, username, p) for p in passwords]
        expected = [False] * (len(passwords) - 2) + [True, True]
        assert logs_in == expected, "not exactly AWSCURRENT and AWSPREVIOUS log in"
        assert methods(db, username) == ["ed25519", "ed25519", "unix_socket"], \
            f"the methods are now {methods(db, username)}"
        failed_logins += not cli_logs_in(services, username, cached)
        cached = current["password"]  # the cache expires after the rotation
    assert failed_logins == 0, f"the caching client saw {failed_logins} failed login(s)"


def test_repeated_set_secret_keeps_awscurrent_valid(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, password, arn = make_ed25519_account(sm, db, admin)
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    for _ in range(3):
        run_step(rotator, arn, token, "setSecret")
    pending = secret_dict(sm, arn, VersionId=token)["password"]
    # Booleans first: pytest would print a call's arguments, passwords included.
    current_logs_in = cli_logs_in(services, username, password)
    pending_logs_in = cli_logs_in(services, username, pending)
    assert current_logs_in, "AWSCURRENT no longer logs in after setSecret three times"
    assert pending_logs_in, "AWSPENDING does not log in"
    assert methods(db, username) == ["ed25519", "ed25519", "unix_socket"], "not exactly two passwords"
    run_step(rotator, arn, token, "testSecret")
    run_step(rotator, arn, token, "finishSecret")
    # The next rotation, also sent twice, drops the first password and keeps the second.
    second = start_rotation(sm, arn)
    run_step(rotator, arn, second, "createSecret")
    run_step(rotator, arn, second, "setSecret")
    run_step(rotator, arn, second, "setSecret")
    newest = secret_dict(sm, arn, VersionId=second)["password"]
    logs_in = [cli_logs_in(services, username, p) for p in (password, pending, newest)]
    assert logs_in == [False, True, True], "after a repeated setSecret: not exactly current and pending"


def test_self_with_keep_previous_password_on_mariadb_is_refused_before_any_change(
        sm, db, services, admin, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY="self", KEEP_PREVIOUS_PASSWORD="true")
    account = make_account("app_self_keep")
    # The preflight check says it first.
    ok, report = rotator.invoke({"Check": {"SecretId": account.arn}})
    keep = [c for c in report["checks"] if c["name"] == "keep-previous"]
    assert ok and len(keep) == 1 and not keep[0]["ok"], "the check does not name KEEP_PREVIOUS_PASSWORD"
    assert "CREATE USER" in keep[0]["detail"]
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    before = (snapshot(sm, account.arn), db.auth_digest(account.username))
    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))
    assert not ok, "self + KEEP_PREVIOUS_PASSWORD succeeded on MariaDB without CREATE USER"
    assert body["errorType"] == "KeepPreviousPasswordUnsupported", REGISTRY.redact(str(body))
    assert "CREATE USER" in body["errorMessage"], "the error does not name the missing privilege"
    assert (snapshot(sm, account.arn), db.auth_digest(account.username)) == before, "something changed"
    still_logs_in = db.can_login(account.username, account.password)
    assert still_logs_in, "the current password no longer logs in"
    ok, _ = rotator.invoke(event(account.arn, token, "createSecret"))
    assert ok, "the process stopped serving after the refusal"


@pytest.mark.parametrize("strategy", ["admin", "self"])
def test_keeps_ed25519_and_unix_socket(strategy, sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY=strategy)
    username, password, arn = make_ed25519_account(sm, db, admin)
    rotate(sm, rotator, arn)
    new = secret_dict(sm, arn)["password"]
    assert methods(db, username) == ["ed25519", "unix_socket"], f"the methods are now {methods(db, username)}"
    logs_in = (cli_logs_in(services, username, password), cli_logs_in(services, username, new))
    assert logs_in == (False, True), "not exactly the new password logs in"


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
def test_an_account_that_holds_no_password_is_refused(sm, db, admin, start_rotator, strategy):
    # The shape RDS gives an IAM-authenticated user; its plugin is not loaded
    # here, so the account is written to the grant table directly.
    username = unique("app_iam")
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))
    db.execute("INSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('127.0.0.1', %s, %s)",
               (username, json.dumps({"access": 0, "plugin": "AWSAuthenticationPlugin",
                                      "authentication_string": "RDS"})))
    db.execute("FLUSH PRIVILEGES")
    try:
        secret = mariadb_secret(db.services.host, db.services.port, username, new_password(), masterarn=admin.arn)
        arn = sm.create_secret(Name=unique("e2e/iam"), SecretString=json.dumps(secret))["ARN"]
        rotator = start_rotator(ROTATION_STRATEGY=strategy)
        ok, report = rotator.invoke({"Check": {"SecretId": arn}})
        # Check looks nothing up about an account before AWSCURRENT has logged
        # in as it (docs/operations.md): it says the login was refused, and
        # not how the account logs in; the rotation below still names it.
        assert ok and not [c for c in report["checks"] if c["name"] == "authentication"], report["checks"]
        login = [c for c in report["checks"] if c["name"] == "login-current"]
        assert login and not login[0]["ok"] and "refused" in login[0]["detail"], login
        assert "AWSAuthenticationPlugin" not in json.dumps(report), "the check describes the account"
        token = start_rotation(sm, arn)
        run_step(rotator, arn, token, "createSecret")
        before = (snapshot(sm, arn), db.auth_digest(username))
        ok, body = rotator.invoke(event(arn, token, "setSecret"))
        assert not ok and body["errorType"] == "AccountHoldsNoPassword", REGISTRY.redact(str(body))
        assert "AWSAuthenticationPlugin" in body["errorMessage"], "the error does not name the plugin"
        assert (snapshot(sm, arn), db.auth_digest(username)) == before, "something changed"
        assert not user_exists(db, username + "_clone"), "a clone was created"
    finally:
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
@pytest.mark.parametrize("target", ["the admin itself", "ALL ON *.* WITH GRANT OPTION", "a role that writes mysql"])
def test_the_function_is_no_master_key(sm, db, admin, start_rotator, make_account, strategy, target):
    if target == "the admin itself":
        username, password = ROTATION_ADMIN, admin.password
    elif target == "a role that writes mysql":
        # Two roles deep, and not a default role: read with SET ROLE in the account's own session.
        account = make_account("app_role")
        for role in ("e2e_outer_role", "e2e_inner_role"):
            db.execute(f"CREATE ROLE IF NOT EXISTS {role}")
        db.execute("GRANT INSERT ON mysql.* TO e2e_inner_role")
        db.execute("GRANT e2e_inner_role TO e2e_outer_role")
        db.execute("GRANT e2e_outer_role TO %s@'127.0.0.1'", (account.username,))
        username, password = account.username, account.password
    else:
        account = make_account("app_all")
        db.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1' WITH GRANT OPTION", (account.username,))
        username, password = account.username, account.password
    secret = mariadb_secret(db.services.host, db.services.port, username, password, masterarn=admin.arn)
    arn = sm.create_secret(Name=unique("e2e/takeover"), SecretString=json.dumps(secret))["ARN"]
    rotator = start_rotator(ROTATION_STRATEGY=strategy)
    ok, report = rotator.invoke({"Check": {"SecretId": arn}})
    check = [c for c in report["checks"] if c["name"] == "privileged-account"]
    assert ok and len(check) == 1, "the preflight check has no privileged-account check"
    assert not check[0]["ok"], "the preflight check does not name the privileged account"
    if target == "a role that writes mysql":
        # Read as the rotation reads it (SET ROLE in the account's own session), the path named.
        assert "INSERT ON mysql.* (through role `e2e_outer_role`)" in check[0]["detail"], \
            "the check does not name the role's privilege and its path"
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    before = db.auth_digest(username)
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == "PrivilegedAccount", REGISTRY.redact(str(body))
    assert db.auth_digest(username) == before, "the password was changed"
    still_logs_in = db.can_login(username, password)
    assert still_logs_in, "the password no longer logs in"
    assert not user_exists(db, username + "_clone"), "a clone was created"
    # An ordinary account on the same host still rotates, in the same process.
    ordinary = make_account("app_ordinary", extra={"masterarn": admin.arn})
    rotate(sm, rotator, ordinary.arn)
    rotated = secret_dict(sm, ordinary.arn)  # alternating: the other user now
    rotated_logs_in = db.can_login(rotated["username"], rotated["password"])
    assert rotated_logs_in, "an ordinary account did not rotate"
    if strategy == "alternating":
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (ordinary.username + "_clone",))


def test_allow_privileged_accounts_opts_in(sm, db, admin, start_rotator, make_account):
    account = make_account("app_all_allowed", extra={"masterarn": admin.arn})
    db.execute("GRANT CREATE USER ON *.* TO %s@'127.0.0.1'", (account.username,))
    rotator = start_rotator(ROTATION_STRATEGY="admin", ALLOW_PRIVILEGED_ACCOUNTS="true")
    rotate(sm, rotator, account.arn)
    rotated_logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert rotated_logs_in, "the opt-in did not rotate"


def test_self_refuses_an_account_with_a_second_password_it_cannot_remove(sm, db, services, admin, start_rotator):
    # What KEEP_PREVIOUS_PASSWORD under admin leaves; SET PASSWORD would change only the first.
    username, password, arn = make_ed25519_account(sm, db, admin)
    older = new_password()
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) OR ed25519 USING PASSWORD(%s)",
               (username, password, older))
    rotator = start_rotator(ROTATION_STRATEGY="self")
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    before = db.auth_digest(username)
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == "UnsupportedAccount", REGISTRY.redact(str(body))
    assert "second password" in body["errorMessage"]
    assert db.auth_digest(username) == before, "the account changed"
