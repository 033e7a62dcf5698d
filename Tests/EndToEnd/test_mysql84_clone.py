"""The alternating strategy's copy of a MySQL 8 account through the built zip,
against the fake server of harness/mysql_grants.py (docs/strategies.md):
the manual's partial-revoke example and 8.4's dynamic privileges reach the
other user exactly as the server prints them, the restriction after the
global grant it narrows; the rotation back changes nothing but the password;
without ALLOW_PRIVILEGED_ACCOUNTS such an account is refused by name before
any change. No MySQL runs here: this proves the statements and their order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import event, start_rotation
from harness.mysql_accounts import FakeAccount
from harness.mysql_grants import FakeMySQLGrants
from harness.rotation import rotate, run_step
from harness.secrets import REGISTRY, new_password, secret_dict, snapshot, unique

DYNAMIC_84 = "FLUSH_PRIVILEGES,OPTIMIZE_LOCAL_TABLE,SET_ANY_DEFINER,ALLOW_NONEXISTENT_DEFINER,TRANSACTION_GTID_TAG"
# 8.0 has none of 8.4's new ones, but SET_USER_ID, which 8.4 removed.
DYNAMIC = {"8.0.36": "SET_USER_ID,FLUSH_TABLES", "8.4.3": DYNAMIC_84, "9.0.1": DYNAMIC_84}


def app_grants(version: str) -> list[str]:
    """The manual's "Privilege Restriction Using Partial Revokes" example, then the version's dynamic privileges."""
    return [
        "GRANT SELECT, INSERT ON *.* TO `app`@`%`",
        f"GRANT {DYNAMIC[version]} ON *.* TO `app`@`%`",
        "REVOKE INSERT ON `world`.* FROM `app`@`%`",
    ]


CHANGES = ("CREATE", "GRANT", "REVOKE", "ALTER")


@pytest.fixture
def mysql(services):
    servers: list[FakeMySQLGrants] = []
    # The test CA's server certificate (it names 127.0.0.1): the admin's sessions are verified TLS.
    tls = (str(Path(services.ca).parent / "server.pem"), str(Path(services.ca).parent / "server-key.pem"))

    def start(version: str) -> tuple[FakeMySQLGrants, FakeAccount]:
        app = FakeAccount("app", "%", new_password())
        admin = FakeAccount("rotation_admin", "%", new_password(), privileges=["CREATE USER"])
        server = FakeMySQLGrants([app, admin], grants={"app": app_grants(version)}, tls=tls, version=version)
        servers.append(server)
        return server, admin

    yield start
    for server in servers:
        server.close()


def secret(sm, server, account, **extra) -> str:
    value = {"engine": "mysql", "host": "127.0.0.1", "port": server.port, "username": account.user,
             "password": account.primary, "ssl": False, **extra}
    return sm.create_secret(Name=unique("e2e/mysql84-clone"), SecretString=json.dumps(value))["ARN"]


def rotation_secret(sm, server, admin) -> str:
    return secret(sm, server, server.account("app"), masterarn=secret(sm, server, admin))


def alternating(start_rotator, **env):
    # USERNAME_CHARACTER_LIMIT: MySQL's 32, not asked of the server.
    return start_rotator(ROTATION_STRATEGY="alternating", USERNAME_CHARACTER_LIMIT="32", REQUIRE_TLS="false", **env)


@pytest.mark.parametrize("version", ["8.0.36", "8.4.3", "9.0.1"])
def test_the_clone_holds_the_users_grants_as_mysql_prints_them_and_the_way_back_changes_only_the_password(
        version, sm, mysql, start_rotator):
    server, admin = mysql(version)
    expected = app_grants(version)
    assert server.show_grants("app") == expected, "the fake does not print the seeded lines back"
    arn = rotation_secret(sm, server, admin)
    rotator = alternating(start_rotator, ALLOW_PRIVILEGED_ACCOUNTS="true")

    rotate(sm, rotator, arn)
    current = secret_dict(sm, arn)
    clone_logs_in = server.logs_in("app_clone", current["password"])
    assert current["username"] == "app_clone" and clone_logs_in, "the clone is not the current user"
    cloned = [line.replace("`app_clone`@", "`app`@") for line in server.show_grants("app_clone")]
    assert cloned == expected, cloned
    sent = server.sent()
    grant = sent.index("GRANT SELECT, INSERT ON *.* TO 'app_clone'@'%'")
    revoke = sent.index("REVOKE INSERT ON `world`.* FROM 'app_clone'@'%'")
    assert grant < revoke, "the partial revoke was sent before the grant it narrows"
    assert f"GRANT {DYNAMIC[version]} ON *.* TO 'app_clone'@'%'" in sent, "the dynamic privileges were not granted"

    before = len(sent)
    app_password = server.account("app").primary
    rotate(sm, rotator, arn)
    current = secret_dict(sm, arn)
    back = server.sent()[before:]
    assert current["username"] == "app" and server.logs_in("app", current["password"]), "not back on the user"
    assert not server.logs_in("app", app_password), "the user's old password still logs in"
    assert not [s for s in back if s.startswith(("CREATE", "GRANT", "REVOKE"))], \
        [REGISTRY.redact(s) for s in back if s.startswith(("CREATE", "GRANT", "REVOKE"))]
    assert server.show_grants("app") == expected, "the user's grants changed"


def test_a_lifted_restriction_and_a_revoked_privilege_reach_the_other_user_on_the_next_rotation(
        sm, mysql, start_rotator):
    server, admin = mysql("8.4.3")
    arn = rotation_secret(sm, server, admin)
    rotator = alternating(start_rotator, ALLOW_PRIVILEGED_ACCOUNTS="true")
    rotate(sm, rotator, arn)  # current: app_clone
    # An operator lifts the restriction and takes one dynamic privilege from the current user.
    server.change_grants("GRANT INSERT ON `world`.* TO `app_clone`@`%`")
    server.change_grants("REVOKE TRANSACTION_GTID_TAG ON *.* FROM `app_clone`@`%`")
    wanted = server.show_grants("app_clone")
    assert not [line for line in wanted if line.startswith("REVOKE")], "the fake kept the restriction"
    before = len(server.sent())
    rotate(sm, rotator, arn)  # current: app, made a copy of app_clone
    sent = server.sent()[before:]
    assert "GRANT INSERT ON `world`.* TO 'app'@'%'" in sent, "the restriction was not lifted on the user"
    assert [line.replace("`app`@", "`app_clone`@") for line in server.show_grants("app")] == wanted, \
        server.show_grants("app")


@pytest.mark.parametrize("version", ["8.0.36", "8.4.3", "9.0.1"])
def test_without_allow_privileged_accounts_the_copy_is_refused_before_any_change(
        version, sm, mysql, start_rotator):
    server, admin = mysql(version)
    arn = rotation_secret(sm, server, admin)
    rotator = alternating(start_rotator)
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    before = snapshot(sm, arn)
    ok, body = rotator.invoke(event(arn, token, "setSecret"))
    assert not ok and body["errorType"] == "PrivilegedAccount", REGISTRY.redact(str(body))
    message = body["errorMessage"]
    for named in [f"{privilege} ON *.*" for privilege in DYNAMIC[version].split(",")] + ["INSERT ON *.*"]:
        assert named in message, REGISTRY.redact(message)
    changes = [s for s in server.sent() if s.startswith(CHANGES)]
    assert not changes, [REGISTRY.redact(s) for s in changes]
    assert snapshot(sm, arn) == before and server.show_grants("app") == app_grants(version), "something changed"
    ok, _ = rotator.invoke(event(arn, token, "createSecret"))
    assert ok, "the process stopped serving after the refusal"
