"""The upgrade-readiness check (docs/mysql-upgrade.md), end to end through
the built zip: Check's `password-plugin` row names the account's plugin and
the server's version and says what MySQL 8.4 / 9.x does to it, with
AUTH_PLUGIN as the advice; CheckAll writes SecretsByPlugin.

MariaDB 10.11 is real (a mysql_native_password and an ed25519 account; the
server's auth_ed25519 is loaded here if it is not yet). MySQL 8.0.36, 8.4
and 9.0 are fake servers (harness/upgrade_servers.py), and so is MariaDB
11.6's PARSEC login (harness/scripted_mysql.py switching to `parsec`): no
such server runs here. Nothing is changed by a check, and no password
reaches a report or the log.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from harness.accounts import create_account
from harness.fleet import attach, check_all, function_arn, start_fleet_function
from harness.mysql_accounts import FakeAccount
from harness.preflight import by_name, check
from harness.rotator import emf_records
from harness.scripted_mysql import ScriptedMySQL
from harness.secrets import REGISTRY, new_password, snapshot, unique
from harness.upgrade_servers import FakeMySQLRelease


def move_to_ed25519(db, account):
    """The account on ed25519 with its password, the server plugin loaded first (idempotent)."""
    loaded = db.execute("SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519' "
                        "AND PLUGIN_STATUS = 'ACTIVE'")
    if not loaded:
        db.execute("INSTALL SONAME 'auth_ed25519'")
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s)",
               (account.username, account.password))


def assert_silent(reports, emulator, secrets):
    text = json.dumps(reports) + emulator.log_path.read_text(errors="replace")
    assert not any(secret in text for secret in secrets), "a password is in a report or the log"


def plugin_counts(log):
    """{plugin: count} from the last CheckAll's SecretsByPlugin records."""
    records = [r for r in emf_records(log) if "SecretsByPlugin" in r]
    assert records, "no SecretsByPlugin record"
    for record in records:
        directive = record["_aws"]["CloudWatchMetrics"][0]
        assert directive["Dimensions"] == [["Check", "Plugin"]] and record["Check"] == "fleet"
    return {r["Plugin"]: r["SecretsByPlugin"] for r in records}


# -- MariaDB 10.11, live ---------------------------------------------------------


def test_mariadb_native_and_ed25519_accounts(sm, db, start_rotator):
    native = create_account(sm, db, prefix="upn")
    ed25519 = create_account(sm, db, prefix="upe")
    move_to_ed25519(db, ed25519)
    before = {a.arn: (snapshot(sm, a.arn), db.auth_digest(a.username)) for a in (native, ed25519)}

    emulator = start_rotator(ROTATION_STRATEGY="self")
    native_row = by_name(report_native := check(emulator, native.arn), "password-plugin")
    ed25519_row = by_name(report_ed25519 := check(emulator, ed25519.arn), "password-plugin")
    assert native_row["ok"] and ed25519_row["ok"]
    assert f"'{native.username}'@'127.0.0.1' uses mysql_native_password on MariaDB 10.11" in native_row["detail"]
    assert "MariaDB recommends ed25519" in native_row["detail"]
    assert "AUTH_PLUGIN=ed25519 moves it at its next rotation" in native_row["detail"]
    assert f"'{ed25519.username}'@'127.0.0.1' uses ed25519 on MariaDB 10.11" in ed25519_row["detail"]
    assert "recommended plugin" in ed25519_row["detail"]
    # The ed25519 account logged in through the zip's client_ed25519.
    assert by_name(report_ed25519, "login-current")["ok"]

    moving = start_rotator(ROTATION_STRATEGY="self", AUTH_PLUGIN="ed25519", KEEP_PREVIOUS_PASSWORD="true")
    row = by_name(moved := check(moving, native.arn), "password-plugin")
    assert row["ok"], row
    assert "AUTH_PLUGIN=ed25519, so the next rotation moves it to ed25519" in row["detail"]
    assert "keeps the previous password as a mysql_native_password second method" in row["detail"]
    assert "already" in by_name(check(moving, ed25519.arn), "password-plugin")["detail"]

    after = {a.arn: (snapshot(sm, a.arn), db.auth_digest(a.username)) for a in (native, ed25519)}
    assert after == before, "a check changed a secret or an account"
    assert_silent([report_native, report_ed25519, moved], emulator, [native.password, ed25519.password])
    assert_silent([], moving, [native.password, ed25519.password])


