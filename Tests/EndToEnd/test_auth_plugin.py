"""AUTH_PLUGIN end to end on MariaDB 10.11 through the built zip
(docs/strategies.md): `mysql_native_password` accounts, alone and
`OR unix_socket`, move to ed25519 under admin, alternating and self (with
CREATE USER); only the password methods change, grants stay as they were,
and the next rotation changes nothing but the password. A plugin the
server lacks, and self without CREATE USER, are refused with nothing changed.

Logins are checked with the mariadb command-line client (Connector/C with
client_ed25519, harness/dual_password.py), as an application would log in.
"""

from __future__ import annotations

import json

import pytest

from harness import event, start_rotation
from harness.accounts import ADMIN_STRATEGY_GRANTS, create_account, create_rotation_admin, drop_rotation_admin
from harness.dual_password import cli_logs_in, ensure_ed25519, methods
from harness.rotation import rotate, run_step
from harness.secrets import REGISTRY, mariadb_secret, new_password, secret_dict, snapshot, unique

pytestmark = pytest.mark.admin_grants(
    "CREATE USER ON *.*", "SELECT ON mysql.*", "ALL PRIVILEGES ON appdb.* WITH GRANT OPTION")

MOVED = "moved the account to AUTH_PLUGIN's plugin"


@pytest.fixture(scope="module", autouse=True)
def ed25519(db):
    ensure_ed25519(db)


def native_account(sm, db, *, unix_socket: bool, masterarn: str | None = None, prefix: str = "app_plug"):
    """A `mysql_native_password` account (`OR unix_socket` when asked) with SELECT on appdb, and its secret."""
    username = unique(prefix)
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD(%s)"
               + (" OR unix_socket" if unix_socket else ""), (username, password))
    db.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
    secret = mariadb_secret(db.services.host, db.services.port, username, password, dbname="appdb")
    if masterarn:
        secret["masterarn"] = masterarn
    arn = sm.create_secret(Name=unique("e2e/plugin"), SecretString=json.dumps(secret))["ARN"]
    return username, password, arn


def grants(db, username: str) -> list[str]:
    """SHOW GRANTS without the `*.*` line, which carries the password hash."""
    rows = db.execute("SHOW GRANTS FOR %s@'127.0.0.1'", (username,))
    return sorted(row[0] for row in rows if " ON *.* " not in row[0])


def set_secret_outcome(rotator, sm, arn: str) -> tuple[str, str]:
    """One whole rotation; returns setSecret's outcome and the token."""
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    outcome = run_step(rotator, arn, token, "setSecret")["outcome"]
    run_step(rotator, arn, token, "testSecret")
    run_step(rotator, arn, token, "finishSecret")
    return outcome, token


@pytest.mark.parametrize("unix_socket", [False, True], ids=["alone", "or-unix-socket"])
def test_admin_moves_a_native_account_to_ed25519_and_then_only_rotates(
        unix_socket, sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="ed25519")
    username, password, arn = native_account(sm, db, unix_socket=unix_socket, masterarn=admin.arn)
    before = grants(db, username)
    others = ["unix_socket"] if unix_socket else []
    outcome, _ = set_secret_outcome(rotator, sm, arn)
    assert MOVED in outcome, outcome
    assert methods(db, username) == ["ed25519", *others], f"the methods are now {methods(db, username)}"
    assert grants(db, username) == before, "the grants changed"
    first = secret_dict(sm, arn)["password"]
    logs_in = (cli_logs_in(services, username, password), cli_logs_in(services, username, first))
    assert logs_in == (False, True), "not exactly the new password logs in"
    # The next rotation changes nothing but the password.
    digest_methods = methods(db, username)
    outcome, _ = set_secret_outcome(rotator, sm, arn)
    assert outcome == "set the pending password in the database", outcome
    assert methods(db, username) == digest_methods and grants(db, username) == before, "more than the password"
    second = secret_dict(sm, arn)["password"]
    logs_in = (cli_logs_in(services, username, first), cli_logs_in(services, username, second))
    assert logs_in == (False, True), "not exactly the newest password logs in"


def test_keep_previous_password_keeps_the_old_one_under_the_old_plugin_for_one_rotation(
        sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="ed25519", KEEP_PREVIOUS_PASSWORD="true")
    username, password, arn = native_account(sm, db, unix_socket=True, masterarn=admin.arn)
    outcome, _ = set_secret_outcome(rotator, sm, arn)
    assert MOVED in outcome and "not kept" not in outcome, outcome
    assert methods(db, username) == ["ed25519", "mysql_native_password", "unix_socket"], methods(db, username)
    first = secret_dict(sm, arn)["password"]
    # Booleans first: pytest would print a call's arguments, passwords included.
    both = (cli_logs_in(services, username, password), cli_logs_in(services, username, first))
    assert both == (True, True), "the previous and the new password do not both log in after the move"
    # The next rotation keeps the previous password under ed25519: no native method is left.
    set_secret_outcome(rotator, sm, arn)
    assert methods(db, username) == ["ed25519", "ed25519", "unix_socket"], methods(db, username)
    second = secret_dict(sm, arn)["password"]
    logs_in = [cli_logs_in(services, username, p) for p in (password, first, second)]
    assert logs_in == [False, True, True], "not exactly AWSPREVIOUS and AWSCURRENT log in"


