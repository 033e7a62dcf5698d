"""A value from a secret is data under any session state, end to end.

Real MariaDB servers of the module's own, each making the sessions of
ordinary accounts read statements differently from what the client asked
for: (a) a GBK server that ignores the client's character set
(`skip-character-set-client-handshake`), (b) `init_connect='SET NAMES gbk'`,
(c) `init_connect` adding `NO_BACKSLASH_ESCAPES`. MariaDB skips init_connect
for accounts with SUPER or CONNECTION ADMIN, so the function's admin holds
only the strategies' documented grants. Hostile passwords (written to the
token's AWSPENDING before createSecret, which keeps them) and hostile user
names go through the built zip under `self`, `admin` and `alternating`:
each lands as exactly that value (pymysql logs in with it), and `dba`, an
account with ALL WITH GRANT OPTION that every injection here targets,
never changes. On (b) and (c) the admin strategies are refused before any
value is sent (`AdminRunsInitConnect`: init_connect runs in the admin's
sessions too), so there `self` carries the values. The Check request with a user name built to inject into the
admin's grant-table lookup sends no injected SQL (the server's general log).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from harness import event, start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS
from harness.database import Database
from harness.dedicated_server import DedicatedMariaDB
from harness.rotation import describe_failure, run_step
from harness.scripted_mysql import ScriptedMySQL
from harness.secrets import REGISTRY, digest, mariadb_secret, new_password, secret_dict, unique

GENERAL_LOG = "general.log"  # in the datadir

SERVERS = {
    "gbk-server-ignoring-the-client": [
        "--character-set-server=gbk", "--collation-server=gbk_chinese_ci",
        "--skip-character-set-client-handshake",
    ],
    "init-connect-set-names-gbk": ["--init-connect=SET NAMES gbk"],
    "init-connect-no-backslash-escapes": [
        "--init-connect=SET SESSION sql_mode=CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')",
    ],
}

# Each would make `dba` log in with an empty password if it ended its literal
# early: 0x81 (the last UTF-8 byte of 丁) swallows an added backslash under
# GBK; a backslash before a quote escapes nothing under NO_BACKSLASH_ESCAPES.
INJECTIONS = {
    "gbk-lead-byte-before-quote": "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#",
    "backslash-before-quote": "x\\'), `dba`@`%` IDENTIFIED VIA mysql_native_password#",
}

# Finding 2's user name: an injected UNION would read the grant tables as the admin.
UNION_USER = "x' UNION SELECT CONCAT(User,0x3a,LEFT(authentication_string,12)) FROM mysql.user#"


@dataclasses.dataclass
class Server:
    name: str
    dedicated: DedicatedMariaDB
    db: Database
    admin_arn: str
    dba_before: str | None

    def dba_create_user(self) -> str | None:
        return digest(self.db.execute("SHOW CREATE USER 'dba'@'%'")[0][0])

    def general_log(self) -> str:
        return (self.dedicated.dir / "data" / GENERAL_LOG).read_text("utf-8", errors="replace")


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request: pytest.FixtureRequest, services: Any, sm: Any) -> Iterator[Server]:
    dedicated = DedicatedMariaDB(services, [*SERVERS[request.param], "--general-log=1",
                                            f"--general-log-file={GENERAL_LOG}"])
    try:
        db = dedicated.db
        dba_password = new_password()
        db.execute("CREATE USER 'dba'@'%%' IDENTIFIED BY %s", (dba_password,))
        db.execute("GRANT ALL PRIVILEGES ON *.* TO 'dba'@'%' WITH GRANT OPTION")
        admin_password = new_password()
        db.execute("CREATE USER 'rotation_admin'@'127.0.0.1' IDENTIFIED BY %s", (admin_password,))
        for grant in ALTERNATING_STRATEGY_GRANTS:
            privileges, _, option = grant.partition(" WITH ")
            db.execute(f"GRANT {privileges} TO 'rotation_admin'@'127.0.0.1'" + (f" WITH {option}" if option else ""))
        admin_secret = mariadb_secret(services.host, dedicated.port, "rotation_admin", admin_password)
        admin = sm.create_secret(Name=unique("e2e/charset-admin"), SecretString=json.dumps(admin_secret))
        dba_before = digest(db.execute("SHOW CREATE USER 'dba'@'%'")[0][0])
        yield Server(request.param, dedicated, db, admin["ARN"], dba_before)
    finally:
        dedicated.close()


def make_account(sm: Any, server: Server, username: str, password: str | None = None) -> tuple[str, str]:
    """`username`@127.0.0.1 with SELECT on appdb, and its secret (naming the admin); returns (arn, password)."""
    password = password or new_password()
    db = server.db
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
    db.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
    secret = mariadb_secret(db.services.host, server.dedicated.port, username, password, dbname="appdb",
                            masterarn=server.admin_arn)
    created = sm.create_secret(Name=unique("e2e/charset"), SecretString=json.dumps(secret))
    return created["ARN"], password


def rotate_to(sm: Any, emulator: Any, arn: str, pending: dict | None) -> None:
    """A whole rotation; `pending`, if given, is written to the token's AWSPENDING first."""
    token = start_rotation(sm, arn)
    if pending is not None:
        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending),
                            VersionStages=["AWSPENDING"])
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        run_step(emulator, arn, token, step)


