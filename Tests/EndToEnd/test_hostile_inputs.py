"""What a writer of the rotated secret, or whoever answers for a database
host, can get out of the function (issue 18; docs/threat-model.md), end to
end through the deployment zip (unpacked and run under chroot, as Lambda
runs it), with fake servers on loopback for what no real server here does:

* a `host` that is not a DNS name or an IP literal (`;` connection
  strings, `,` host lists, `://` URLs, spaces, `@`) is refused before any
  connection: a listener on the port the secret names sees none;
* a LOCAL INFILE request gets no file, whatever the user name and the
  database say (Connector/C does not parse them);
* an AWSCURRENT rewritten to name another host gets no login answer made
  with AWSPREVIOUS's password (checked on the scramble the server received);
* a server that greets as MySQL 8.0.36 on a session that is not verified TLS
  receives no statement at all, so none with the current password;
* a `masterarn` whose region is no region makes no request anywhere (a
  listener on 127.0.0.1:443 sees nothing);
* the Check and setSecret apply the same admin TLS rule.
"""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path

import pymysql
import pytest

from harness import event, start_rotation
from harness.accounts import create_rotation_admin, drop_rotation_admin
from harness.lambda_package import AMAZON_CA_BUNDLE
from harness.preflight import by_name, check
from harness.rotation import describe_failure, refused_set_secret
from harness.scripted_mysql import ScriptedMySQL
from harness.secrets import REGISTRY, digest, mariadb_secret, new_password, secret_dict, secret_value


@pytest.fixture
def listener():
    server = ScriptedMySQL("10.11.6-MariaDB")
    yield server
    server.close()


def invoke(emulator, arn, token, step):
    ok, body = emulator.invoke(event(arn, token, step))
    return ok, body if isinstance(body, dict) else {}


# ---------------------------------------------------------------------------
# Hosts are names
# ---------------------------------------------------------------------------

HOSTILE_HOSTS = {
    "options": "127.0.0.1;ssl-verify-server-cert=0;ssl-ca=;local-infile=1",
    "option-host": "host=127.0.0.1;port={port};ssl-enforce=0;restricted-auth=mysql_clear_password",
    "host-list": "127.0.0.1:{port},127.0.0.1:{port}",
    "comma": "127.0.0.1,localhost",
    "url": "mysql://127.0.0.1:{port}/appdb",
    "trailing-space": "127.0.0.1 ",
    "inner-space": "local host",
    "tab": "127.0.0.1\t",
    "at": "app@127.0.0.1",
}


@pytest.mark.parametrize("name", list(HOSTILE_HOSTS))
def test_a_host_that_is_no_name_is_refused_before_any_connection(sm, make_account, start_packaged, lambda_root,
                                                                 listener, name):
    host = HOSTILE_HOSTS[name].format(port=listener.port)
    account = make_account(extra={"host": host, "port": listener.port}, create_user=False)
    before = digest(secret_value(sm, account.arn))
    emulator = start_packaged(lambda_root, REQUIRE_TLS="false")
    token = start_rotation(sm, account.arn)

    for step in ("createSecret", "setSecret"):
        ok, body = invoke(emulator, account.arn, token, step)
        assert not ok, f"{step} accepted a host that is no name"
        assert body.get("errorType") == "InvalidSecret", describe_failure(step, body)
        message = body.get("errorMessage", "")
        assert "'host'" in message, message
        assert host not in message, "the hostile value was echoed"

    assert listener.snapshot() == [], "a connection reached the port the hostile host names"
    assert secret_value(sm, account.arn, VersionStage="AWSPENDING") is None, "a pending value was stored"
    assert digest(secret_value(sm, account.arn)) == before, "AWSCURRENT changed"
    assert emulator.state()["pid"] is not None, "the function process died"


def test_an_admin_secrets_host_is_checked_too(sm, make_account, start_packaged, lambda_root, listener):
    admin_secret = mariadb_secret("127.0.0.1;local-infile=1", listener.port, "rotation_admin", new_password())
    admin = sm.create_secret(Name=f"e2e/hostile-admin-{listener.port}", SecretString=json.dumps(admin_secret))
    account = make_account(extra={"host": "127.0.0.1", "port": listener.port, "masterarn": admin["ARN"]},
                           create_user=False)
    emulator = start_packaged(lambda_root, REQUIRE_TLS="false", ROTATION_STRATEGY="admin")

    body = refused_set_secret(emulator, sm, account.arn, "InvalidSecret",
                              "setSecret accepted an admin secret whose host is no name")

    assert admin["ARN"] in body.get("errorMessage", "") and "'host'" in body.get("errorMessage", "")
    assert listener.snapshot() == [], "a connection was made before the admin secret's host was checked"


