"""Every cell of the README's TLS table (the secret's `ssl` × REQUIRE_TLS ×
a server that offers TLS or not), end to end, each settled by the server's
own record of every login: its general log says, per session, whether the
login came "using SSL/TLS" or in plaintext, and a refused step must leave
no login of the user there at all (nothing was sent but the greeting's
answer). The outcome alone would not tell verified TLS from plaintext.

Verified, not merely encrypted: the wrong-CA and wrong-name refusals are in
test_tls_policy.py and test_tls_downgrade.py.

The table is `self`'s. A setSecret that can change an account (`admin`,
`alternating`, `self` with KEEP_PREVIOUS_PASSWORD) runs only over verified
TLS whatever the row says: on the TLS server every one of its logins (the
admin's too) is TLS, on the server without TLS it is refused with no login
and no account written.
"""

from __future__ import annotations

import json

import pymysql
import pytest

from harness import event, start_rotation
from harness.accounts import ROTATION_ADMIN, STRATEGY_GRANTS, create_rotation_admin, drop_rotation_admin
from harness.replication import GeneralLogs, Server
from harness.rotation import describe_failure, rotate, run_step
from harness.secrets import REGISTRY, mariadb_secret, new_password, secret_dict, unique
from harness.services import run_sql

pytestmark = pytest.mark.log_formats("text", "JSON")

SSL = {"true": True, "absent": None, "false": False}

# (ssl, REQUIRE_TLS) -> (on the TLS server, on the server without TLS), as the README's table says.
TABLE = {
    ("true", "true"): ("tls", "refused"),
    ("true", "false"): ("tls", "refused"),
    ("absent", "true"): ("tls", "refused"),
    ("absent", "false"): ("tls", "plaintext, warned"),
    ("false", "true"): ("tls", "refused"),
    ("false", "false"): ("plaintext", "plaintext"),
}
CELLS = [(ssl, require, server) for (ssl, require) in TABLE for server in ("tls-server", "plain-server")]


