"""The patched moto (harness/moto_server.py) behaves like Secrets Manager where
a rotation function can tell the difference. Pinned here so a moto upgrade
that changes what we patch fails loudly instead of skewing the product tests.
"""

from __future__ import annotations

import json
import uuid

import boto3
import botocore.config
import botocore.exceptions
import pytest

from harness import ROTATION_LAMBDA_ARN, MotoHarness, start_rotation
from harness.secrets import stages


def error_code(call, **kwargs) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"]


@pytest.fixture
def plain_secret(sm):
    name = f"e2e/moto-{uuid.uuid4().hex[:10]}"
    return sm.create_secret(Name=name, SecretString=json.dumps({"v": "one"}))


def test_rotate_secret_only_stages_a_value_less_pending_version(sm, plain_secret):
    arn, first = plain_secret["ARN"], plain_secret["VersionId"]

    token = start_rotation(sm, arn)

    described = sm.describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == ROTATION_LAMBDA_ARN
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert stages(sm, arn) == {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert error_code(sm.get_secret_value, SecretId=arn, VersionId=token,
                      VersionStage="AWSPENDING") == "ResourceNotFoundException"
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]) == {"v": "one"}


def test_a_second_rotation_is_refused_while_one_is_unfinished(sm, plain_secret):
    arn = plain_secret["ARN"]
    token = start_rotation(sm, arn)

    assert error_code(sm.rotate_secret, SecretId=arn, ClientRequestToken=str(uuid.uuid4()),
                      RotationLambdaARN=ROTATION_LAMBDA_ARN) == "InvalidRequestException"
    # Retrying the same rotation is idempotent.
    assert sm.rotate_secret(SecretId=arn, ClientRequestToken=token)["VersionId"] == token


def test_the_pending_stub_is_filled_once_and_then_immutable(sm, plain_secret):
    arn = plain_secret["ARN"]
    token = start_rotation(sm, arn)
    value = json.dumps({"v": "two"})

    sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value,
                        VersionStages=["AWSPENDING"], RotationToken=str(uuid.uuid4()))
    sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value,
                        VersionStages=["AWSPENDING"])  # same value: idempotent

    assert error_code(sm.put_secret_value, SecretId=arn, ClientRequestToken=token,
                      SecretString=json.dumps({"v": "other"}),
                      VersionStages=["AWSPENDING"]) == "ResourceExistsException"
    pending = sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    assert pending["SecretString"] == value


def rotate_by_hand(sm, arn: str, value: dict, *, previous: str) -> str:
    """RotateSecret, a pending value, and AWSCURRENT moved to it from `previous`, as finishSecret does."""
    token = start_rotation(sm, arn)
    sm.put_secret_value(SecretId=arn, ClientRequestToken=token,
                        SecretString=json.dumps(value), VersionStages=["AWSPENDING"])
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                   MoveToVersionId=token, RemoveFromVersionId=previous)
    return token


def test_moving_awscurrent_leaves_awsprevious_and_moves_the_default(sm, plain_secret):
    arn, first = plain_secret["ARN"], plain_secret["VersionId"]
    token = rotate_by_hand(sm, arn, {"v": "two"}, previous=first)

    assert stages(sm, arn) == {first: ["AWSPREVIOUS"], token: ["AWSCURRENT", "AWSPENDING"]}
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]) == {"v": "two"}

    # The next rotation takes AWSPENDING over; versions left without labels drop out.
    second = rotate_by_hand(sm, arn, {"v": "three"}, previous=token)
    assert stages(sm, arn) == {token: ["AWSPREVIOUS"], second: ["AWSCURRENT", "AWSPENDING"]}


def test_get_random_password(sm):
    password = sm.get_random_password(PasswordLength=32, ExcludeCharacters=":/@\"'\\")["RandomPassword"]
    length = len(password)
    excluded = [c for c in ":/@\"'\\" if c in password]
    assert length == 32
    assert not excluded


def test_call_counts_and_injected_faults(services):
    client = boto3.client(
        "secretsmanager", endpoint_url=services.endpoint,
        # One attempt: the injected faults must reach the caller.
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}))
    # The client itself, not the `moto` fixture: these faults are not the
    # reliability suite's, so they stay out of its report.
    harness = MotoHarness(services.endpoint)
    harness.reset_calls()
    harness.reset()

    harness.fault("GetRandomPassword", "throttle")
    assert error_code(client.get_random_password) == "ThrottlingException"
    harness.fault("*", "5xx")
    assert error_code(client.get_random_password) == "InternalServiceError"
    harness.fault("*", "drop")
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.ConnectionError)):
        client.get_random_password()
    client.get_random_password()  # faults used up

    assert harness.calls() == {"GetRandomPassword": 4}
    assert harness.reset() == 3, "the harness did not count the faults it injected"
    harness.reset_calls()
    assert harness.calls() == {}