def test_mariadb_fleet_counts_secrets_per_plugin(sm, db, services, start_emulator):
    name = f"upgrade-{uuid.uuid4().hex[:8]}"
    own = function_arn(name)
    prefix = f"e2e/{name}"
    natives = [create_account(sm, db, secret_prefix=f"{prefix}/native", prefix="upf") for _ in range(2)]
    ed25519 = create_account(sm, db, secret_prefix=f"{prefix}/ed25519", prefix="upf")
    move_to_ed25519(db, ed25519)
    stranger = create_account(sm, db, secret_prefix=f"{prefix}/wrong", prefix="upf", create_user=False)
    for account in [*natives, ed25519, stranger]:
        attach(sm, account.arn, own)
    emulator = start_fleet_function(start_emulator, services, name, METRICS_NAMESPACE="MySQLRotator")

    answer = check_all(emulator)

    assert answer["checked"] == 4
    counts = plugin_counts(emulator.log_path)
    assert counts == {"mysql_native_password": 2, "caching_sha2_password": 0, "sha256_password": 0,
                      "ed25519": 1, "parsec": 0, "unknown": 1}, counts
    assert_silent(answer, emulator, [a.password for a in [*natives, ed25519]])


# -- MySQL 8.0 / 8.4 / 9.0, fake ------------------------------------------------


