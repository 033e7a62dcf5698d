"""What the fleet check reads from ListSecrets and ListSecretVersionIds, pinned
against the Secrets Manager API reference (SecretListEntry, RotationRulesType,
ListSecretVersionIds), so the fleet tests run on a moto that answers as the
service does (harness/moto_patches.py):

* SecretListEntry carries RotationEnabled, RotationLambdaARN, RotationRules
  (AutomaticallyAfterDays, and ScheduleExpression/Duration when given),
  CreatedDate, SecretVersionsToStages; LastRotatedDate is "the most recent date
  and time that the Secrets Manager rotation process was successfully
  completed", absent (never null) before any.
* A secret whose rotation was cancelled keeps its RotationLambdaARN with
  RotationEnabled false; a secret never attached has neither.
* MaxResults pages with NextToken; the name filter matches the name's start.
* ListSecretVersionIds dates each version by its creation.
"""

from __future__ import annotations

import json
import uuid

from harness import MotoHarness

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:moto-list"


def listed(sm, prefix, **extra):
    entries, token = [], None
    while True:
        page = sm.list_secrets(Filters=[{"Key": "name", "Values": [prefix]}],
                               **({"NextToken": token} if token else {}), **extra)
        entries += page["SecretList"]
        token = page.get("NextToken")
        if not token:
            return {entry["Name"]: entry for entry in entries}


def test_list_secrets_describes_rotation_as_the_service_does(sm):
    prefix = f"e2e/moto-list-{uuid.uuid4().hex[:8]}"
    on = sm.create_secret(Name=f"{prefix}/on", SecretString=json.dumps({"v": 1}))
    off = sm.create_secret(Name=f"{prefix}/off", SecretString=json.dumps({"v": 2}))
    plain = sm.create_secret(Name=f"{prefix}/plain", SecretString=json.dumps({"v": 3}))
    ruled = sm.create_secret(Name=f"{prefix}/ruled", SecretString=json.dumps({"v": 4}))
    sm.rotate_secret(SecretId=on["ARN"], RotationLambdaARN=LAMBDA,
                     RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
    sm.rotate_secret(SecretId=off["ARN"], RotationLambdaARN=LAMBDA,
                     RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
    sm.cancel_rotate_secret(SecretId=off["ARN"])
    sm.rotate_secret(SecretId=ruled["ARN"], RotationLambdaARN=LAMBDA,
                     RotationRules={"ScheduleExpression": "rate(10 days)", "Duration": "3h"},
                     RotateImmediately=False)

    entries = listed(sm, prefix)
    assert set(entries) == {f"{prefix}/on", f"{prefix}/off", f"{prefix}/plain", f"{prefix}/ruled"}
    entry = entries[f"{prefix}/on"]
    assert entry["ARN"] == on["ARN"]
    assert entry["RotationEnabled"] is True and entry["RotationLambdaARN"] == LAMBDA
    assert entry["RotationRules"] == {"AutomaticallyAfterDays": 7}
    assert "CreatedDate" in entry and "LastRotatedDate" not in entry
    assert entry["SecretVersionsToStages"] == {on["VersionId"]: ["AWSCURRENT"]}
    assert entries[f"{prefix}/off"]["RotationEnabled"] is False
    assert entries[f"{prefix}/off"]["RotationLambdaARN"] == LAMBDA
    assert "RotationLambdaARN" not in entries[f"{prefix}/plain"]
    assert entries[f"{prefix}/ruled"]["RotationRules"] == {"ScheduleExpression": "rate(10 days)",
                                                          "Duration": "3h"}
    # The name filter matches the start of the name: "/o" finds on and off, not plain.
    assert set(listed(sm, f"{prefix}/o")) == {f"{prefix}/on", f"{prefix}/off"}
    assert plain["Name"] not in listed(sm, f"{prefix}/o")


def test_last_rotated_date_is_set_when_a_rotation_completes(sm):
    created = sm.create_secret(Name=f"e2e/moto-list-{uuid.uuid4().hex[:8]}", SecretString="{}")
    arn = created["ARN"]
    token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=LAMBDA,
                             RotationRules={"AutomaticallyAfterDays": 7})["VersionId"]
    assert "LastRotatedDate" not in sm.describe_secret(SecretId=arn), "dated before the rotation finished"
    sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString='{"v": 2}',
                        VersionStages=["AWSPENDING"])
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                   RemoveFromVersionId=created["VersionId"])
    described = sm.describe_secret(SecretId=arn)
    assert "LastRotatedDate" in described
    entry = listed(sm, created["Name"])[created["Name"]]
    assert entry["LastRotatedDate"] == described["LastRotatedDate"]


def test_pages_and_version_dates(sm, services):
    prefix = f"e2e/moto-list-{uuid.uuid4().hex[:8]}"
    made = [sm.create_secret(Name=f"{prefix}/{index:02}", SecretString="{}") for index in range(5)]
    first = sm.list_secrets(Filters=[{"Key": "name", "Values": [prefix]}], MaxResults=2)
    assert len(first["SecretList"]) == 2 and first.get("NextToken")
    assert len(listed(sm, prefix, MaxResults=2)) == 5

    arn = made[0]["ARN"]
    before = sm.list_secret_version_ids(SecretId=arn)["Versions"][0]["CreatedDate"]
    MotoHarness(services.endpoint).backdate(arn, 86400)
    versions = sm.list_secret_version_ids(SecretId=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == [made[0]["VersionId"]]
    assert (before - versions[0]["CreatedDate"]).total_seconds() == 86400

    # A version left without labels is deprecated: listed only with IncludeDeprecated.
    second = sm.put_secret_value(SecretId=arn, SecretString='{"v": 2}')["VersionId"]
    third = sm.put_secret_value(SecretId=arn, SecretString='{"v": 3}')["VersionId"]
    labelled = {v["VersionId"] for v in sm.list_secret_version_ids(SecretId=arn)["Versions"]}
    assert labelled == {second, third}
    every = {v["VersionId"] for v in sm.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)["Versions"]}
    assert every == {made[0]["VersionId"], second, third}