# ---------------------------------------------------------------------------
# No file for a LOCAL INFILE request, whatever the user and database say
# ---------------------------------------------------------------------------

FIELDS = {
    "plain": ("app_infile", "appdb"),
    "user-options": ("app;local-infile=1;ssl-verify-server-cert=0", "appdb"),
    "database-options": ("app_infile", "appdb;local-infile=1;init-command=SELECT 1"),
}


def test_control_a_client_that_allows_local_infile_sends_the_file():
    """pymysql with local_infile on sends the file: the fake captures what a lax client gives."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as canary:
        canary.write("canary-content-not-a-secret")
        canary.flush()
        server = ScriptedMySQL("10.11.6-MariaDB", infile_path=canary.name)
        try:
            connection = pymysql.connect(host="127.0.0.1", port=server.port, user="victim", password="x",
                                         local_infile=True, ssl_disabled=True)
            with pytest.raises(pymysql.err.MySQLError), connection.cursor() as cursor:
                cursor.execute("SET PASSWORD = PASSWORD('y')")
            connection.close()
            replies = b"".join(reply for session in server.snapshot() for reply in session.infile_replies)
            assert b"canary-content-not-a-secret" in replies, "the fake did not capture the file"
        finally:
            server.close()


@pytest.mark.parametrize("fields", list(FIELDS))
def test_a_local_infile_request_gets_no_file(sm, make_account, start_packaged, lambda_root, fields):
    username, dbname = FIELDS[fields]
    # A file inside the function's root: it exists there, and its content is known.
    wanted = "/var/task/bootstrap"
    content = (lambda_root / wanted.lstrip("/")).read_bytes()
    server = ScriptedMySQL("10.11.6-MariaDB", infile_path=wanted)
    try:
        account = make_account(username, extra={"host": "127.0.0.1", "port": server.port, "dbname": dbname},
                               create_user=False)
        emulator = start_packaged(lambda_root, REQUIRE_TLS="false")
        token = start_rotation(sm, account.arn)
        ok, body = invoke(emulator, account.arn, token, "createSecret")
        assert ok, describe_failure("createSecret", body)

        ok, body = invoke(emulator, account.arn, token, "setSecret")

        assert not ok, "setSecret reported success for a statement the server never ran"
        asked = [session for session in server.snapshot() if session.infile_replies]
        assert asked, "the statement never reached the fake server"
        for session in asked:
            assert session.infile_replies == [b""], "the client answered the request with data"
            assert session.username == username, "the user name was not passed through as it is"
            assert session.database == dbname, "the database was not passed through as it is"
        sent = b"".join(packet for session in server.snapshot() for packet in session.packets)
        assert content[:64] not in sent, "the requested file's content reached the server"
        assert emulator.state()["pid"] is not None, "the function process died"
    finally:
        server.close()


# ---------------------------------------------------------------------------
# A password only with its own connection fields
# ---------------------------------------------------------------------------

def test_a_rewritten_current_host_gets_no_answer_made_with_the_previous_password(sm, db, make_account,
                                                                              start_packaged, lambda_root):
    server = ScriptedMySQL("10.11.6-MariaDB", accept_logins=False)
    try:
        # The real credential, on the real server, becomes AWSPREVIOUS when
        # someone who may only write the secret stores an AWSCURRENT naming
        # their own server with a junk password.
        account = make_account()
        junk = new_password()
        rewritten = secret_dict(sm, account.arn) | {"host": "127.0.0.1", "port": server.port, "password": junk}
        sm.put_secret_value(SecretId=account.arn, SecretString=json.dumps(rewritten))
        assert secret_dict(sm, account.arn, VersionStage="AWSPREVIOUS")["password"] == account.password, \
            "the real credential is not AWSPREVIOUS"
        emulator = start_packaged(lambda_root, REQUIRE_TLS="false")
        token = start_rotation(sm, account.arn)
        ok, body = invoke(emulator, account.arn, token, "createSecret")
        assert ok, describe_failure("createSecret", body)

        ok, body = invoke(emulator, account.arn, token, "setSecret")

        assert server.received_scramble_of(junk), "control: the current login's scramble did not arrive"
        assert not server.received_scramble_of(account.password), \
            "the server received a login answer made with AWSPREVIOUS's password"
        assert not ok and body.get("errorType") == "DatabaseLoginFailed", describe_failure("setSecret", body)
        assert "AWSPREVIOUS" not in body.get("errorMessage", ""), "AWSPREVIOUS was tried"
        assert db.can_login(account.username, account.password), "the real password no longer logs in"
    finally:
        server.close()


# ---------------------------------------------------------------------------
# No current password in a statement outside verified TLS
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("ssl_key", [None, False], ids=["ssl-absent", "ssl-false"])
def test_a_mysql_8_server_without_verified_tls_gets_no_current_password(sm, make_account, start_packaged,
                                                                        lambda_root, ssl_key):
    server = ScriptedMySQL("8.0.36")
    try:
        extra = {"engine": "mysql", "host": "127.0.0.1", "port": server.port}
        if ssl_key is not None:
            extra["ssl"] = ssl_key
        account = make_account(extra=extra, create_user=False)
        before = digest(secret_value(sm, account.arn))
        emulator = start_packaged(lambda_root, REQUIRE_TLS="false")
        token = start_rotation(sm, account.arn)
        ok, body = invoke(emulator, account.arn, token, "createSecret")
        assert ok, describe_failure("createSecret", body)
        pending = secret_dict(sm, account.arn, VersionStage="AWSPENDING")["password"]

        ok, body = invoke(emulator, account.arn, token, "setSecret")

        assert not ok and body.get("errorType") == "CurrentPasswordNeedsTLS", describe_failure("setSecret", body)
        message = body.get("errorMessage", "")
        assert "TLS" in message and "admin" in message, message
        sessions = server.snapshot()
        assert any(session.logged_in for session in sessions), "control: the function never logged in"
        assert all(not session.queries for session in sessions), "a statement was sent"
        assert not server.received_text([account.password, pending]), "a password arrived as text"
        assert digest(secret_value(sm, account.arn)) == before, "AWSCURRENT changed"
    finally:
        server.close()


# ---------------------------------------------------------------------------
# Regions from the partition table only
# ---------------------------------------------------------------------------

@pytest.fixture
def https_port_listener():
    """A listener on 127.0.0.1:443, where a URL built from `x@127.0.0.1/` would go."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", 443))
    except OSError as error:
        listener.close()
        pytest.fail(f"cannot listen on 127.0.0.1:443 ({error}); the test needs root and a free port 443",
                    pytrace=False)
    listener.listen(16)
    listener.setblocking(False)
    yield listener
    listener.close()