@pytest.fixture
def mysql_release(services):
    servers = []
    # The test CA's server certificate (it names 127.0.0.1): self with KEEP_PREVIOUS_PASSWORD logs in only
    # over verified TLS.
    tls = (str(Path(services.ca).parent / "server.pem"), str(Path(services.ca).parent / "server-key.pem"))

    def start(version, *accounts, native_enabled=False):
        server = FakeMySQLRelease(version, list(accounts), native_enabled=native_enabled, tls=tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def mysql_secret(sm, server, account):
    value = {"engine": "mysql", "host": "127.0.0.1", "port": server.port, "username": account.user,
             "password": account.primary, "ssl": False}
    return sm.create_secret(Name=unique("e2e/upgrade-mysql"), SecretString=json.dumps(value))["ARN"]


# (version, native_enabled, plugin, AUTH_PLUGIN, ok, phrase)
MYSQL_ROWS = [
    ("8.0.36", False, "mysql_native_password", "keep", True,
     "uses mysql_native_password on MySQL 8.0.36: deprecated since MySQL 8.0.34"),
    ("8.0.36", False, "caching_sha2_password", "keep", True, "8.4 and 9.x keep it"),
    ("8.4.3", True, "mysql_native_password", "keep", True,
     "logs in only while the server runs with mysql_native_password=ON"),
    ("8.4.3", True, "mysql_native_password", "caching_sha2_password", True,
     "so the next rotation moves it to caching_sha2_password"),
    ("8.4.3", False, "caching_sha2_password", "keep", True, "uses caching_sha2_password on MySQL 8.4.3"),
    ("8.4.3", False, "caching_sha2_password", "ed25519", False, "AUTH_PLUGIN=ed25519 is not a plugin MySQL 8.4.3 has"),
    ("9.0.1", False, "caching_sha2_password", "keep", True, "uses caching_sha2_password on MySQL 9.0.1"),
    ("9.0.1", False, "caching_sha2_password", "mysql_native_password", True,
     "is weaker, so the rotation keeps caching_sha2_password"),
]


@pytest.mark.parametrize(("version", "native_enabled", "plugin", "auth_plugin", "ok", "phrase"), MYSQL_ROWS)
def test_mysql_release_reports_the_plugin_row(sm, mysql_release, start_rotator, version, native_enabled, plugin,
                                              auth_plugin, ok, phrase):
    app = FakeAccount("app", "%", new_password(), plugin=plugin)
    server = mysql_release(version, app, native_enabled=native_enabled)
    arn = mysql_secret(sm, server, app)
    emulator = start_rotator(ROTATION_STRATEGY="self", REQUIRE_TLS="false", AUTH_PLUGIN=auth_plugin,
                             KEEP_PREVIOUS_PASSWORD="true")

    report = check(emulator, arn)

    row = by_name(report, "password-plugin")
    assert row["ok"] is ok and phrase in row["detail"], row
    assert f"MySQL {version}" in by_name(report, "login-current")["detail"]
    if plugin == "mysql_native_password" and auth_plugin == "keep":
        assert any("Set AUTH_PLUGIN=caching_sha2_password" in advice for advice in report["advice"])
    if auth_plugin == "caching_sha2_password":
        assert "MySQL cannot RETAIN CURRENT PASSWORD with a plugin change" in row["detail"]
    assert not any(s.startswith(("ALTER", "SET PASSWORD", "CREATE", "DROP", "GRANT")) for s in server.sent())
    assert_silent(report, emulator, [app.primary])


def test_mysql_9_refuses_a_native_account_and_the_check_says_only_that(sm, mysql_release, start_rotator):
    app = FakeAccount("app", "%", new_password(), plugin="mysql_native_password")
    server = mysql_release("9.0.1", app)
    arn = mysql_secret(sm, server, app)
    emulator = start_rotator(ROTATION_STRATEGY="self", REQUIRE_TLS="false")

    report = check(emulator, arn)

    login = by_name(report, "login-current")
    assert not login["ok"] and "refused" in login["detail"], login
    # Before AWSCURRENT logs in nothing about the account is reported.
    assert "password-plugin" not in [c["name"] for c in report["checks"]]
    assert_silent(report, emulator, [app.primary])


def test_mysql_fleet_counts_secrets_per_plugin(sm, services, mysql_release, start_emulator):
    name = f"upgrade-{uuid.uuid4().hex[:8]}"
    own = function_arn(name)
    accounts = [("8.0.36", "mysql_native_password", False), ("8.4.3", "mysql_native_password", True),
                ("8.4.3", "caching_sha2_password", False), ("9.0.1", "caching_sha2_password", False),
                ("9.0.1", "mysql_native_password", False)]
    arns, passwords = [], []
    for version, plugin, native_enabled in accounts:
        app = FakeAccount("app", "%", new_password(), plugin=plugin)
        passwords.append(app.primary)
        server = mysql_release(version, app, native_enabled=native_enabled)
        arns.append(mysql_secret(sm, server, app))
    for arn in arns:
        attach(sm, arn, own)
    emulator = start_fleet_function(start_emulator, services, name, METRICS_NAMESPACE="MySQLRotator",
                                    REQUIRE_TLS="false")

    answer = check_all(emulator)

    assert answer["checked"] == 5
    counts = plugin_counts(emulator.log_path)
    assert counts == {"mysql_native_password": 2, "caching_sha2_password": 2, "sha256_password": 0,
                      "ed25519": 0, "parsec": 0, "unknown": 1}, counts
    assert_silent(answer, emulator, passwords)


# -- MariaDB 11.6 PARSEC, fake --------------------------------------------------


def test_a_parsec_account_gets_a_refusal_naming_parsec(sm, start_rotator):
    server = ScriptedMySQL("11.6.2-MariaDB", current_user="app@%", auth_switch="parsec")
    try:
        password = REGISTRY.new_password()
        value = {"engine": "mariadb", "host": "127.0.0.1", "port": server.port, "username": "app",
                 "password": password, "ssl": False}
        arn = sm.create_secret(Name=unique("e2e/upgrade-parsec"), SecretString=json.dumps(value))["ARN"]
        emulator = start_rotator(ROTATION_STRATEGY="self", REQUIRE_TLS="false")

        report = check(emulator, arn)

        login = by_name(report, "login-current")
        assert not login["ok"]
        assert "to log in with the parsec plugin, which the function's client library does not have" \
            in login["detail"], login
        assert "refused AWSCURRENT's password" not in login["detail"]
        assert any("ed25519" in advice for advice in report["advice"])
        assert [s.logged_in for s in server.snapshot()] and not any(s.logged_in for s in server.snapshot())
        assert_silent(report, emulator, [password])
    finally:
        server.close()
