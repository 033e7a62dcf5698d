"""No downgrade, no password in a readable form: hostile servers and a real
MariaDB whose certificate the function cannot verify.

1. Hostile look-alikes on loopback (harness/hostile.py), run against the
   deployment zip (unpacked under chroot, as Lambda runs it): no TLS and an
   auth switch to mysql_clear_password or dialog; TLS offered and then a
   broken handshake; TLS with a certificate nobody vouches for; MySQL 8
   without TLS asking for caching_sha2_password's full authentication. With
   the secret's `ssl` absent, true and false, the server must receive no
   password (current or pending), the step must fail with a clear errorType,
   and AWSCURRENT must be unchanged and still log in to the real server.
   A control shows each hostile server does capture a password from a
   client that lets it.
2. Real MariaDB with TLS and a CA the function was not given: with no `ssl`
   key the step fails with the hint and changes nothing, and the server's own
   counters show that no plaintext login arrived.
3. The admin rule, for the admin and alternating strategies.
"""

from __future__ import annotations

import json
import ssl

import pymysql
import pytest

# The deployment zip, unpacked into a Lambda-like root and run under chroot.
from harness import event, start_rotation
from harness.accounts import STRATEGY_GRANTS, create_rotation_admin, drop_rotation_admin
from harness.hostile import HostileMySQL
from harness.rotation import describe_failure, refused_set_secret, rotate
from harness.secrets import REGISTRY, digest, secret_dict, secret_value

# Each test that starts the product runs with text and with JSON logs (the leak scan reads both).
pytestmark = pytest.mark.log_formats("text", "JSON")

SSL_KEYS = {"absent": None, "true": True, "false": False}

# What each hostile server must get, by the secret's ssl key. A greeting
# without TLS is refused outright when TLS is required; otherwise the
# function logs in without TLS and refuses the password-revealing plugin.
EXPECTED = {
    ("clear_password", "absent"): "InsecureAuthentication",
    ("clear_password", "true"): "DatabaseTLSFailed",
    ("clear_password", "false"): "InsecureAuthentication",
    ("dialog", "absent"): "InsecureAuthentication",
    ("dialog", "true"): "DatabaseTLSFailed",
    ("dialog", "false"): "InsecureAuthentication",
    # TLS on offer: verified or nothing, never a plaintext retry.
    ("broken_tls", "absent"): "DatabaseTLSFailed",
    ("broken_tls", "true"): "DatabaseTLSFailed",
    ("broken_tls", "false"): "InsecureAuthentication",
    ("untrusted_tls", "absent"): "DatabaseTLSFailed",
    ("untrusted_tls", "true"): "DatabaseTLSFailed",
    ("untrusted_tls", "false"): "InsecureAuthentication",
    ("sha2_full", "absent"): "InsecureAuthentication",
    ("sha2_full", "true"): "DatabaseTLSFailed",
    ("sha2_full", "false"): "InsecureAuthentication",
}


@pytest.fixture
def hostile(request):
    server = HostileMySQL(request.param)
    yield server
    server.close()


def hostile_account(make_account, server, ssl_key):
    """A real MariaDB user, and a secret with its password that points at `server`."""
    extra = {"host": "127.0.0.1", "port": server.port}
    if ssl_key is not None:
        extra["ssl"] = ssl_key
    return make_account(extra=extra)


@pytest.mark.parametrize("hostile, ssl_name", list(EXPECTED), indirect=["hostile"],
                         ids=[f"{b}-ssl-{s}" for b, s in EXPECTED])