def connections_waiting(listener: socket.socket) -> int:
    """Connections the kernel completed on the listener (its accept queue): a
    connect made during the step is there once the step has returned."""
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


BOGUS_MASTER_ARNS = {
    "userinfo-host": "arn:aws:secretsmanager:x@127.0.0.1/:123456789012:secret:admin",
    "address": "arn:aws:secretsmanager:127.0.0.1:123456789012:secret:admin",
    "path": "arn:aws:secretsmanager:us-east-1.amazonaws.com/x#:123456789012:secret:admin",
    "other-partitions-region": "arn:aws:secretsmanager:cn-north-1:123456789012:secret:admin",
}


@pytest.mark.parametrize("name", list(BOGUS_MASTER_ARNS))
def test_a_masterarn_with_a_bogus_region_makes_no_request(sm, make_account, start_packaged, lambda_root,
                                                          https_port_listener, name):
    master = BOGUS_MASTER_ARNS[name]
    account = make_account(extra={"masterarn": master})
    # A CA bundle that exists in the function's root, so that a URL built
    # from the region would really be dialled (not fail on a missing file).
    emulator = start_packaged(lambda_root, ROTATION_STRATEGY="admin", AWS_CA_BUNDLE="/" + AMAZON_CA_BUNDLE)

    body = refused_set_secret(emulator, sm, account.arn, "InvalidSecretARN",
                              "setSecret accepted a masterarn with a bogus region")

    assert connections_waiting(https_port_listener) == 0, "a request went to 127.0.0.1:443"
    assert "no request was made" in body.get("errorMessage", "")
    assert emulator.state()["pid"] is not None, "the function process died"


