"""The preflight check (issue 13), end to end: a `{"Check": {...}}` event sent
through the Lambda emulator to the built binary, against the real MariaDB and
moto. Each failing case breaks exactly one thing and expects the check that
names it to fail; every case proves that nothing changed (versions, stages,
values, users, passwords, grants) and that no password reached the report or
the function's log.
"""

from __future__ import annotations

import uuid

import pytest

from harness import ROTATION_LAMBDA_ARN, STEPS, new_password, start_rotation
from harness.accounts import STRATEGY_GRANTS, create_rotation_admin
from harness.loopback import closed_port
from harness.preflight import World, assert_unchanged_and_silent, by_name, check, failed, healthy, passwords
from harness.rotation import run_step
from harness.secrets import REGISTRY


def test_healthy_secret_passes_every_check_for_each_strategy(sm, db, services, make_account, start_rotator):
    for strategy in ("self", "admin", "alternating"):
        account, admin, emulator, users = healthy(strategy, sm, db, services, make_account, start_rotator)
        world = World(sm, db, account.arn, users)
        before = world.observe()
        report = check(emulator, account.arn)
        assert report["ok"] is True, f"{strategy}: failed checks {failed(report)}"
        assert report["Strategy"] == strategy
        names = [c["name"] for c in report["checks"]]
        expected = {"secrets-manager", "rotation-enabled", "rotation-function", "stuck-rotation", "secret-value",
                    "strategy-keys", "dns", "tcp", "tls", "login-current", "privileges", "time-budget",
                    "authentication", "password-plugin"}
        if strategy != "self":
            expected |= {"admin-secret", "login-admin", "privileged-account"}
        if strategy == "alternating":
            expected |= {"clone-name"}
        assert set(names) == expected, f"{strategy}: checks {names}"
        tls = by_name(report, "tls")["detail"]
        assert "verifies against" in tls and "subject" in tls and "expires" in tls, "TLS detail lacks the certificate"
        assert "MariaDB 10.11" in by_name(report, "login-current")["detail"]
        assert all(isinstance(c["durationMs"], (int, float)) for c in report["checks"])
        secrets = passwords(sm, account.arn, account.password, *([admin.password] if admin else []))
        assert_unchanged_and_silent(world, before, report, emulator, secrets)


def test_strategy_override_is_a_what_if(sm, db, services, make_account, start_rotator):
    account, _, emulator, users = healthy("self", sm, db, services, make_account, start_rotator)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn, strategy="admin")
    assert report["Strategy"] == "admin"
    assert failed(report) == ["strategy-keys"], failed(report)
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_wrong_current_password(sm, db, services, make_account, start_rotator):
    account, _, emulator, users = healthy("self", sm, db, services, make_account, start_rotator)
    other = new_password()
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED BY %s", (account.username, other))
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["login-current"], failed(report)
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password, other))


def test_unreachable_port(sm, db, services, make_account, start_rotator):
    account = make_account(extra={"port": closed_port()})
    emulator = start_rotator()
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert "tcp" in failed(report), failed(report)
    assert "Connection refused" in by_name(report, "tcp")["detail"]
    names = [c["name"] for c in report["checks"]]
    assert "login-current" not in names, "database checks ran past a failed TCP connect"
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_tls_not_verified(sm, db, services, make_account, start_rotator):
    account, _, _, users = healthy("self", sm, db, services, make_account, start_rotator)
    emulator = start_rotator(DB_CA_BUNDLE=services.wrong_ca)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert "tls" in failed(report), failed(report)
    assert "does not verify" in by_name(report, "tls")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_rotation_disabled(sm, db, services, make_account, start_rotator):
    account = make_account()
    emulator = start_rotator()
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["rotation-enabled"], failed(report)
    assert any("rotate-secret" in line for line in report["advice"]), "no command to turn rotation on"
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_rotation_pointing_at_another_function(sm, db, services, make_account, start_rotator):
    account = make_account()
    emulator = start_rotator()
    other = ROTATION_LAMBDA_ARN.replace(":rotator", ":someone-elses-rotator")
    token = str(uuid.uuid4())
    sm.rotate_secret(SecretId=account.arn, ClientRequestToken=token, RotationLambdaARN=other,
                     RotationRules={"AutomaticallyAfterDays": 30})
    for step in STEPS:
        run_step(emulator, account.arn, token, step)
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["rotation-function"], failed(report)
    assert "someone-elses-rotator" in by_name(report, "rotation-function")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_stuck_pending(sm, db, services, make_account, start_rotator):
    account, _, emulator, users = healthy("self", sm, db, services, make_account, start_rotator)
    token = start_rotation(sm, account.arn)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["stuck-rotation"], failed(report)
    assert any(f"--remove-from-version-id {token}" in line for line in report["advice"]), "no command to clear it"
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_admin_secret_unreadable(sm, db, services, make_account, start_rotator):
    account, admin, emulator, users = healthy("admin", sm, db, services, make_account, start_rotator)
    sm.delete_secret(SecretId=admin.arn, ForceDeleteWithoutRecovery=True)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["admin-secret"], failed(report)
    assert admin.arn in by_name(report, "admin-secret")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator,
                                passwords(sm, account.arn, account.password, admin.password))


# The admin strategy's admin without CREATE USER; the alternating strategy's without GRANT OPTION on appdb.
@pytest.mark.parametrize("strategy, revoke, detail", [
    ("admin", "REVOKE CREATE USER ON *.* FROM %s@'127.0.0.1'", "CREATE USER"),
    ("alternating", "REVOKE GRANT OPTION ON appdb.* FROM %s@'127.0.0.1'", "SELECT on appdb.* WITH GRANT OPTION"),
])
def test_admin_without_the_privilege(strategy, revoke, detail, sm, db, services, make_account, start_rotator):
    account, admin, emulator, users = healthy(strategy, sm, db, services, make_account, start_rotator)
    db.execute(revoke, (admin.username,))
    world = World(sm, db, account.arn, users)
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert failed(report) == ["privileges"], failed(report)
    assert detail in by_name(report, "privileges")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator,
                                passwords(sm, account.arn, account.password, admin.password))


def test_clone_name_too_long(sm, db, services, make_account, start_rotator):
    admin = create_rotation_admin(sm, db, STRATEGY_GRANTS["alternating"])
    REGISTRY.add(admin.password)
    # MariaDB 10.11 stores user names of up to 128 characters; the clone adds 6.
    username = "a" * 125
    account = make_account(username, extra={"masterarn": admin.arn})
    emulator = start_rotator(ROTATION_STRATEGY="alternating")
    world = World(sm, db, account.arn, [account.username, admin.username])
    before = world.observe()
    report = check(emulator, account.arn)
    assert report["ok"] is False
    assert "clone-name" in failed(report), failed(report)
    assert "limit of 128" in by_name(report, "clone-name")["detail"]
    assert set(failed(report)) <= {"clone-name", "rotation-enabled"}, failed(report)
    assert_unchanged_and_silent(world, before, report, emulator,
                                passwords(sm, account.arn, account.password, admin.password))


def test_malformed_check_is_refused_and_the_process_keeps_serving(sm, db, services, make_account, start_rotator):
    account, _, emulator, users = healthy("self", sm, db, services, make_account, start_rotator)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    for bad in ({"Check": "x"}, {"Check": {}}, {"Check": {"SecretId": account.arn, "Strategy": "root"}}):
        ok, body = emulator.invoke(bad)
        assert not ok and body["errorType"] == "InvalidEvent", body
    report = check(emulator, account.arn)
    assert report["ok"] is True, failed(report)
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))
