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
from pathlib import Path

import pytest

from harness import STEPS, event, start_rotation
from harness.accounts import ADMIN_STRATEGY_GRANTS, create_account, create_rotation_admin, drop_rotation_admin
from harness.dual_password import cli_logs_in, ensure_ed25519, methods
from harness.mysql_accounts import FakeAccount, FakeMySQLAccounts
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


@pytest.mark.parametrize("unix_socket", [False, True], ids=["alone", "or-unix-socket"])
def test_alternating_moves_both_users_each_as_it_is_rotated(unix_socket, sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="alternating", AUTH_PLUGIN="ed25519")
    username, _, arn = native_account(sm, db, unix_socket=unix_socket, masterarn=admin.arn, prefix="app_alt")
    clone = username + "_clone"
    others = ["unix_socket"] if unix_socket else []
    try:
        before = grants(db, username)
        outcome, _ = set_secret_outcome(rotator, sm, arn)
        assert MOVED in outcome, outcome
        assert methods(db, clone) == ["ed25519", *others], methods(db, clone)
        assert methods(db, username) == ["mysql_native_password", *others], "the current user moved too early"
        assert [g.replace(clone, username) for g in grants(db, clone)] == before, "the clone's grants differ"
        current = secret_dict(sm, arn)
        clone_logs_in = cli_logs_in(services, clone, current["password"])
        assert current["username"] == clone and clone_logs_in, "the clone does not log in"
        set_secret_outcome(rotator, sm, arn)
        assert methods(db, username) == ["ed25519", *others], methods(db, username)
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


# -- MySQL 8.0 / 8.4 / 9.0, against the fake server of harness/mysql_accounts.py ------------------
# No MySQL runs here: these prove the statements the function sends per
# version and strategy and their order, not MySQL itself.

MYSQL_VERSIONS = ["8.0.36", "8.4.3", "9.0.1"]


@pytest.fixture
def mysql(services):
    servers = []
    # The test CA's server certificate (it names 127.0.0.1), so a session can be verified TLS.
    tls_files = (str(Path(services.ca).parent / "server.pem"), str(Path(services.ca).parent / "server-key.pem"))

    def start(*accounts, version, sha2=False):
        server = FakeMySQLAccounts(list(accounts), tls=tls_files, version=version, sha2=sha2)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def mysql_secret(sm, server, account, **extra):
    value = {"engine": "mysql", "host": "127.0.0.1", "port": server.port, "username": account.user,
             "password": account.primary, "ssl": False, **extra}
    return sm.create_secret(Name=unique("e2e/mysql-plugin"), SecretString=json.dumps(value))["ARN"]


def old_plugin(version: str) -> str:
    # 9.0 removed mysql_native_password: an account there is on sha256_password at worst.
    return "sha256_password" if version.startswith("9.") else "mysql_native_password"


def alters(server) -> list[str]:
    return [REGISTRY.redact(s) for s in server.sent() if s.startswith("ALTER USER")]


@pytest.mark.parametrize("keep", [False, True], ids=["plain", "keep-previous"])
@pytest.mark.parametrize("version", MYSQL_VERSIONS)
def test_mysql_admin_moves_to_caching_sha2_and_never_retains_across_the_change(
        version, keep, sm, mysql, start_rotator):
    app = FakeAccount("app", "%", new_password(), plugin=old_plugin(version))
    admin = FakeAccount("rotation_admin", "%", new_password(), plugin="caching_sha2_password",
                        privileges=["CREATE USER"])
    server = mysql(app, admin, version=version)
    arn = mysql_secret(sm, server, app, masterarn=mysql_secret(sm, server, admin))
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="caching_sha2_password",
                            KEEP_PREVIOUS_PASSWORD=str(keep).lower(), REQUIRE_TLS="false")
    first_password = app.primary
    token = start_rotation(sm, arn)
    done = {step: run_step(rotator, arn, token, step)["outcome"] for step in STEPS}
    assert MOVED in done["setSecret"], done["setSecret"]
    assert server.account("app").plugin == "caching_sha2_password", "the plugin did not move"
    assert not any("RETAIN" in s for s in server.sent()), "RETAIN sent with a plugin change"
    changes = alters(server)
    assert len(changes) == 2 and changes[0] == "ALTER USER 'app'@'%' DISCARD OLD PASSWORD", changes
    assert changes[1].startswith("ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY "), changes
    if keep:
        assert "previous password was not kept" in done["setSecret"], done["setSecret"]
        assert "not kept" in done["testSecret"], done["testSecret"]
    moved = secret_dict(sm, arn)["password"]
    logs_in = [server.logs_in("app", p) for p in (first_password, moved)]
    assert logs_in == [False, True], "not exactly the new password logs in after the move"
    # The next rotation changes only the password, and keeps the previous one again.
    rotate(sm, rotator, arn)
    newest = secret_dict(sm, arn)["password"]
    last = alters(server)[-1]
    assert last.startswith("ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY "), last
    assert last.endswith(" RETAIN CURRENT PASSWORD") == keep, last
    logs_in = [server.logs_in("app", p) for p in (moved, newest)]
    assert logs_in == [keep, True], "the previous password is not kept exactly when asked"