def logs_in(server: Server, user: str, password: str) -> bool:
    """pymysql's login with the password's UTF-8 bytes (as the function sends them; pymysql would use latin-1)."""
    services = server.db.services
    try:
        connection = pymysql.connect(host=services.host, port=server.dedicated.port, user=user,
                                     password=password.encode(), ssl_ca=services.ca, ssl_verify_cert=True,
                                     ssl_verify_identity=True, connect_timeout=10)
    except pymysql.err.OperationalError as error:
        # Access denied: 1045, or 1698 when the server answers for a user it does not have.
        if error.args and error.args[0] in (1045, 1698):
            return False
        raise
    connection.close()
    return True


def runs_init_connect_for_the_admin(server: Server, strategy: str) -> bool:
    """The admin strategies refuse a server whose init_connect runs in the admin's
    sessions (AdminRunsInitConnect), before any value reaches it: on (b) and (c)
    only `self` gets as far as sending one."""
    return strategy != "self" and server.name.startswith("init-connect")


def assert_the_admin_is_refused(sm: Any, emulator: Any, server: Server, arn: str, pending: dict | None) -> None:
    token = start_rotation(sm, arn)
    if pending is not None:
        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending),
                            VersionStages=["AWSPENDING"])
    run_step(emulator, arn, token, "createSecret")
    before = queries(server)
    ok, body = emulator.invoke(event(arn, token, "setSecret"))
    assert not ok and body.get("errorType") == "AdminRunsInitConnect", describe_failure("setSecret", body)
    sent = queries(server)[len(before):]
    changes = ("ALTER USER", "CREATE USER", "SET PASSWORD", "GRANT", "REVOKE")
    statements = [line.split(" Query\t", 1)[1].lstrip().upper() for line in sent]
    assert not any(s.startswith(changes) for s in statements), "an account statement was sent"
    assert_dba_unchanged(server)


def the_function_read_the_session(server: Server) -> bool:
    return "SELECT @@session.character_set_client" in server.general_log()


def queries(server: Server) -> list[str]:
    """The statements the server ran (its general log's Query lines; Connect lines name the login's user)."""
    return [line for line in server.general_log().splitlines() if " Query\t" in line]


def assert_dba_unchanged(server: Server) -> None:
    assert server.dba_create_user() == server.dba_before, "dba's SHOW CREATE USER changed"
    assert not logs_in(server, "dba", ""), "dba logs in with an empty password"


@pytest.mark.parametrize("strategy", ["self", "admin", "alternating"])
@pytest.mark.parametrize("injection", list(INJECTIONS))
def test_a_hostile_pending_password_lands_as_data(sm, server, start_rotator, strategy, injection):
    password = INJECTIONS[injection] + secrets.token_hex(4)
    REGISTRY.add(password)
    user = unique("app")
    arn, _ = make_account(sm, server, user)
    emulator = start_rotator(ROTATION_STRATEGY=strategy)
    target = user + "_clone" if strategy == "alternating" else user
    pending = secret_dict(sm, arn) | {"username": target, "password": password}
    if runs_init_connect_for_the_admin(server, strategy):
        assert_the_admin_is_refused(sm, emulator, server, arn, pending)
        assert not logs_in(server, target, password), "the hostile password logs in"
        return

    rotate_to(sm, emulator, arn, pending)

    assert logs_in(server, target, password), "the hostile password does not log in as written"
    assert_dba_unchanged(server)
    assert the_function_read_the_session(server), "control: the function never read the session's state"


# A quote, a backslash, a backtick, and a GBK lead byte before each.
HOSTILE_NAMES = {
    "quote-backslash-backtick": "u'\\`x",
    "gbk-lead-bytes": "u丁'丁\\丁`",
}


