"""A failing case for the preflight checks test_preflight.py left without
one end to end: each breaks one real part and expects that check to fail,
nothing to change, and no password in the report or the log.

  dns              the host is not in the function's own /etc/hosts (under
                   `unshare -m`, with an nsswitch.conf of files only, so no
                   DNS server is asked); the same name listed there is the control
  login-admin      the admin secret's password no longer logs in
  secret-value     GetSecretValue fails (moto), and a value that is not JSON
  secrets-manager  DescribeSecret fails (moto)
  time-budget      an invocation of 1 s cannot hold three times setSecret's
                   estimate plus the second kept back
"""

from __future__ import annotations

import shutil

import pytest

from harness import new_password, rotator_command, rotator_environment
from harness.preflight import World, assert_unchanged_and_silent, by_name, check, failed, healthy, passwords
from harness.secrets import REGISTRY

NAME = "db.preflight-check.invalid"


@pytest.fixture
def start_with_hosts(start_emulator, services, tmp_path):
    """The product under `unshare -m`, resolving names from its own /etc/hosts only."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to give the function its own /etc/hosts")

    def start(lines: list[str]):
        hosts = tmp_path / "hosts"
        hosts.write_text("127.0.0.1 localhost\n" + "".join(line + "\n" for line in lines))
        nsswitch = tmp_path / "nsswitch.conf"
        nsswitch.write_text("hosts: files\n")
        command, task_root = rotator_command()
        wrapped = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                   'mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"',
                   str(hosts), str(nsswitch), *command]
        return start_emulator(wrapped, env=rotator_environment(services), task_root=task_root, timeout=60.0,
                              function_name="rotator")

    return start


@pytest.mark.parametrize("listed", [False, True], ids=["name-missing", "control-name-listed"])
def test_a_host_that_does_not_resolve_fails_dns(sm, db, make_account, start_with_hosts, listed):
    account = make_account(extra={"host": NAME})
    emulator = start_with_hosts([f"127.0.0.1 {NAME}"] if listed else [])
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()

    report = check(emulator, account.arn)

    if listed:
        assert by_name(report, "dns")["ok"], by_name(report, "dns")["detail"]
    else:
        assert "dns" in failed(report), failed(report)  # (and rotation-enabled: this secret never rotated)
        assert NAME in by_name(report, "dns")["detail"], "the check does not name the host"
        names = [c["name"] for c in report["checks"]]
        assert "login-current" not in names, "database checks ran past a failed DNS lookup"
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_an_admin_password_that_no_longer_logs_in_fails_login_admin(sm, db, services, make_account, start_rotator):
    account, admin, emulator, users = healthy("admin", sm, db, services, make_account, start_rotator)
    other = new_password()
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED BY %s", (admin.username, other))
    world = World(sm, db, account.arn, users)
    before = world.observe()

    report = check(emulator, account.arn)

    assert "login-admin" in failed(report), failed(report)
    assert "refused" in by_name(report, "login-admin")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator,
                                passwords(sm, account.arn, account.password, admin.password, other))


# GetSecretValue failing fails secret-value; DescribeSecret failing fails secrets-manager.
@pytest.mark.parametrize("operation, check_name, detail", [
    ("GetSecretValue", "secret-value", "GetSecretValue of AWSCURRENT failed"),
    ("DescribeSecret", "secrets-manager", "DescribeSecret"),
])
def test_a_failing_secrets_manager_call_fails_its_check(operation, check_name, detail, sm, db, services, make_account,
                                                        start_rotator, moto):
    account, _, emulator, users = healthy("self", sm, db, services, make_account, start_rotator)
    world = World(sm, db, account.arn, users)
    before = world.observe()
    moto.fault(operation, "5xx", 20)

    report = check(emulator, account.arn)
    moto.reset()

    assert check_name in failed(report), failed(report)
    assert detail in by_name(report, check_name)["detail"]
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))


def test_a_value_that_is_not_json_fails_secret_value(sm, db, make_account, start_rotator):
    account = make_account()
    unreadable = "not json " + new_password()
    REGISTRY.add(unreadable)
    sm.put_secret_value(SecretId=account.arn, SecretString=unreadable)
    emulator = start_rotator()
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()

    report = check(emulator, account.arn)

    assert "secret-value" in failed(report), failed(report)
    assert "AWSCURRENT" in by_name(report, "secret-value")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator, [unreadable, account.password])


def test_an_invocation_too_short_for_set_secret_fails_time_budget(sm, db, make_account, start_rotator):
    # 1 s is below "three times the estimate plus 1 s" for any estimate above 0.
    account = make_account()
    emulator = start_rotator(timeout=1.0)
    world = World(sm, db, account.arn, [account.username])
    before = world.observe()

    report = check(emulator, account.arn)

    assert "time-budget" in failed(report), failed(report)
    assert "less than three times that plus 1 s" in by_name(report, "time-budget")["detail"]
    assert_unchanged_and_silent(world, before, report, emulator, passwords(sm, account.arn, account.password))