@pytest.mark.parametrize("version", MYSQL_VERSIONS)
def test_mysql_self_names_itself_with_create_user_and_is_refused_without(version, sm, mysql, start_rotator):
    privileged = FakeAccount("app", "%", new_password(), plugin=old_plugin(version), privileges=["CREATE USER"])
    plain = FakeAccount("other", "%", new_password(), plugin=old_plugin(version))
    server = mysql(privileged, plain, version=version)
    # REPLACE carries the current password: verified TLS or nothing.
    rotator = start_rotator(ROTATION_STRATEGY="self", AUTH_PLUGIN="caching_sha2_password", REQUIRE_TLS="true")
    arn = mysql_secret(sm, server, privileged)
    rotate(sm, rotator, arn)
    assert server.account("app").plugin == "caching_sha2_password", "the plugin did not move"
    changes = alters(server)
    assert len(changes) == 1 and changes[0].startswith(
        "ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY ") and " REPLACE " in changes[0], changes
    assert "RETAIN" not in changes[0], changes

    other = mysql_secret(sm, server, plain)
    token = start_rotation(sm, other)
    run_step(rotator, other, token, "createSecret")
    before = snapshot(sm, other)
    ok, body = rotator.invoke(event(other, token, "setSecret"))
    assert not ok and body["errorType"] == "UnsupportedAccount", REGISTRY.redact(str(body))
    assert "CREATE USER" in body["errorMessage"] and "caching_sha2_password" in body["errorMessage"], body
    assert len(alters(server)) == 1, "a change was sent for the account without CREATE USER"
    unchanged = snapshot(sm, other) == before and server.logs_in("other", plain.primary)
    assert unchanged and server.account("other").plugin == old_plugin(version), "something changed"


def test_ed25519_on_mysql_is_refused_naming_it(sm, mysql, start_rotator):
    app = FakeAccount("app", "%", new_password(), plugin="mysql_native_password")
    admin = FakeAccount("rotation_admin", "%", new_password(), privileges=["CREATE USER"])
    server = mysql(app, admin, version="8.4.3")
    arn = mysql_secret(sm, server, app, masterarn=mysql_secret(sm, server, admin))
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="ed25519", REQUIRE_TLS="false")
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == "Configuration", REGISTRY.redact(str(body))
    assert "AUTH_PLUGIN=ed25519" in body["errorMessage"] and "MySQL 8.4.3" in body["errorMessage"], body
    assert not alters(server), "a change was sent"


@pytest.mark.parametrize("version", MYSQL_VERSIONS)
def test_caching_sha2_full_authentication_after_the_move_runs_inside_verified_tls(version, sm, mysql, start_rotator):
    # The server runs caching_sha2_password's exchange: the first login with a
    # new password is a full authentication, which sends the password itself.
    app = FakeAccount("app", "%", new_password(), plugin=old_plugin(version))
    admin = FakeAccount("rotation_admin", "%", new_password(), plugin="caching_sha2_password",
                        privileges=["CREATE USER"])
    server = mysql(app, admin, version=version, sha2=True)
    arn = mysql_secret(sm, server, app, masterarn=mysql_secret(sm, server, admin))
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="caching_sha2_password", REQUIRE_TLS="true")
    rotate(sm, rotator, arn)
    assert server.account("app").plugin == "caching_sha2_password", "the plugin did not move"
    full = list(server.full_authentications)
    assert ("app", True) in full, "testSecret's first login with the new password was no full authentication"
    assert all(inside for _, inside in full), "a full authentication ran outside TLS"


def test_caching_sha2_full_authentication_outside_tls_is_refused_by_the_function(sm, mysql, start_rotator):
    # setSecret's sessions are verified TLS whatever the secret says; testSecret
    # follows the secret ("ssl": false) and must not hand the password over in clear.
    app = FakeAccount("app", "%", new_password(), plugin="mysql_native_password")
    admin = FakeAccount("rotation_admin", "%", new_password(), plugin="caching_sha2_password",
                        privileges=["CREATE USER"])
    server = mysql(app, admin, version="8.4.3", sha2=True)
    arn = mysql_secret(sm, server, app, masterarn=mysql_secret(sm, server, admin))
    rotator = start_rotator(ROTATION_STRATEGY="admin", AUTH_PLUGIN="caching_sha2_password", REQUIRE_TLS="false")
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    run_step(rotator, arn, token, "setSecret")
    assert server.account("app").plugin == "caching_sha2_password", "the plugin did not move"
    ok, body = rotator.invoke(event(arn, token, "testSecret"))
    assert not ok and body["errorType"] == "InsecureAuthentication", REGISTRY.redact(str(body))
    assert not [user for user, inside in server.full_authentications if not inside], \
        "the password was offered outside TLS"
