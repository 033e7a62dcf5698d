"""Someone on the path strips TLS from a TLS-capable server's greeting
(harness/ssl_strip.py, in front of the real MariaDB with TLS), with
`REQUIRE_TLS=false` and no `ssl` key on any secret: the case in which a
plaintext admin session once had its `ALTER USER 'app'…` rewritten to name
another account.

A session that can change an account (the admin's, the rotated account's
proof of which account the admin changes, `self` with
KEEP_PREVIOUS_PASSWORD) runs only over verified TLS: the step is refused
with DatabaseTLSFailed naming the fix, the proxy sees no login and no
statement (Connector/C refuses the greeting before it sends anything), and
the account's SHOW CREATE USER is unchanged. The Check reports the same
refusal. Plain `self` still rotates in plaintext, with the warning, which
shows the proxy does strip and relay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harness import event, start_rotation
from harness.accounts import STRATEGY_GRANTS, create_rotation_admin, drop_rotation_admin
from harness.preflight import by_name, check
from harness.rotation import describe_failure, rotate, run_step
from harness.secrets import REGISTRY, digest, secret_dict, secret_value
from harness.ssl_strip import SSLStrippingProxy

pytestmark = pytest.mark.log_formats("text", "JSON")

# What the error must name: why TLS was needed, and the fix.
FIX = ("can change an account", "whatever REQUIRE_TLS", "enable TLS on the server", "DB_CA_BUNDLE")


@pytest.fixture
def proxy(services) -> Iterator[SSLStrippingProxy]:
    with SSLStrippingProxy(services.host, services.port) as stripping:
        yield stripping


def through(proxy, services) -> dict:
    """Secret keys that send the function through the proxy: no `ssl` key anywhere."""
    return {"host": services.host, "port": proxy.port}


def admin_through(sm, db, strategy, proxy, services):
    admin = create_rotation_admin(sm, db, STRATEGY_GRANTS[strategy])
    value = secret_dict(sm, admin.arn) | through(proxy, services)
    sm.put_secret_value(SecretId=admin.arn, SecretString=json.dumps(value))
    return admin


def assert_nothing_sent(proxy, why: str) -> None:
    connections = proxy.snapshot()
    assert connections, "the function never reached the proxy"
    assert all(c.greeting_offered_tls and c.stripped for c in connections), "the proxy did not strip TLS"
    logins = [c.username for c in connections if c.username is not None]
    assert logins == [], f"{len(logins)} login(s) went through the stripped greeting ({why})"
    queries = sum(c.queries for c in connections)
    assert queries == 0, f"{queries} statement(s) went through the stripped greeting ({why})"
    assert not any(c.client_sent_anything for c in connections), f"the client answered a stripped greeting ({why})"


def assert_names_the_fix(body) -> None:
    assert body.get("errorType") == "DatabaseTLSFailed", describe_failure("the step", body)
    for expected in FIX:
        assert expected in body["errorMessage"], f"the error does not say {expected!r}: {body['errorMessage']}"


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
def test_an_admin_session_is_refused_over_a_stripped_greeting(strategy, services, sm, db, make_account,
                                                              start_rotator, proxy):
    admin = admin_through(sm, db, strategy, proxy, services)
    try:
        account = make_account(extra=through(proxy, services) | {"masterarn": admin.arn})
        before_value = digest(secret_value(sm, account.arn))
        before_user = db.auth_digest(account.username)
        # A configured limit: alternating's createSecret then needs no admin session, and setSecret is reached.
        rotator = start_rotator(ROTATION_STRATEGY=strategy, REQUIRE_TLS="false", USERNAME_CHARACTER_LIMIT="80")
        token = start_rotation(sm, account.arn)
        run_step(rotator, account.arn, token, "createSecret")

        ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

        assert not ok, f"{strategy} setSecret went ahead over a greeting stripped of TLS"
        assert_names_the_fix(body)
        assert_nothing_sent(proxy, f"{strategy} setSecret")
        assert db.auth_digest(account.username) == before_user, "SHOW CREATE USER changed"
        assert db.auth_digest(admin.username) is not None
        assert digest(secret_value(sm, account.arn)) == before_value, "AWSCURRENT changed"
        assert db.can_login(account.username, account.password)
        assert rotator.state()["pid"] is not None, "the process did not survive"
    finally:
        drop_rotation_admin(db)


def test_alternating_create_secret_asks_the_admin_only_over_verified_tls(services, sm, db, make_account,
                                                                         start_rotator, proxy):
    """Without USERNAME_CHARACTER_LIMIT, createSecret asks the admin for the server's limit."""
    admin = admin_through(sm, db, "alternating", proxy, services)
    try:
        account = make_account(extra=through(proxy, services) | {"masterarn": admin.arn})
        rotator = start_rotator(ROTATION_STRATEGY="alternating", REQUIRE_TLS="false")
        token = start_rotation(sm, account.arn)

        ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

        assert not ok, "the admin was asked for the user name limit over a stripped greeting"
        assert_names_the_fix(body)
        assert_nothing_sent(proxy, "alternating createSecret")
    finally:
        drop_rotation_admin(db)