def account_on(services, sm, db, server: str, ssl: str) -> tuple[str, str, str]:
    """A user with SELECT on the chosen server, and its secret with the chosen `ssl`."""
    user, password = unique("tlscell"), new_password()
    if server == "tls-server":
        db.create_user(user, password)
        port = services.port
    else:
        with services.connect_plain_admin() as connection:
            run_sql(connection, "CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
        port = services.plain_port
    secret = mariadb_secret(services.host, port, user, password)
    if SSL[ssl] is not None:
        secret["ssl"] = SSL[ssl]
    arn = sm.create_secret(Name=unique("e2e/tls-cell"), SecretString=json.dumps(secret))["ARN"]
    return user, password, arn


@pytest.mark.parametrize("ssl, require_tls, server", CELLS, ids=[f"ssl-{a}-REQUIRE_TLS-{b}-{c}" for a, b, c in CELLS])
def test_each_cell_of_the_tls_table(services, sm, db, start_rotator, ssl, require_tls, server):
    expected = TABLE[(ssl, require_tls)][0 if server == "tls-server" else 1]
    target = (Server("tls", services.host, services.port) if server == "tls-server"
              else Server("plain", services.host, services.plain_port, tls=False))
    user, password, arn = account_on(services, sm, db, server, ssl)
    rotator = start_rotator(REQUIRE_TLS=require_tls)

    with GeneralLogs(services, {target.name: target}) as logs:
        if expected == "refused":
            token = start_rotation(sm, arn)
            run_step(rotator, arn, token, "createSecret")
            ok, body = rotator.invoke(event(arn, token, "setSecret"))
            logins = logs.logins(target.name, user)
        else:
            rotate(sm, rotator, arn)
            logins = logs.logins(target.name, user)

    if expected == "refused":
        assert not ok, "setSecret logged in to a server without TLS although TLS was required"
        assert body["errorType"] == "DatabaseTLSFailed", describe_failure("setSecret", body)
        assert logins == [], f"{len(logins)} login(s) of the user reached the server: a credential was sent"
        pymysql.connect(host=services.host, port=target.port, user=user, password=password,
                        connect_timeout=10).close()  # the old password still logs in: nothing changed
        assert rotator.state()["pid"] is not None, "the process did not survive"
        return

    assert logins and all(login.accepted for login in logins), "the rotation's logins were not all accepted"
    sessions = {login.tls for login in logins}
    if expected == "tls":
        assert sessions == {True}, f"{sum(not t for t in sessions)} login(s) were plaintext; every one must be TLS"
    else:
        assert sessions == {False}, "a login used TLS although the table says plaintext"
    rotator.close()
    log = rotator.log_path.read_text(errors="replace")
    warned = "not encrypted" in log
    assert warned == (expected == "plaintext, warned"), f"plaintext warning {'present' if warned else 'absent'}"
    rotated = secret_dict(sm, arn)["password"]
    REGISTRY.add(rotated)
    assert rotated != password, "the password did not change"


# setSecret's strategies that can change an account: (ROTATION_STRATEGY, KEEP_PREVIOUS_PASSWORD).
CHANGING = {"admin": ("admin", "false"), "alternating": ("alternating", "false"),
            "self+KEEP_PREVIOUS_PASSWORD": ("self", "true")}
STRATEGY_CELLS = [(strategy, ssl, require, server) for strategy in CHANGING for (ssl, require) in TABLE
                  for server in ("tls-server", "plain-server")]


@pytest.mark.parametrize("strategy, ssl, require_tls, server", STRATEGY_CELLS,
                         ids=[f"{s}-ssl-{a}-REQUIRE_TLS-{b}-{c}" for s, a, b, c in STRATEGY_CELLS])
def test_a_set_secret_that_can_change_an_account_is_verified_tls_in_every_cell(
        services, sm, db, start_rotator, strategy, ssl, require_tls, server):
    name, keep = CHANGING[strategy]
    target = (Server("tls", services.host, services.port) if server == "tls-server"
              else Server("plain", services.host, services.plain_port, tls=False))
    user, password, arn = account_on(services, sm, db, server, ssl)
    value = secret_dict(sm, arn)
    if name != "self":
        # On the server without TLS the admin is never reached: its secret need only name the server.
        admin = create_rotation_admin(sm, db, STRATEGY_GRANTS[name])
        admin_value = secret_dict(sm, admin.arn) | {"port": target.port}
        if SSL[ssl] is not None:
            admin_value["ssl"] = SSL[ssl]
        sm.put_secret_value(SecretId=admin.arn, SecretString=json.dumps(admin_value))
        value["masterarn"] = admin.arn
        sm.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
    elif server == "tls-server":
        # MariaDB keeps a second password only through ALTER USER, which self needs CREATE USER for.
        db.execute("GRANT CREATE USER ON *.* TO %s@'127.0.0.1'", (user,))
    try:
        rotator = start_rotator(ROTATION_STRATEGY=name, KEEP_PREVIOUS_PASSWORD=keep, REQUIRE_TLS=require_tls,
                                USERNAME_CHARACTER_LIMIT="80")
        token = start_rotation(sm, arn)
        with GeneralLogs(services, {target.name: target}) as logs:
            run_step(rotator, arn, token, "createSecret")
            ok, body = rotator.invoke(event(arn, token, "setSecret"))
            logins = logs.logins(target.name, user) + logs.logins(target.name, ROTATION_ADMIN)
            # self writes `ALTER USER CURRENT_USER()`, which names no user.
            writes = logs.account_writes(target.name, None if name == "self" else [user])
    finally:
        if name != "self":
            drop_rotation_admin(db)

    if server == "plain-server":
        assert not ok, f"{strategy} setSecret went ahead on a server without TLS"
        assert body["errorType"] == "DatabaseTLSFailed", describe_failure("setSecret", body)
        assert "can change an account" in body["errorMessage"], body["errorMessage"]
        assert logins == [], f"{len(logins)} login(s) reached the server: a credential was sent"
        assert writes == [], f"an account was written: {writes}"
        pymysql.connect(host=services.host, port=target.port, user=user, password=password,
                        connect_timeout=10).close()  # the old password still logs in: nothing changed
        return

    assert ok, describe_failure("setSecret", body)
    # KEEP_PREVIOUS_PASSWORD first tries the pending password, which the server refuses.
    assert any(login.accepted for login in logins), "none of setSecret's logins was accepted"
    assert {login.tls for login in logins} == {True}, "a login of setSecret was plaintext; every one must be TLS"
    REGISTRY.add(secret_dict(sm, arn, VersionStage="AWSPENDING")["password"])
    assert writes, "setSecret reported success but wrote no account"
    if name != "self":
        # The function's own test that the pending password logs in.
        run_step(rotator, arn, token, "testSecret")
