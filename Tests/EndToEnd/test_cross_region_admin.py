"""A masterarn in another region than the function's (admin strategy).

moto keeps one backend per region, chosen by the region a request is signed
for, so a secret created in us-west-2 is not found through us-east-1: a
function that read the admin secret from its own region would fail here.
One moto serves every region; the function reaches it for us-west-2 through
SECRETS_MANAGER_ENDPOINT_US_WEST_2 (README, Configuration), as a deployment
would point a region at its own endpoint.
"""

from __future__ import annotations

import json
import os

import boto3
import botocore.config
import pytest

from harness import event, start_rotation
from harness.accounts import ROTATION_ADMIN, create_rotation_admin, drop_rotation_admin
from harness.rotation import rotate
from harness.secrets import mariadb_secret, secret_dict, snapshot, unique

OTHER_REGION = "us-west-2"


@pytest.fixture
def sm_west(services):
    return boto3.client(
        "secretsmanager", endpoint_url=services.endpoint, region_name=OTHER_REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}))


@pytest.fixture
def west_admin(services, sm, sm_west, db):
    """rotation_admin with README's admin grants, its secret in us-west-2 only."""
    admin = create_rotation_admin(sm, db, ["CREATE USER ON *.*"])
    secret = mariadb_secret(services.host, services.port, ROTATION_ADMIN, admin.password)
    created = sm_west.create_secret(Name=unique("e2e/west-admin"), SecretString=json.dumps(secret))
    yield created["ARN"]
    drop_rotation_admin(db)


def test_an_admin_secret_in_another_region_is_read_from_that_region(
        services, sm, sm_west, db, west_admin, start_rotator, make_account):
    assert f":{OTHER_REGION}:" in west_admin
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=west_admin)  # setup: not readable through the function's region
    account = make_account(extra={"masterarn": west_admin})
    rotator = start_rotator(ROTATION_STRATEGY="admin",
                            **{"SECRETS_MANAGER_ENDPOINT_US_WEST_2": services.endpoint})

    rotate(sm, rotator, account.arn)

    assert db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert not db.can_login(account.username, account.password)


def test_an_admin_secret_in_another_partition_is_refused_by_name(sm, db, start_rotator, make_account):
    foreign = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:admin-AbCdEf"
    account = make_account(extra={"masterarn": foreign})
    rotator = start_rotator(ROTATION_STRATEGY="admin")
    token = start_rotation(sm, account.arn)
    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))
    assert ok
    before = (snapshot(sm, account.arn), db.auth_digest(account.username))

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok
    assert body["errorType"] == "SecretInOtherPartition"
    assert foreign in body["errorMessage"] and "aws-cn" in body["errorMessage"]
    assert (snapshot(sm, account.arn), db.auth_digest(account.username)) == before, "something changed"
    # The same process serves the next invocation.
    ok, body = rotator.invoke(event(account.arn, token, "testSecret"))
    assert not ok and body["errorType"] == "DatabaseLoginFailed"
    assert rotator.state()["cold_starts"] == 1
