"""Alternating rotation makes the other user a real copy (issue 11, item 1).

The current user authenticates with MariaDB's ed25519 plugin, has resource
limits, a password expiry interval, column, routine and proxy grants and a
`USAGE … WITH GRANT OPTION` line. After a rotation, SHOW CREATE USER and
SHOW GRANTS of the two users differ only in the name and the password hash,
and the other user logs in (testSecret, through the binary, whose
Connector/C loads client_ed25519). The rotation admin holds README.md's
alternating list plus PROXY WITH GRANT OPTION on the proxied account, which
copying a proxy grant needs. A PROXY grant on a named account is one the
privilege guard refuses (docs/strategies-security.md), so the function here
runs with ALLOW_PRIVILEGED_ACCOUNTS=true: what is proven is the copy.
"""

from __future__ import annotations

import re

import pytest

from harness.accounts import create_rotation_admin, drop_rotation_admin
from harness.rotation import rotate
from harness.secrets import secret_dict, unique

PROXIED = "proxied_e2e"
# README.md, "Strategies", alternating (MariaDB), plus the proxy's grant option.
ADMIN_GRANTS = [
    "CREATE USER ON *.*",
    "SELECT ON mysql.*",
    "ALL PRIVILEGES ON appdb.* WITH GRANT OPTION",
    f"PROXY ON '{PROXIED}'@'127.0.0.1' WITH GRANT OPTION",
]


@pytest.fixture(scope="module")
def admin(services, sm, db):
    installed = db.execute("SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'")
    if not installed:
        db.execute("INSTALL SONAME 'auth_ed25519'")
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("CREATE TABLE IF NOT EXISTS appdb.copy_t (id INT, v INT)")
    db.execute("CREATE PROCEDURE IF NOT EXISTS appdb.copy_p() SELECT 1")
    db.execute("CREATE FUNCTION IF NOT EXISTS appdb.copy_f() RETURNS INT RETURN 1")
    db.execute("CREATE USER IF NOT EXISTS %s@'127.0.0.1' ACCOUNT LOCK", (PROXIED,))
    created = create_rotation_admin(sm, db, ADMIN_GRANTS)
    yield created
    drop_rotation_admin(db)
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (PROXIED,))


@pytest.fixture
def alternating(start_rotator):
    return start_rotator(ROTATION_STRATEGY="alternating", ALLOW_PRIVILEGED_ACCOUNTS="true")


def fresh_pair(db, name):
    for user in (name, name + "_clone"):
        db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))


def normalised(db, user, statement):
    """SHOW CREATE USER or SHOW GRANTS with the account written <user> and
    every password hash written <hash> (they are secret, and differ anyway)."""
    rows = db.execute(f"{statement} %s@'127.0.0.1'", (user,))
    quoted = "`" + user.replace("`", "``") + "`@`127.0.0.1`"
    lines = []
    for (line,) in rows:
        line = re.sub(r"(USING|BY PASSWORD) '[^']*'", r"\1 '<hash>'", line)
        lines.append(line.replace(quoted, "<user>"))
    return sorted(lines)


def auth(db, user):
    """The plugin and the stored hash's digest-free length, from mysql.global_priv."""
    rows = db.execute(
        "SELECT JSON_VALUE(Priv, '$.plugin'), JSON_VALUE(Priv, '$.authentication_string') "
        "FROM mysql.global_priv WHERE User = %s AND Host = '127.0.0.1'", (user,))
    return rows[0]


def make_rich_source(db, make_account, admin, name):
    fresh_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    user = (name,)
    # pymysql (without PyNaCl) cannot log in with ed25519: the secret's own
    # password is set under that plugin here, and only the binary logs in with it.
    db.execute(
        "ALTER USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) REQUIRE SSL "
        "WITH MAX_QUERIES_PER_HOUR 100 MAX_UPDATES_PER_HOUR 20 MAX_CONNECTIONS_PER_HOUR 30 "
        "MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 2.5 PASSWORD EXPIRE INTERVAL 30 DAY",
        (name, account.password))
    db.execute("REVOKE SELECT ON appdb.* FROM %s@'127.0.0.1'", user)
    db.execute("GRANT USAGE ON appdb.* TO %s@'127.0.0.1' WITH GRANT OPTION", user)
    db.execute("GRANT SELECT (id), INSERT (id, v), UPDATE (v) ON appdb.copy_t TO %s@'127.0.0.1'", user)
    db.execute("GRANT EXECUTE ON PROCEDURE appdb.copy_p TO %s@'127.0.0.1'", user)
    db.execute("GRANT EXECUTE, ALTER ROUTINE ON FUNCTION appdb.copy_f TO %s@'127.0.0.1'", user)
    db.execute(f"GRANT PROXY ON '{PROXIED}'@'127.0.0.1' TO %s@'127.0.0.1'", user)
    return account