def test_alternating_moves_both_users_each_as_it_is_rotated(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="alternating", AUTH_PLUGIN="ed25519")
    username, _, arn = native_account(sm, db, unix_socket=True, masterarn=admin.arn, prefix="app_alt")
    clone = username + "_clone"
    try:
        before = grants(db, username)
        outcome, _ = set_secret_outcome(rotator, sm, arn)
        assert MOVED in outcome, outcome
        assert methods(db, clone) == ["ed25519", "unix_socket"], methods(db, clone)
        assert methods(db, username) == ["mysql_native_password", "unix_socket"], "the current user moved too early"
        assert [g.replace(clone, username) for g in grants(db, clone)] == before, "the clone's grants differ"
        current = secret_dict(sm, arn)
        clone_logs_in = cli_logs_in(services, clone, current["password"])
        assert current["username"] == clone and clone_logs_in, "the clone does not log in"
        set_secret_outcome(rotator, sm, arn)
        assert methods(db, username) == ["ed25519", "unix_socket"], methods(db, username)
        assert grants(db, username) == before, "the user's grants changed"
        current = secret_dict(sm, arn)
        user_logs_in = cli_logs_in(services, username, current["password"])
        assert current["username"] == username and user_logs_in, "the user does not log in after its move"
    finally:
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (clone,))


@pytest.mark.parametrize("unix_socket", [False, True], ids=["alone", "or-unix-socket"])
def test_self_with_create_user_moves_its_own_account(unix_socket, sm, db, services, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="self", AUTH_PLUGIN="ed25519")
    username, password, arn = native_account(sm, db, unix_socket=unix_socket, prefix="app_self")
    db.execute("GRANT CREATE USER ON *.* TO %s@'127.0.0.1'", (username,))
    outcome, _ = set_secret_outcome(rotator, sm, arn)
    assert MOVED in outcome, outcome
    others = ["unix_socket"] if unix_socket else []
    assert methods(db, username) == ["ed25519", *others], methods(db, username)
    new = secret_dict(sm, arn)["password"]
    logs_in = (cli_logs_in(services, username, password), cli_logs_in(services, username, new))
    assert logs_in == (False, True), "not exactly the new password logs in"
    outcome, _ = set_secret_outcome(rotator, sm, arn)
    assert outcome == "set the pending password in the database", outcome
    assert methods(db, username) == ["ed25519", *others], methods(db, username)


def refused(rotator, sm, db, arn: str, username: str, error_type: str) -> str:
    """setSecret fails with `error_type`, nothing changed, and the process serves on; returns the message."""
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    before = (snapshot(sm, arn), db.auth_digest(username), methods(db, username))
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == error_type, REGISTRY.redact(str(body))
    assert (snapshot(sm, arn), db.auth_digest(username), methods(db, username)) == before, "something changed"
    ok, _ = rotator.invoke(event(arn, token, "createSecret"))
    assert ok, "the process stopped serving after the refusal"
    return body["errorMessage"]


def test_self_without_create_user_is_refused_naming_it(sm, db, services, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="self", AUTH_PLUGIN="ed25519")
    username, password, arn = native_account(sm, db, unix_socket=False, prefix="app_self_no")
    message = refused(rotator, sm, db, arn, username, "UnsupportedAccount")
    assert "CREATE USER" in message and "ed25519" in message, message
    still = cli_logs_in(services, username, password)
    assert still, "the current password no longer logs in"


def test_a_plugin_mariadb_does_not_have_is_refused(sm, db, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="caching_sha2_password")
    username, _, arn = native_account(sm, db, unix_socket=False, masterarn=admin.arn)
    message = refused(rotator, sm, db, arn, username, "Configuration")
    assert "AUTH_PLUGIN=caching_sha2_password" in message and username in message, message


@pytest.mark.parametrize("strategy", ["self", "admin"])
def test_ed25519_not_loaded_is_refused_before_any_change(strategy, sm, dedicated_server, start_rotator):
    # The dedicated server starts without auth_ed25519, as a server may.
    db = dedicated_server.db
    loaded = db.execute("SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'")
    assert not loaded, "the dedicated server has ed25519 loaded"
    extra = {}
    if strategy == "admin":
        extra["masterarn"] = create_rotation_admin(sm, db, ADMIN_STRATEGY_GRANTS).arn
    account = create_account(sm, db, prefix="app_noed", extra=extra)
    try:
        rotator = start_rotator(ROTATION_STRATEGY=strategy, AUTH_PLUGIN="ed25519")
        message = refused(rotator, sm, db, account.arn, account.username, "Configuration")
        assert "AUTH_PLUGIN=ed25519" in message and "INSTALL SONAME 'auth_ed25519'" in message, message
        assert account.username in message, "the error does not name the account"
    finally:
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (account.username,))
        if strategy == "admin":
            drop_rotation_admin(db)


def test_keep_changes_nothing(sm, db, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin")
    username, _, arn = native_account(sm, db, unix_socket=True, masterarn=admin.arn)
    rotate(sm, rotator, arn)
    assert methods(db, username) == ["mysql_native_password", "unix_socket"], methods(db, username)
