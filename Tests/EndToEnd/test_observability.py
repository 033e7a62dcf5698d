"""Metrics, tracing and endpoints of the real binary, through the emulator.

EMF: every step writes one CloudWatch Embedded Metric Format record to
stdout (which Lambda sends to CloudWatch Logs). The records are parsed from
the log a real rotation wrote and checked against the specification's
required structure:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import re
import time
from typing import Any

from harness import STEPS, event, start_rotation
from harness.rotation import rotate
from harness.rotator import emf_records
from harness.secrets import snapshot

# The units the specification allows.
EMF_UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
NAMESPACE = re.compile(r"^[0-9A-Za-z.\-_/#: ]{1,255}$")


def spec_problems(record: dict[str, Any]) -> list[str]:
    """Everything in `record` that breaks the EMF specification's rules."""
    problems = []
    metadata = record.get("_aws")
    if not isinstance(metadata, dict):
        return ["_aws is not an object"]
    timestamp = metadata.get("Timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        problems.append("_aws.Timestamp is not a non-negative integer")
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return problems + ["_aws.CloudWatchMetrics is not a non-empty array"]
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not NAMESPACE.match(namespace):
            problems.append(f"Namespace {namespace!r} is not a valid namespace")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(dimension_sets, list):
            problems.append("Dimensions is not an array")
            dimension_sets = []
        for dimension_set in dimension_sets:
            if not isinstance(dimension_set, list) or len(dimension_set) > 30:
                problems.append("a dimension set is not an array of at most 30 names")
                continue
            for name in dimension_set:
                if not isinstance(record.get(name), str):
                    problems.append(f"dimension {name!r} has no string member at the root")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or len(metrics) > 100:
            problems.append("Metrics is not an array of at most 100 definitions")
            continue
        for metric in metrics:
            name = metric.get("Name")
            if not isinstance(name, str) or not 1 <= len(name) <= 1024:
                problems.append("a metric has no Name")
                continue
            if "Unit" in metric and metric["Unit"] not in EMF_UNITS:
                problems.append(f"metric {name} has unit {metric['Unit']!r}")
            value = record.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"metric {name} has no number at the root")
    return problems


def test_each_step_writes_one_emf_record(sm, start_rotator, make_account):
    account = make_account()
    rotator = start_rotator(METRICS_NAMESPACE="E2E/Rotation")
    before_ms = int(time.time() * 1000)
    rotate(sm, rotator, account.arn)
    after_ms = int(time.time() * 1000)

    records = emf_records(rotator.log_path)
    assert [record.get("Step") for record in records] == list(STEPS), "not one record per step, in order"
    for record in records:
        assert spec_problems(record) == [], "record breaks the EMF specification"
        directive = record["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "E2E/Rotation"
        assert directive["Dimensions"] == [["Step", "Strategy", "Outcome"]]
        assert {m["Name"] for m in directive["Metrics"]} == {
            "Duration", "SecretsManagerCalls", "DatabaseConnections", "Retries", "Failures"}
        assert before_ms <= record["_aws"]["Timestamp"] <= after_ms, "timestamp is not the step's"
        assert (record["Strategy"], record["Outcome"], record["Failures"]) == ("self", "success", 0)
        # The ARN identifies one secret: a property, never a dimension.
        assert record["SecretArn"] == account.arn
        assert "SecretArn" not in directive["Dimensions"][0]
        assert record["SecretsManagerCalls"] >= 1 and record["Retries"] == 0
    by_step = {record["Step"]: record for record in records}
    assert by_step["createSecret"]["DatabaseConnections"] == 0
    assert by_step["setSecret"]["DatabaseConnections"] >= 1
    assert by_step["testSecret"]["DatabaseConnections"] == 1
    # Only names, numbers and identifiers: no key of the secret's JSON appears.
    for record in records:
        assert not {"password", "username", "host"} & {key.lower() for key in record}


def test_a_failed_step_is_a_failure_record_and_retries_are_counted(sm, start_rotator, make_account, moto):
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator()
    moto.fault("GetSecretValue", "throttle", count=1)
    ok, _ = rotator.invoke(event(account.arn, token, "createSecret"))
    assert ok, "createSecret failed after one throttled call"
    ok, body = rotator.invoke(event(account.arn, "not-a-version-of-this-secret", "testSecret"))
    assert not ok

    created, failed = emf_records(rotator.log_path)
    assert created["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "MySQLRotator", "default namespace"
    assert created["Retries"] == 1
    assert (failed["Step"], failed["Outcome"], failed["Failures"]) == ("testSecret", "failure", 1)
    assert failed["ErrorType"] == body["errorType"] == "VersionNotFound"
    assert spec_problems(failed) == []


def test_an_unknown_step_name_is_not_a_dimension_value(start_rotator, make_account, sm):
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator()
    ok, _ = rotator.invoke(event(account.arn, token, "dropDatabase"))
    assert not ok
    (record,) = emf_records(rotator.log_path)
    assert (record["Step"], record["Outcome"]) == ("unknown", "failure")


def test_an_empty_namespace_turns_metrics_off(sm, start_rotator, make_account):
    account = make_account()
    rotator = start_rotator(METRICS_NAMESPACE="")
    rotate(sm, rotator, account.arn)
    assert emf_records(rotator.log_path) == []


def test_a_reserved_namespace_fails_the_init(sm, start_rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator(METRICS_NAMESPACE="AWS/Lambda")
    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))
    assert not ok
    assert body["errorType"] == "Configuration" and "METRICS_NAMESPACE" in body["errorMessage"]


def test_the_trace_header_reaches_secrets_manager(sm, start_rotator, make_account, moto):
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator()
    for step in STEPS:
        moto._call("/_harness/traces/reset", {})
        ok, _ = rotator.invoke(event(account.arn, token, step))
        assert ok, f"{step} failed"
        trace_id = rotator.state()["last_trace_id"]
        assert trace_id and trace_id.startswith("Root=1-")
        seen = moto._call("/_harness/traces")
        assert seen, f"{step} made no Secrets Manager call"
        assert {trace for _, trace in seen} == {trace_id}, f"{step}: a call without the invocation's trace header"


def test_sdk_endpoint_variable_wins_over_the_templates_one(sm, start_rotator, make_account, services):
    account = make_account()
    # SECRETS_MANAGER_ENDPOINT points nowhere: only AWS_ENDPOINT_URL_SECRETS_MANAGER can make this work.
    rotator = start_rotator(SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:9",
                            AWS_ENDPOINT_URL_SECRETS_MANAGER=services.endpoint, MAX_ATTEMPTS="1")
    rotate(sm, rotator, account.arn)


def test_a_region_of_no_known_partition_fails_the_init(sm, start_rotator, make_account):
    account = make_account()
    token = start_rotation(sm, account.arn)
    before = snapshot(sm, account.arn)
    rotator = start_rotator(SECRETS_MANAGER_ENDPOINT="", AWS_REGION="xx-nowhere-1", AWS_DEFAULT_REGION="xx-nowhere-1")
    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))
    assert not ok
    assert body["errorType"] == "Configuration"
    assert "xx-nowhere-1" in body["errorMessage"] and "partition" in body["errorMessage"]
    assert rotator.state()["last_init_error"]["errorType"] == "Configuration"
    assert snapshot(sm, account.arn) == before