@pytest.mark.parametrize("strategy", ["self", "admin", "alternating"])
@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_a_hostile_user_name_lands_as_data(sm, server, start_rotator, strategy, name):
    user = HOSTILE_NAMES[name] + secrets.token_hex(3)
    arn, password = make_account(sm, server, user)
    emulator = start_rotator(ROTATION_STRATEGY=strategy)
    if server.name == "gbk-server-ignoring-the-client" and not user.isascii():
        # That server reads the handshake's user name as GBK: nobody logs in as
        # this user from a UTF-8 client, so the rotation is refused, changing nothing.
        token = start_rotation(sm, arn)
        run_step(emulator, arn, token, "createSecret")
        ok, body = emulator.invoke(event(arn, token, "setSecret"))
        assert not ok and body.get("errorType") == "DatabaseLoginFailed", describe_failure("setSecret", body)
        assert not logs_in(server, user, password), "control: the user logs in over this server's handshake"
        assert_dba_unchanged(server)
        return
    if runs_init_connect_for_the_admin(server, strategy):
        assert_the_admin_is_refused(sm, emulator, server, arn, None)
        assert logs_in(server, user, password), "the account's password changed"
        return

    rotate_to(sm, emulator, arn, None)

    current = secret_dict(sm, arn)
    expected = user + "_clone" if strategy == "alternating" else user
    assert current["username"] == expected, "AWSCURRENT names another user"
    assert logs_in(server, expected, current["password"]), "the new password does not log in for that user"
    assert_dba_unchanged(server)


def test_the_check_sends_no_injected_sql_to_the_admins_session(sm, server, start_rotator):
    secret = mariadb_secret(server.db.services.host, server.dedicated.port, UNION_USER, new_password(), dbname="appdb",
                            masterarn=server.admin_arn)
    arn = sm.create_secret(Name=unique("e2e/charset-union"), SecretString=json.dumps(secret))["ARN"]
    emulator = start_rotator(ROTATION_STRATEGY="admin")

    ok, report = emulator.invoke({"Check": {"SecretId": arn}})

    assert ok, describe_failure("Check", report)
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["login-current"]["ok"] is False, "the wrong password logged in"
    assert checks["login-admin"]["ok"] is True, "control: the admin did not log in"
    text = json.dumps(report)
    assert "dba:" not in text and "rotation_admin:" not in text, "the report holds a grant-table row"
    sent = queries(server)
    # No account has this name, so a host found for it is a row of the injected
    # UNION (`mariadb.sys:`, `dba:*…`), which the next statement would name.
    assert not any("SHOW CREATE USER" in line and "UNION" in line for line in sent), \
        "the injected UNION ran in the admin's session"
    assert not any("UNION SELECT" in line for line in sent), "the user name reached the server as SQL text"
    assert any("WHERE User = X'" in line for line in sent), "control: the admin's grant-table lookup was not sent"
    assert_dba_unchanged(server)


def test_a_session_with_a_hostile_password_names_no_secret_in_the_log(sm, server, start_rotator):
    """A failed setSecret too: its error names no value (the pending user does not exist)."""
    password = INJECTIONS["gbk-lead-byte-before-quote"] + secrets.token_hex(4)
    REGISTRY.add(password)
    user = unique("app")
    arn, _ = make_account(sm, server, user)
    emulator = start_rotator(ROTATION_STRATEGY="admin")
    token = start_rotation(sm, arn)
    pending = secret_dict(sm, arn) | {"password": password}
    sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending),
                        VersionStages=["AWSPENDING"])
    run_step(emulator, arn, token, "createSecret")
    server.db.execute("DROP USER %s@'127.0.0.1'", (user,))

    ok, body = emulator.invoke(event(arn, token, "setSecret"))

    assert not ok, "setSecret succeeded for a user that no longer exists"
    assert password not in json.dumps(body), "the error holds the pending password"
    emulator.close()
    assert REGISTRY.count_in([emulator.log_path]) == 0, "a registered password is in the function's log"
    assert_dba_unchanged(server)


def test_a_session_that_stays_in_another_character_set_is_refused(sm, start_rotator):
    """No real server here refuses SET NAMES utf8mb4; a scripted one that answers gbk whatever is set does."""
    forced = ScriptedMySQL("10.11.6-MariaDB", current_user="u丁x@%", forced_charset="gbk")
    try:
        secret = mariadb_secret("127.0.0.1", forced.port, "u丁x", new_password(), dbname="appdb")
        arn = sm.create_secret(Name=unique("e2e/charset-forced"), SecretString=json.dumps(secret))["ARN"]
        emulator = start_rotator(ROTATION_STRATEGY="self", REQUIRE_TLS="false")
        token = start_rotation(sm, arn)
        run_step(emulator, arn, token, "createSecret")
        pending = secret_dict(sm, arn, VersionStage="AWSPENDING")["password"]

        ok, body = emulator.invoke(event(arn, token, "setSecret"))

        assert not ok and body.get("errorType") == "UnsafeCharacterSet", describe_failure("setSecret", body)
        assert "character_set_client=gbk" in body.get("errorMessage", ""), "the message names no setting"
        sent = [query for session in forced.snapshot() for query in session.queries]
        assert sent, "control: the function sent nothing"
        assert all(query.startswith((b"SELECT @@session.character_set_client", b"SET NAMES utf8mb4"))
                   for query in sent), "a statement other than reading and setting the character set was sent"
        assert not forced.received_text([secret["password"], pending]), "a password arrived as text"
    finally:
        forced.close()
