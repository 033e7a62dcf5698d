"""The database TLS policy, end to end: the secret's `ssl` key, REQUIRE_TLS,
and a server that offers TLS or does not.

`ssl: true` (or REQUIRE_TLS=true) must never end in a plaintext session, even
against a server that offers no TLS at all (Connector/C 3.3 would otherwise
carry on in plaintext); an absent `ssl` prefers TLS and warns when it is not
there. A refused step changes nothing in the database.
"""

from __future__ import annotations

import json

import pymysql
import pytest

from harness.replication import GeneralLogs, Server
from harness.rotation import refused_set_secret, rotate
from harness.secrets import REGISTRY, mariadb_secret, new_password, secret_dict, unique
from harness.services import run_sql

# Each test that starts the product runs with text and with JSON logs (the leak scan reads both).
pytestmark = pytest.mark.log_formats("text", "JSON")


def plain_can_login(services, user, password):
    try:
        services.connect_plain(user, password).close()
        return True
    except pymysql.err.OperationalError as error:
        if error.args and error.args[0] == 1045:
            return False
        raise


def make_plain_account(services, sm, extra):
    """A user on the server without TLS, and its secret."""
    user, password = unique("plain"), new_password()
    REGISTRY.add(password)
    with services.connect_plain_admin() as connection:
        run_sql(connection, "CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
    secret = mariadb_secret(services.host, services.plain_port, user, password)
    secret.update(extra)
    arn = sm.create_secret(Name=unique("e2e/tls"), SecretString=json.dumps(secret))["ARN"]
    return user, password, arn


def log_text(emulator):
    return emulator.log_path.read_text(errors="replace")


def test_absent_ssl_falls_back_to_plaintext_with_a_warning(services, sm, start_rotator):
    user, _, arn = make_plain_account(services, sm, {})
    rotator = start_rotator(REQUIRE_TLS="false")
    rotate(sm, rotator, arn)
    new_password = secret_dict(sm, arn)["password"]
    logs_in = plain_can_login(services, user, new_password)
    assert logs_in, "the rotated password does not log in"
    assert "not encrypted" in log_text(rotator), "no warning that the session was plaintext"


def test_absent_ssl_uses_tls_when_the_server_offers_it(services, sm, db, start_rotator, make_account):
    account = make_account(drop=["ssl"])
    rotator = start_rotator(REQUIRE_TLS="false")
    rotate(sm, rotator, account.arn)
    logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert logs_in, "the rotated password does not log in"
    assert "not encrypted" not in log_text(rotator), "warned about plaintext on a TLS server"


@pytest.mark.parametrize("ssl, require_tls", [(True, "false"), ("true", "false"), (False, "true")],
                         ids=["ssl-true", "ssl-string-true", "REQUIRE_TLS"])
def test_required_tls_never_becomes_plaintext(services, sm, start_rotator, ssl, require_tls):
    user, password, arn = make_plain_account(services, sm, {"ssl": ssl})
    rotator = start_rotator(REQUIRE_TLS=require_tls)
    body = refused_set_secret(rotator, sm, arn, "DatabaseTLSFailed",
                              "setSecret talked to a server without TLS although TLS was required")
    assert "TLS" in body["errorMessage"] and str(services.plain_port) in body["errorMessage"]
    still = plain_can_login(services, user, password)
    assert still, "the password changed although the step failed"
    assert rotator.state()["pid"] is not None


def test_a_certificate_from_another_ca_is_refused(services, sm, db, start_rotator, make_account):
    account = make_account(extra={"ssl": True})
    rotator = start_rotator(DB_CA_BUNDLE=services.wrong_ca)
    refused_set_secret(rotator, sm, account.arn, "DatabaseTLSFailed", "setSecret trusted a certificate from another CA")
    still = db.can_login(account.username, account.password)
    assert still, "the password changed although the step failed"


def test_ssl_false_rotates_over_plaintext(services, sm, db, start_rotator, make_account):
    account = make_account(extra={"ssl": False})
    rotator = start_rotator(REQUIRE_TLS="false")
    server = Server("tls", services.host, services.port)
    with GeneralLogs(services, {"tls": server}) as logs:
        rotate(sm, rotator, account.arn)
        logins = logs.logins("tls", account.username)
    logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert logs_in, "the rotated password does not log in"
    # The server's own record: the TLS server was offered TLS and the login declined it.
    assert logins and not any(login.tls for login in logins), "a login used TLS although ssl is false"
