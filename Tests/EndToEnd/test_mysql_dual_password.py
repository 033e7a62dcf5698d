"""KEEP_PREVIOUS_PASSWORD and the plugin-preserving ALTER USER on MySQL 8,
through the built zip, against a fake MySQL 8.0 server that models dual
passwords as the reference manual describes them (harness/mysql_accounts.py).
No MySQL server runs here: this proves the statements the function sends and
their order, not MySQL itself (docs/password-only-rotation.md says which
parts were proven live). The admin's sessions run only over verified TLS
(docs/tls.md), so the admin tests' server offers it, with the test CA's
certificate, although the secrets say `"ssl": false`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import STEPS, event, start_rotation
from harness.mysql_accounts import FakeAccount, FakeMySQLAccounts
from harness.rotation import rotate, run_step
from harness.secrets import REGISTRY, new_password, secret_dict, snapshot, unique

ROTATIONS = 3


@pytest.fixture
def mysql8(services):
    servers = []
    # The test CA's server certificate (it names 127.0.0.1), so a session can be verified TLS.
    tls_files = (str(Path(services.ca).parent / "server.pem"), str(Path(services.ca).parent / "server-key.pem"))

    def start(*accounts, tls=False):
        server = FakeMySQLAccounts(list(accounts), tls=tls_files if tls else None)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def secret_for(sm, server, account, **extra):
    value = {"engine": "mysql", "host": "127.0.0.1", "port": server.port, "username": account.user,
             "password": account.primary, "ssl": False, **extra}
    return sm.create_secret(Name=unique("e2e/mysql8"), SecretString=json.dumps(value))["ARN"]


def accounts():
    app = FakeAccount("app", "%", new_password())
    admin = FakeAccount("rotation_admin", "%", new_password(), plugin="mysql_native_password",
                        privileges=["CREATE USER"])
    return app, admin


def test_admin_retains_exactly_the_previous_password(sm, mysql8, start_rotator):
    app, admin = accounts()
    server = mysql8(app, admin, tls=True)
    admin_arn = secret_for(sm, server, admin)
    arn = secret_for(sm, server, app, masterarn=admin_arn)
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="false")
    passwords = [app.primary]
    for _ in range(ROTATIONS):
        rotate(sm, rotator, arn)
        passwords.append(secret_dict(sm, arn)["password"])
        logs_in = [server.logs_in("app", p) for p in passwords]
        assert logs_in == [False] * (len(passwords) - 2) + [True, True], \
            "not exactly AWSCURRENT and AWSPREVIOUS log in"
        assert server.account("app").plugin == "caching_sha2_password", "the plugin changed"
    changes = [s for s in server.sent() if s.startswith("ALTER USER")]
    expected = [f"ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY '{p}' RETAIN CURRENT PASSWORD"
                for p in passwords[1:]]
    as_expected = changes == expected  # compared as a boolean: pytest would print both sides
    assert as_expected, REGISTRY.redact(f"unexpected statements: {changes}")
    assert not any("DISCARD" in s for s in server.sent()), "a DISCARD OLD PASSWORD under KEEP_PREVIOUS_PASSWORD"


def test_repeated_set_secret_never_retains_the_new_password(sm, mysql8, start_rotator):
    app, admin = accounts()
    server = mysql8(app, admin, tls=True)
    arn = secret_for(sm, server, app, masterarn=secret_for(sm, server, admin))
    current = app.primary
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="false")
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    for _ in range(3):
        run_step(rotator, arn, token, "setSecret")
    pending = secret_dict(sm, arn, VersionId=token)["password"]
    current_logs_in, pending_logs_in = server.logs_in("app", current), server.logs_in("app", pending)
    assert current_logs_in, "AWSCURRENT was dropped by a repeated setSecret"
    assert pending_logs_in, "AWSPENDING does not log in"
    retains = sum("RETAIN CURRENT PASSWORD" in s for s in server.sent())
    assert retains == 1, f"{retains} RETAIN statements for one rotation"
    run_step(rotator, arn, token, "testSecret")


def test_admin_without_the_setting_discards_then_keeps_the_plugin(sm, mysql8, start_rotator):
    app, admin = accounts()
    app.secondary = new_password()  # left by an earlier retain
    server = mysql8(app, admin, tls=True)
    arn = secret_for(sm, server, app, masterarn=secret_for(sm, server, admin))
    old_secondary = app.secondary
    rotator = start_rotator(ROTATION_STRATEGY="admin", REQUIRE_TLS="false")
    rotate(sm, rotator, arn)
    new = secret_dict(sm, arn)["password"]
    logs_in = [server.logs_in("app", p) for p in (old_secondary, new)]
    assert logs_in == [False, True], "an old secondary password outlived the rotation"
    changes = [REGISTRY.redact(s) for s in server.sent() if s.startswith("ALTER USER")]
    assert len(changes) == 2 and changes[0] == "ALTER USER 'app'@'%' DISCARD OLD PASSWORD", changes
    assert changes[1].startswith("ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY "), changes


def test_self_retains_with_application_password_admin(sm, mysql8, start_rotator):
    app = FakeAccount("app", "%", new_password(), privileges=["APPLICATION_PASSWORD_ADMIN"])
    server = mysql8(app, tls=True)
    arn = secret_for(sm, server, app)
    # REPLACE carries the current password: verified TLS or nothing.
    rotator = start_rotator(ROTATION_STRATEGY="self", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="true")
    passwords = [app.primary]
    for _ in range(2):
        rotate(sm, rotator, arn)
        passwords.append(secret_dict(sm, arn)["password"])
    logs_in = [server.logs_in("app", p) for p in passwords]
    assert logs_in == [False, True, True], \
        "not exactly AWSCURRENT and AWSPREVIOUS log in"
    retains = [s for s in server.sent() if "RETAIN" in s]
    assert len(retains) == 2 and all(
        s.startswith("ALTER USER CURRENT_USER() IDENTIFIED BY ") and " REPLACE " in s for s in retains), \
        REGISTRY.redact(str(retains))


def test_self_without_application_password_admin_is_refused_before_any_change(sm, mysql8, start_rotator):
    app = FakeAccount("app", "%", new_password())
    server = mysql8(app, tls=True)
    arn = secret_for(sm, server, app)
    # REPLACE carries the current password: verified TLS or nothing.
    rotator = start_rotator(ROTATION_STRATEGY="self", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="true")
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    before = snapshot(sm, arn)
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == "KeepPreviousPasswordUnsupported", REGISTRY.redact(str(body))
    assert "APPLICATION_PASSWORD_ADMIN" in body["errorMessage"]
    assert not any(s.startswith("ALTER USER") for s in server.sent()), "a change was sent"
    unchanged = snapshot(sm, arn) == before and server.logs_in("app", app.primary)
    assert unchanged, "something changed"


@pytest.mark.parametrize("awscurrent", ["primary", "secondary"])
def test_admin_retains_only_when_awscurrent_is_proven_the_primary(sm, mysql8, start_rotator, awscurrent):
    # A mysql_native_password account, whose hash the function computes. AWSCURRENT moved
    # back to the password an earlier retain left as the secondary logs in too;
    # RETAIN would keep the primary and leave AWSCURRENT refused, so nothing is retained.
    app, admin = accounts()
    app.plugin = "mysql_native_password"
    app.secondary = new_password()
    server = mysql8(app, admin, tls=True)
    primary, secondary = app.primary, app.secondary
    held = primary if awscurrent == "primary" else secondary
    arn = secret_for(sm, server, app, password=held, masterarn=secret_for(sm, server, admin))
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="false")
    token = start_rotation(sm, arn)
    done = {step: run_step(rotator, arn, token, step)["outcome"] for step in STEPS}
    new = secret_dict(sm, arn)["password"]
    logs_in = [server.logs_in("app", p) for p in (primary, secondary, new)]
    changes = [REGISTRY.redact(s) for s in server.sent() if s.startswith("ALTER USER")]
    if awscurrent == "primary":
        assert done["setSecret"] == "set the pending password in the database", done["setSecret"]
        assert logs_in == [True, False, True], "not exactly the primary and the new password log in"
        assert len(changes) == 1 and changes[0].endswith(" RETAIN CURRENT PASSWORD"), changes
    else:
        assert "previous password was not kept" in done["setSecret"], done["setSecret"]
        assert "not kept" in done["testSecret"], done["testSecret"]
        assert logs_in == [False, False, True], "a password besides the new one still logs in"
        assert changes[0] == "ALTER USER 'app'@'%' DISCARD OLD PASSWORD", changes
        assert len(changes) == 2 and "RETAIN" not in changes[1], changes


@pytest.mark.parametrize("strategy", ["admin", "self"])
def test_revoke_discards_the_old_password(sm, mysql8, start_rotator, strategy):
    """Revoke (docs/operations.md): DISCARD OLD PASSWORD, then AWSPREVIOUS proven refused."""
    app, admin = accounts()
    app.privileges = ["APPLICATION_PASSWORD_ADMIN"] if strategy == "self" else []
    server = mysql8(app, admin, tls=True)
    extra = {"masterarn": secret_for(sm, server, admin)} if strategy == "admin" else {}
    arn = secret_for(sm, server, app, **extra)
    rotator = start_rotator(ROTATION_STRATEGY=strategy, KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="true")
    rotate(sm, rotator, arn)
    passwords = (secret_dict(sm, arn)["password"], secret_dict(sm, arn, VersionStage="AWSPREVIOUS")["password"])
    assert [server.logs_in("app", p) for p in passwords] == [True, True], "setup: the previous password not kept"
    stages = snapshot(sm, arn)
    ok, body = rotator.invoke({"Revoke": {"SecretId": arn}})
    assert ok, REGISTRY.redact(json.dumps(body))
    assert [(row["stage"], row["result"]) for row in body["tested"]] == [
        ("AWSCURRENT", "logs in"), ("AWSPREVIOUS", "refused")], body
    assert [server.logs_in("app", p) for p in passwords] == [True, False], "not exactly AWSCURRENT logs in"
    target = "CURRENT_USER()" if strategy == "self" else "'app'@'%'"
    assert [s for s in server.sent() if "DISCARD" in s] == [f"ALTER USER {target} DISCARD OLD PASSWORD"]
    assert server.account("app").plugin == "caching_sha2_password", "the plugin changed"
    assert snapshot(sm, arn) == stages, "Revoke changed the secret's versions or stages"
