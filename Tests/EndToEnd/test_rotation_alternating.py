"""Alternating rotation (ROTATION_STRATEGY=alternating), end to end.

rotation_admin@127.0.0.1 holds exactly what README.md's "Strategies"
section lists for this strategy (plus, per test, each role the application
user holds WITH ADMIN OPTION, as the README says), so these tests also
prove that list is enough.
"""

from __future__ import annotations

import json

import pymysql
import pytest

from harness import start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS, normalised_grants, tls_requirement
from harness.rotation import rotate, run_step
from harness.secrets import secret_dict, secret_value, unique

# README.md, "Strategies", alternating (MariaDB): the whole list, roles aside.
pytestmark = pytest.mark.admin_grants(*ALTERNATING_STRATEGY_GRANTS)
ROTATIONS = 4


@pytest.fixture
def alternating(start_rotator):
    return start_rotator(ROTATION_STRATEGY="alternating")


@pytest.fixture
def roles(db, admin):
    """make_role(): a fresh MariaDB role, granted to the admin WITH ADMIN OPTION; dropped afterwards."""
    made = []

    def make() -> str:
        role = unique("role")
        db.execute(f"CREATE ROLE `{role}`")
        db.execute(f"GRANT `{role}` TO %s@'127.0.0.1' WITH ADMIN OPTION", (admin.username,))
        made.append(role)
        return role

    yield make
    for role in made:
        db.execute(f"DROP ROLE IF EXISTS `{role}`")


@pytest.fixture
def table(db):
    name = unique("t")
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute(f"CREATE TABLE appdb.`{name}` (id INT)")
    yield name
    db.execute(f"DROP TABLE IF EXISTS appdb.`{name}`")


def fresh_pair(db, name):
    for user in (name, name + "_clone"):
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))


def assert_copies(db, current, other):
    """The two users differ by their name only: grants, roles, default role, TLS."""
    current_grants = normalised_grants(db, current)
    other_grants = normalised_grants(db, other)
    assert other_grants == current_grants, f"SHOW GRANTS of {other} and {current} differ beyond the name"
    assert tls_requirement(db, other) == tls_requirement(db, current), \
        f"{other} has another TLS requirement than {current}"


def can_delete(db, user, password, table) -> bool:
    """Whether the user's session, without SET ROLE, may DELETE: only the default role grants that."""
    with db.connect(user, password) as connection, connection.cursor() as cursor:
        try:
            cursor.execute(f"DELETE FROM appdb.`{table}` WHERE 1 = 0")
        except Exception:  # noqa: BLE001 - any refusal means no
            return False
    return True


def test_four_rotations_alternate_and_both_users_keep_working(
        sm, db, admin, alternating, make_account, roles, table):
    fresh_pair(db, "app")
    account = make_account("app", extra={"masterarn": admin.arn})
    role = roles()
    db.execute(f"GRANT DELETE ON appdb.`{table}` TO `{role}`")
    db.execute(f"GRANT `{role}` TO 'app'@'127.0.0.1'")
    db.execute(f"SET DEFAULT ROLE `{role}` FOR 'app'@'127.0.0.1'")
    db.execute("ALTER USER 'app'@'127.0.0.1' REQUIRE SSL")
    db.execute(f"GRANT UPDATE, INSERT (id) ON appdb.`{table}` TO 'app'@'127.0.0.1' WITH GRANT OPTION")
    assert can_delete(db, "app", account.password, table), "setup: the default role is not in effect"

    expected_names = ["app_clone", "app", "app_clone", "app"]
    for number, expected in enumerate(expected_names, start=1):
        before = secret_dict(sm, account.arn)
        token = start_rotation(sm, account.arn)
        run_step(alternating, account.arn, token, "createSecret")
        pending = json.loads(secret_value(sm, account.arn, VersionId=token, VersionStage="AWSPENDING"))
        assert pending["username"] == expected, f"rotation {number}: pending user is {pending['username']}"
        assert pending["masterarn"] == admin.arn, f"rotation {number}: masterarn not carried over"
        run_step(alternating, account.arn, token, "setSecret")
        current_works = db.can_login(before["username"], before["password"])
        assert current_works, f"rotation {number}: the current user stopped working during the rotation"
        run_step(alternating, account.arn, token, "testSecret")
        run_step(alternating, account.arn, token, "finishSecret")

        after = secret_dict(sm, account.arn)
        assert after["username"] == expected, f"rotation {number}: AWSCURRENT names {after['username']}"
        new_works = db.can_login(after["username"], after["password"])
        previous_works = db.can_login(before["username"], before["password"])
        assert new_works, f"rotation {number}: the new credential does not log in"
        assert previous_works, f"rotation {number}: the previous credential stopped working"
        assert_copies(db, before["username"], after["username"])
        assert tls_requirement(db, after["username"])[0] == "ANY", f"rotation {number}: REQUIRE SSL not carried"
        role_in_effect = can_delete(db, after["username"], after["password"], table)
        assert role_in_effect, f"rotation {number}: the default role is not in effect for {expected}"

    plaintext = logs_in_without_tls(db, after["username"], after["password"])
    assert not plaintext, "the REQUIRE SSL user accepts a plaintext login"