def assert_copy(db, current, other):
    for statement in ("SHOW CREATE USER", "SHOW GRANTS FOR"):
        assert normalised(db, other, statement) == normalised(db, current, statement), \
            f"{statement} of {other} and {current} differ beyond name and password hash"
    (current_plugin, current_hash), (other_plugin, other_hash) = auth(db, current), auth(db, other)
    assert other_plugin == current_plugin == "ed25519", f"plugins: {current_plugin}, {other_plugin}"
    assert other_hash and other_hash != current_hash, "the copy has no password of its own"


def test_the_other_user_is_a_copy_and_gets_its_password_under_the_same_plugin(
        sm, db, admin, alternating, make_account):
    name = unique("copy")
    account = make_rich_source(db, make_account, admin, name)
    source_create_user = normalised(db, name, "SHOW CREATE USER")
    assert "IDENTIFIED VIA ed25519" in source_create_user[0], "setup: the source is not on ed25519"
    assert "MAX_USER_CONNECTIONS 3" in source_create_user[0], "setup: no limits on the source"

    rotate(sm, alternating, account.arn)  # testSecret logged in as the clone, over ed25519

    assert secret_dict(sm, account.arn)["username"] == name + "_clone"
    assert_copy(db, name, name + "_clone")


def test_attributes_changed_on_the_current_user_reach_the_other_one_and_a_lock_is_lifted(
        sm, db, admin, alternating, make_account):
    name = unique("attrs")
    account = make_rich_source(db, make_account, admin, name)
    rotate(sm, alternating, account.arn)  # current: name_clone
    current, other = name + "_clone", name
    db.execute("ALTER USER %s@'127.0.0.1' WITH MAX_USER_CONNECTIONS 7 MAX_STATEMENT_TIME 0 PASSWORD EXPIRE NEVER",
               (current,))
    # The user about to be rotated was locked meanwhile; the current one is not.
    db.execute("ALTER USER %s@'127.0.0.1' ACCOUNT LOCK", (other,))
    assert "ACCOUNT LOCK" in normalised(db, other, "SHOW CREATE USER")[0], "setup: lock not in effect"

    rotate(sm, alternating, account.arn)  # current: name, which must now match name_clone

    assert secret_dict(sm, account.arn)["username"] == other
    copied = normalised(db, other, "SHOW CREATE USER")[0]
    assert "ACCOUNT LOCK" not in copied, "the lock of the other user was kept"
    assert "MAX_USER_CONNECTIONS 7" in copied and "PASSWORD EXPIRE NEVER" in copied, "changes not carried"
    assert "MAX_STATEMENT_TIME" not in copied, "a limit removed from the current user was kept"
    assert_copy(db, current, other)


def test_an_account_with_two_ways_in_is_copied_with_both(sm, db, admin, alternating, make_account):
    # Issue 19: the other user follows the same rules as a password change:
    # the whole method chain, each password method with its own password.
    name = unique("chain")
    fresh_pair(db, name)
    account = make_account(name, extra={"masterarn": admin.arn})
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD(%s) OR unix_socket",
               (name, account.password))
    rotate(sm, alternating, account.arn)  # testSecret logs in as the other user
    other = secret_dict(sm, account.arn)["username"]
    assert other == name + "_clone"
    copied = normalised(db, other, "SHOW CREATE USER")[0]
    assert "IDENTIFIED VIA mysql_native_password USING" in copied and " OR unix_socket" in copied, \
        "the other user lost a method"
    fresh_pair(db, name)