def test_a_hostile_server_gets_no_password(sm, db, make_account, start_packaged, lambda_root,
                                           hostile, ssl_name):
    account = hostile_account(make_account, hostile, SSL_KEYS[ssl_name])
    before = digest(secret_value(sm, account.arn))
    emulator = start_packaged(lambda_root, REQUIRE_TLS="false")
    token = start_rotation(sm, account.arn)
    ok, body = emulator.invoke(event(account.arn, token, "createSecret"))
    assert ok, describe_failure("createSecret", body)
    pending = secret_dict(sm, account.arn, VersionStage="AWSPENDING")["password"]

    ok, body = emulator.invoke(event(account.arn, token, "setSecret"))

    assert not ok, "setSecret succeeded against a hostile server"
    connections = hostile.snapshot()
    assert connections, "the function never reached the hostile server"
    leaked = hostile.received_any([account.password, pending])
    assert not leaked, "the hostile server received a password it can read"
    want = EXPECTED[(hostile.behaviour, ssl_name)]
    assert body.get("errorType") == want, describe_failure("setSecret", body)
    message = REGISTRY.redact(str(body.get("errorMessage")))
    assert f"127.0.0.1:{hostile.port}" in message, message
    if hostile.behaviour in ("broken_tls", "untrusted_tls") and ssl_name != "false":
        # One attempt, over TLS; no second connection in plaintext.
        assert len(connections) == 1, f"{len(connections)} connections: a retry followed the failed handshake"
        assert connections[0].asked_for_tls, "the function did not ask for TLS"
    if hostile.behaviour in ("clear_password", "dialog", "sha2_full") and ssl_name != "false":
        # The verified attempt met a greeting without TLS: it sent nothing,
        # not even the user name, before giving up.
        assert connections[0].packets == [], "the TLS attempt sent a login to a server without TLS"
    if want == "DatabaseTLSFailed":
        assert "DB_CA_BUNDLE" in message or "ssl" in message, message
    unchanged = digest(secret_value(sm, account.arn))
    assert unchanged == before, "AWSCURRENT changed"
    still = db.can_login(account.username, account.password)
    assert still, "AWSCURRENT's password no longer logs in to the real server"
    assert emulator.state()["pid"] is not None, "the function process died"


@pytest.mark.parametrize("hostile", ["clear_password", "dialog", "broken_tls", "untrusted_tls", "sha2_full"],
                         indirect=True)
def test_control_each_hostile_server_captures_a_password_from_a_lax_client(hostile):
    """pymysql without verification hands the password over: the captures work."""
    password = "control-password-not-a-secret"
    tls = None
    if hostile.behaviour == "untrusted_tls":
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    if hostile.behaviour == "dialog":
        # pymysql answers dialog's password question only through a handler.
        class Dialog:
            def __init__(self, connection):
                pass

            def prompt(self, echo, text):
                return password.encode()
        extra = {"auth_plugin_map": {"dialog": Dialog}}
    elif hostile.behaviour == "broken_tls":
        extra = {"ssl_disabled": True}  # a client that never asks for TLS
    else:
        extra = {}
    with pytest.raises(pymysql.err.MySQLError):
        pymysql.connect(host="127.0.0.1", port=hostile.port, user="victim", password=password,
                        ssl=tls, connect_timeout=5, **extra)
    captured = hostile.received_any([password])
    assert captured, "the hostile server did not capture the password of a lax client"


# ---------------------------------------------------------------------------
# Real MariaDB, a CA the function was not given
# ---------------------------------------------------------------------------

COUNTERS = ("Connections", "Ssl_accepts", "Ssl_finished_accepts", "Access_denied_errors")


class ServerCounters:
    """Global status read over one connection held open, so reading adds nothing."""

    def __init__(self, db):
        self.connection = db.admin()

    def read(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS WHERE Variable_name IN (%s, %s, %s, %s)", COUNTERS)
            return {name: int(value) for name, value in cursor.fetchall()}

    def close(self):
        self.connection.close()


@pytest.fixture
def counters(db):
    reader = ServerCounters(db)
    yield reader
    reader.close()


def test_an_unknown_ca_fails_with_the_hint_and_no_plaintext_login(services, sm, db, make_account,
                                                                  start_rotator, counters):
    account = make_account(drop=["ssl"])
    before_value = digest(secret_value(sm, account.arn))
    before_auth = db.auth_digest(account.username)
    rotator = start_rotator(REQUIRE_TLS="false", DB_CA_BUNDLE=services.wrong_ca)
    token = start_rotation(sm, account.arn)
    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))
    assert ok, describe_failure("createSecret", body)

    start = counters.read()
    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))
    end = counters.read()

    assert not ok, "setSecret trusted a certificate from a CA it was not given"
    assert body.get("errorType") == "DatabaseTLSFailed", describe_failure("setSecret", body)
    message = body["errorMessage"]
    for expected in (f"{services.host}:{services.port}", "does not trust", "DB_CA_BUNDLE", "--ca-bundle"):
        assert expected in message, f"the error does not say {expected!r}: {message}"
    delta = {name: end[name] - start[name] for name in COUNTERS}
    assert delta["Connections"] >= 1, "the function never reached the server"
    # Every connection asked for TLS first; a plaintext login would add a
    # connection without a TLS accept.
    assert delta["Ssl_accepts"] == delta["Connections"], f"a connection without TLS arrived: {delta}"
    assert delta["Ssl_finished_accepts"] == 0, f"a TLS session was completed: {delta}"
    assert delta["Access_denied_errors"] == 0, f"a login reached authentication: {delta}"
    assert digest(secret_value(sm, account.arn)) == before_value, "AWSCURRENT changed"
    assert db.auth_digest(account.username) == before_auth, "the password changed on the server"
    assert db.can_login(account.username, account.password)