def logs_in_without_tls(db, user, password) -> bool:
    # pymysql uses TLS whenever the server offers it unless told not to.
    try:
        pymysql.connect(host=db.services.host, port=db.services.port, user=user,
                        password=password, connect_timeout=10, ssl_disabled=True).close()
    except pymysql.err.OperationalError as error:
        if error.args and error.args[0] == 1045:
            return False
        raise
    return True


def test_grants_added_to_or_revoked_from_the_current_user_reach_the_other(
        sm, db, admin, alternating, make_account, roles, table):
    name = unique("alt")
    fresh_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    role = roles()

    rotate(sm, alternating, account.arn)  # current: name_clone, a copy of name
    current = secret_dict(sm, account.arn)["username"]
    assert current == name + "_clone"
    db.execute("GRANT INSERT ON appdb.* TO %s@'127.0.0.1'", (current,))
    db.execute(f"GRANT DELETE ON appdb.`{table}` TO %s@'127.0.0.1' WITH GRANT OPTION", (current,))
    db.execute(f"GRANT `{role}` TO %s@'127.0.0.1'", (current,))
    db.execute("ALTER USER %s@'127.0.0.1' REQUIRE SSL", (current,))

    rotate(sm, alternating, account.arn)  # current: name, which must have gained all that
    current, other = name, name + "_clone"
    assert secret_dict(sm, account.arn)["username"] == current
    gained = normalised_grants(db, current)
    assert "GRANT INSERT, SELECT ON `appdb`.* TO <user>" in gained or \
        "GRANT SELECT, INSERT ON `appdb`.* TO <user>" in gained, f"INSERT not carried: {gained}"
    assert f"GRANT `{role}` TO <user>" in gained, "the role was not carried"
    assert_copies(db, other, current)

    db.execute("REVOKE INSERT ON appdb.* FROM %s@'127.0.0.1'", (current,))
    db.execute(f"REVOKE GRANT OPTION ON appdb.`{table}` FROM %s@'127.0.0.1'", (current,))
    db.execute(f"REVOKE `{role}` FROM %s@'127.0.0.1'", (current,))
    db.execute("ALTER USER %s@'127.0.0.1' REQUIRE NONE", (current,))

    rotate(sm, alternating, account.arn)  # current: name_clone, which must have lost it
    assert secret_dict(sm, account.arn)["username"] == other
    lost = normalised_grants(db, other)
    assert not any("INSERT" in line for line in lost), f"the revoked INSERT is still there: {lost}"
    assert not any(role in line for line in lost), "the revoked role is still there"
    assert f"GRANT DELETE ON `appdb`.`{table}` TO <user>" in lost, f"grant option not reduced: {lost}"
    assert_copies(db, current, other)
    assert tls_requirement(db, other)[0] == "", "REQUIRE NONE was not carried"


def _negotiated_cipher(db) -> str:
    with db.admin() as connection, connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        return cursor.fetchone()[1]


@pytest.mark.parametrize("requirement", ["NONE", "SSL", "CIPHER"])
def test_the_tls_requirement_is_carried(requirement, sm, db, admin, alternating, make_account):
    name = unique("tls")
    fresh_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    clause = f"CIPHER '{_negotiated_cipher(db)}'" if requirement == "CIPHER" else requirement
    db.execute(f"ALTER USER %s@'127.0.0.1' REQUIRE {clause}", (name,))

    rotate(sm, alternating, account.arn)

    assert tls_requirement(db, name + "_clone") == tls_requirement(db, name), "TLS requirement not carried"
    expected_type = {"NONE": "", "SSL": "ANY", "CIPHER": "SPECIFIED"}[requirement]
    assert tls_requirement(db, name)[0] == expected_type, "setup: unexpected ssl_type"


def test_a_clone_that_logs_in_but_lacks_grants_still_gets_them(
        sm, db, admin, alternating, make_account):
    """A process killed right after CREATE USER leaves a clone that already
    accepts the pending password but holds no grant: a retried setSecret must
    not take the working login for a finished job."""
    name = unique("crash")
    fresh_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    token = start_rotation(sm, account.arn)
    run_step(alternating, account.arn, token, "createSecret")
    pending = json.loads(secret_value(sm, account.arn, VersionId=token))
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (pending["username"], pending["password"]))

    for step in ("setSecret", "testSecret", "finishSecret"):
        run_step(alternating, account.arn, token, step)

    assert_copies(db, name, name + "_clone")
