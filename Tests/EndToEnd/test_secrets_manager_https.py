"""Secrets Manager over HTTPS, as on AWS: a TLS front with its own CA
(harness/tls_front.py) in front of moto.

The function trusts the front through AWS_CA_BUNDLE, as the AWS SDKs do; a
rotation through it completes. When the certificate is not trusted, the
error tells an unknown CA from a name that does not match (curl's own
words, from its error buffer), changes nothing, and the process keeps
serving.
"""

from __future__ import annotations

import pytest

from harness import event, start_rotation
from harness.rotation import rotate
from harness.secrets import secret_dict, snapshot
from harness.tls_front import TLSFront

UNKNOWN_CA = "unable to get local issuer certificate"
NAME_MISMATCH = "no alternative certificate subject name matches"


@pytest.fixture
def front(services, tmp_path):
    with TLSFront(services.endpoint, tmp_path / "front") as started:
        yield started


@pytest.fixture
def front_for_another_name(services, tmp_path):
    with TLSFront(services.endpoint, tmp_path / "other", names=["secretsmanager.other.invalid"]) as started:
        yield started


def test_a_rotation_over_https_trusting_AWS_CA_BUNDLE(front, start_rotator, make_account, sm, db):
    account = make_account()
    rotator = start_rotator(SECRETS_MANAGER_ENDPOINT=front.url, AWS_CA_BUNDLE=str(front.ca_path))
    rotate(sm, rotator, account.arn)
    current = secret_dict(sm, account.arn, VersionStage="AWSCURRENT")
    assert current["password"] != account.password
    assert db.can_login(account.username, current["password"])
    # Twice in one process: the second rotation reuses the connection (no
    # new TLS handshake at the front, yet requests through it).
    handshakes, requests = front.counts()
    assert handshakes >= 1 and requests > handshakes, f"{handshakes} handshake(s) for {requests} request(s)"
    rotate(sm, rotator, account.arn)
    assert db.can_login(account.username, secret_dict(sm, account.arn, VersionStage="AWSCURRENT")["password"])
    handshakes_after, requests_after = front.counts()
    assert requests_after > requests, "the second rotation sent nothing through the front"
    assert handshakes_after == handshakes, \
        f"the second rotation made {handshakes_after - handshakes} new TLS connection(s) instead of reusing one"


def failure(rotator, arn: str, token: str) -> tuple[str, str]:
    ok, body = rotator.invoke(event(arn, token, "createSecret"))
    assert not ok, "createSecret succeeded over an untrusted certificate"
    return body.get("errorType"), body.get("errorMessage", "")


def test_an_unknown_ca_is_named_and_changes_nothing(front, start_rotator, make_account, sm):
    account = make_account()
    token = start_rotation(sm, account.arn)
    before = snapshot(sm, account.arn)
    rotator = start_rotator(SECRETS_MANAGER_ENDPOINT=front.url)  # the system's CAs only
    for _ in range(2):  # the same process answers the next event the same way
        error_type, message = failure(rotator, account.arn, token)
        assert error_type == "SecretsManagerTransportError"
        assert UNKNOWN_CA in message, message
        assert NAME_MISMATCH not in message
        assert f"127.0.0.1:{front.port}" in message, "the error does not name the endpoint"
    assert rotator.state()["cold_starts"] == 1
    assert snapshot(sm, account.arn) == before


def test_a_name_mismatch_is_named_and_changes_nothing(front_for_another_name, start_rotator, make_account, sm):
    front = front_for_another_name
    account = make_account()
    token = start_rotation(sm, account.arn)
    before = snapshot(sm, account.arn)
    rotator = start_rotator(SECRETS_MANAGER_ENDPOINT=front.url, AWS_CA_BUNDLE=str(front.ca_path))
    error_type, message = failure(rotator, account.arn, token)
    assert error_type == "SecretsManagerTransportError"
    assert NAME_MISMATCH in message, message
    assert UNKNOWN_CA not in message
    assert snapshot(sm, account.arn) == before