def test_a_certificate_for_another_name_fails_with_the_hint(services, sm, db, make_account, start_rotator):
    """127.1 reaches the server, but its certificate names 127.0.0.1 and localhost only."""
    account = make_account(drop=["ssl"], extra={"host": "127.1"})
    rotator = start_rotator(REQUIRE_TLS="false")
    body = refused_set_secret(rotator, sm, account.arn, "DatabaseTLSFailed",
                              "setSecret accepted a certificate for another name")
    assert "does not name '127.1'" in body["errorMessage"], body["errorMessage"]
    assert db.can_login(account.username, account.password)


# ---------------------------------------------------------------------------
# The admin rule, admin and alternating strategies
# ---------------------------------------------------------------------------



@pytest.fixture(params=["admin", "alternating"])
def strategy_admin(request, sm, db):
    created = create_rotation_admin(sm, db, STRATEGY_GRANTS[request.param])
    yield request.param, created
    drop_rotation_admin(db)


def set_admin_ssl(sm, admin, ssl_key, require_ssl, db):
    value = secret_dict(sm, admin.arn)
    value["ssl"] = ssl_key
    sm.put_secret_value(SecretId=admin.arn, SecretString=json.dumps(value))
    if require_ssl:
        # The server refuses this account any login without TLS: a plaintext
        # admin session shows up as a refused admin login.
        db.execute("ALTER USER %s@'127.0.0.1' REQUIRE SSL", (admin.username,))


def test_ssl_true_on_the_rotated_secret_protects_the_admin_login(strategy_admin, sm, db, make_account,
                                                                 start_rotator):
    strategy, admin = strategy_admin
    set_admin_ssl(sm, admin, False, True, db)
    account = make_account(extra={"ssl": True, "masterarn": admin.arn})
    rotator = start_rotator(ROTATION_STRATEGY=strategy, REQUIRE_TLS="false")
    rotate(sm, rotator, account.arn)
    current = secret_dict(sm, account.arn)
    assert db.can_login(current["username"], current["password"]), "the rotated password does not log in"


def assert_set_secret_reaches_a_tls_only_account(strategy, admin, sm, db, make_account, start_rotator):
    """An account whose secret says `ssl: false` but which the server lets in
    only over TLS: createSecret and setSecret pass and the pending password logs in."""
    account = make_account(extra={"ssl": False, "masterarn": admin.arn})
    db.execute("ALTER USER %s@'127.0.0.1' REQUIRE SSL", (account.username,))
    rotator = start_rotator(ROTATION_STRATEGY=strategy, REQUIRE_TLS="false")
    token = start_rotation(sm, account.arn)
    for step in ("createSecret", "setSecret"):
        ok, body = rotator.invoke(event(account.arn, token, step))
        assert ok, describe_failure(step, body)
    pending = secret_dict(sm, account.arn, VersionStage="AWSPENDING")
    assert db.can_login(pending["username"], pending["password"]), "the pending password was not set"


def test_ssl_false_on_both_secrets_still_protects_the_admin_and_the_rotated_logins(
        strategy_admin, sm, db, make_account, start_rotator):
    """Both secrets say false, REQUIRE_TLS=false: the admin's session and the
    rotated account's logins still use verified TLS (a session that can
    change an account runs over nothing else), which REQUIRE SSL on both
    accounts proves: a plaintext login of either would be refused.
    (testSecret uses no admin, so it follows the secret's own `false`.)"""
    strategy, admin = strategy_admin
    set_admin_ssl(sm, admin, False, True, db)
    assert_set_secret_reaches_a_tls_only_account(strategy, admin, sm, db, make_account, start_rotator)


def test_ssl_true_on_the_admin_secret_protects_the_rotated_logins(strategy_admin, sm, db, make_account,
                                                                  start_rotator):
    strategy, admin = strategy_admin
    set_admin_ssl(sm, admin, True, False, db)
    assert_set_secret_reaches_a_tls_only_account(strategy, admin, sm, db, make_account, start_rotator)