def test_self_keeping_the_previous_password_is_refused_over_a_stripped_greeting(services, sm, db, make_account,
                                                                                start_rotator, proxy):
    account = make_account(extra=through(proxy, services))
    before_user = db.auth_digest(account.username)
    rotator = start_rotator(ROTATION_STRATEGY="self", KEEP_PREVIOUS_PASSWORD="true", REQUIRE_TLS="false")
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok, "self with KEEP_PREVIOUS_PASSWORD went ahead over a greeting stripped of TLS"
    assert_names_the_fix(body)
    assert_nothing_sent(proxy, "self + KEEP_PREVIOUS_PASSWORD setSecret")
    assert db.auth_digest(account.username) == before_user, "SHOW CREATE USER changed"
    assert db.can_login(account.username, account.password)


def test_control_plain_self_rotates_in_plaintext_with_the_warning(services, sm, db, make_account, start_rotator,
                                                                  proxy):
    """As docs/tls.md's table says (no `ssl` key, REQUIRE_TLS=false, no TLS
    on offer); it also shows the proxy strips and relays logins and statements."""
    account = make_account(extra=through(proxy, services))
    rotator = start_rotator(ROTATION_STRATEGY="self", REQUIRE_TLS="false")

    rotate(sm, rotator, account.arn)

    rotated = secret_dict(sm, account.arn)["password"]
    REGISTRY.add(rotated)
    assert rotated != account.password and db.can_login(account.username, rotated)
    connections = proxy.snapshot()
    assert all(c.stripped for c in connections), "a greeting reached the function with TLS on offer"
    assert account.username in {c.username for c in connections}, "no plaintext login went through the proxy"
    assert sum(c.queries for c in connections) > 0, "no statement went through the proxy"
    rotator.close()
    assert "not encrypted" in rotator.log_path.read_text(errors="replace"), "no plaintext warning"


@pytest.mark.parametrize("strategy, keep", [("admin", "false"), ("alternating", "false"), ("self", "true")])
def test_the_check_reports_the_refusal(strategy, keep, services, sm, db, make_account, start_rotator, proxy):
    admin = admin_through(sm, db, "alternating", proxy, services)
    try:
        account = make_account(extra=through(proxy, services) | {"masterarn": admin.arn})
        rotator = start_rotator(ROTATION_STRATEGY=strategy, KEEP_PREVIOUS_PASSWORD=keep, REQUIRE_TLS="false")

        report = check(rotator, account.arn)

        assert not report["ok"], "the Check passed a rotation that setSecret refuses"
        tls = by_name(report, "tls")
        assert not tls["ok"] and "only over verified TLS" in tls["detail"], tls
        assert any("enable TLS on the server" in advice for advice in report["advice"]), report["advice"]
        login = by_name(report, "login-current")
        assert not login["ok"] and "can change an account" in login["detail"], login
        if strategy != "self":
            login_admin = by_name(report, "login-admin")
            assert not login_admin["ok"] and "can change an account" in login_admin["detail"], login_admin
        assert_nothing_sent(proxy, f"the Check under {strategy}")
        assert REGISTRY.redact(json.dumps(report)) == json.dumps(report), "the report holds a secret value"
    finally:
        drop_rotation_admin(db)