def test_control_the_https_port_listener_sees_a_connection(https_port_listener):
    with socket.create_connection(("127.0.0.1", 443), timeout=5):
        pass
    assert connections_waiting(https_port_listener) == 1


# ---------------------------------------------------------------------------
# The Check decides as setSecret does
# ---------------------------------------------------------------------------

def test_check_and_set_secret_agree_on_the_admin_tls_rule(sm, db, make_account, start_packaged, lambda_root):
    """Rotated secret `"ssl": true`, admin secret without `ssl`, a server that
    offers no TLS: the rule makes every login of the step verified TLS, so
    both refuse, and neither sends any login to the server."""
    server = ScriptedMySQL("10.11.6-MariaDB", current_user="rotation_admin@%")
    try:
        admin = create_rotation_admin(sm, db, ["CREATE USER ON *.*"])
        admin_secret = secret_dict(sm, admin.arn) | {"host": "127.0.0.1", "port": server.port}
        sm.put_secret_value(SecretId=admin.arn, SecretString=json.dumps(admin_secret))
        account = make_account(extra={"host": "127.0.0.1", "port": server.port, "ssl": True,
                                      "masterarn": admin.arn}, create_user=False)
        emulator = start_packaged(lambda_root, REQUIRE_TLS="false", ROTATION_STRATEGY="admin")

        report = check(emulator, account.arn)

        assert by_name(report, "admin-secret")["ok"], by_name(report, "admin-secret")["detail"]
        login_admin = by_name(report, "login-admin")
        assert not login_admin["ok"], "the Check let the admin log in where setSecret refuses"
        assert "TLS" in login_admin["detail"], login_admin["detail"]
        assert not by_name(report, "login-current")["ok"]

        token = start_rotation(sm, account.arn)
        ok, body = invoke(emulator, account.arn, token, "createSecret")
        assert ok, describe_failure("createSecret", body)
        ok, body = invoke(emulator, account.arn, token, "setSecret")
        assert not ok and body.get("errorType") == "DatabaseTLSFailed", describe_failure("setSecret", body)

        assert all(session.username is None for session in server.snapshot()), \
            "a login went to a server without TLS"
        assert REGISTRY.redact(json.dumps(report)) == json.dumps(report), "the report holds a secret value"
    finally:
        server.close()
        drop_rotation_admin(db)


def test_an_on_path_current_user_answer_names_no_account_for_the_admin(sm, db, services, make_account,
                                                                       start_packaged, lambda_root):
    """Whoever answers the rotated login's `SELECT CURRENT_USER()` (an
    impostor holding a certificate the function trusts: the proof runs only
    over verified TLS, so a path without it gets no login at all, see
    test_tls_strip.py) names `root@%`: the proved account is not the secret's
    user, so the admin changes nothing."""
    certificate = Path(services.ca).parent
    server = ScriptedMySQL("10.11.6-MariaDB", current_user="root@%",
                           tls=(str(certificate / "server.pem"), str(certificate / "server-key.pem")))
    try:
        admin = create_rotation_admin(sm, db, ["CREATE USER ON *.*"])
        admin_secret = secret_dict(sm, admin.arn) | {"host": "127.0.0.1", "port": server.port}
        sm.put_secret_value(SecretId=admin.arn, SecretString=json.dumps(admin_secret))
        account = make_account(extra={"host": "127.0.0.1", "port": server.port, "masterarn": admin.arn},
                               create_user=False)
        emulator = start_packaged(lambda_root, REQUIRE_TLS="false", ROTATION_STRATEGY="admin")
        token = start_rotation(sm, account.arn)
        ok, body = invoke(emulator, account.arn, token, "createSecret")
        assert ok, describe_failure("createSecret", body)

        ok, body = invoke(emulator, account.arn, token, "setSecret")

        assert not ok and body.get("errorType") == "AccountMismatch", describe_failure("setSecret", body)
        sent = b"".join(packet for session in server.snapshot() for packet in session.packets)
        assert b"SELECT CURRENT_USER()" in sent, "the ownership proof never reached the fake server"
        for statement in (b"ALTER USER", b"SET PASSWORD", b"SHOW CREATE USER"):
            assert statement not in sent, f"{statement.decode()} was sent after the proof failed"
        assert emulator.state()["pid"] is not None, "the function process died"
    finally:
        server.close()
        drop_rotation_admin(db)
