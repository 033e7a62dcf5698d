"""Consumers told, and the managed secret's rotation window, as rendered from
template.yaml: the success topic apart from the failure alerts, the
RotationSucceeded rule and the Revoke alarm's rule matched (by moto's
EventBridge) against Secrets Manager's and CloudWatch's event shapes
(fixtures/events, README there for their provenance), the ECS redeploy's
state machine and its least-privilege roles, and the schedule's two forms.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from parliament import analyze_policy_string

from harness.eventbridge import matches
from harness.template import Rendered, load_template, stand_ins

EVENTS = Path(__file__).resolve().parent / "fixtures" / "events"
S = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
TOPIC = "arn:aws:sns:us-east-1:123456789012:dba-alerts"
NOTICES = "arn:aws:sns:us-east-1:123456789012:app-team-notices"
SERVICES = "prod/api,prod/worker"
NAMED = {"RotatedSecretArns": S + "prod/mysql/*"}
MANAGED = {"ManagedSecretName": "prod/mysql/managed", "ManagedSecretHost": "db.internal",
           "ManagedSecretUsername": "app", "ManagedSecretPasswordOnDatabase": "true"}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def aws():
    with mock_aws():
        yield {name: boto3.client(name, region_name="us-east-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for name in ("events", "sqs")}


def fixture(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def rendered(template: dict, parameters: dict) -> Rendered:
    stack = Rendered(template, parameters)
    assert stack.refusals() == [], stack.refusals()
    return stack


# ---------------------------------------------------------------------------
# Off by default, and refused where it could not work
# ---------------------------------------------------------------------------

def test_nothing_is_added_by_default(template):
    stack = rendered(template, {})
    assert "RotationSucceededRule" not in stack.resources("AWS::Events::Rule")
    assert stack.resources("AWS::StepFunctions::StateMachine") == {}
    assert "RevokeAlarm" not in stack.resources("AWS::CloudWatch::Alarm")
    assert list(stack.resources("AWS::IAM::Role")) == ["RotationFunctionRole"]


@pytest.mark.parametrize("parameters, refused", [
    ({"SuccessTopicArn": NOTICES}, "RotationSucceeded event does not name"),
    ({"RedeployEcsServices": SERVICES}, "RotationSucceeded event does not name"),
    ({**NAMED, "SuccessTopicArn": NOTICES, "MetricsNamespace": ""}, "keep MetricsNamespace set"),
    ({**NAMED, "RedeployEcsServices": "arn:aws:ecs:us-east-1:123456789012:service/prod/api"}, "RedeployEcsServices"),
    ({**NAMED, "RedeployEcsServices": "api"}, "RedeployEcsServices"),
    ({**NAMED, "SuccessNotificationEmail": "not an address"}, "SuccessNotificationEmail"),
])
def test_wiring_that_could_not_work_is_refused(template, parameters, refused):
    found = Rendered(template, parameters).refusals()
    assert any(refused in line for line in found), found


# ---------------------------------------------------------------------------
# Notices: their own topic, the rule's pattern
# ---------------------------------------------------------------------------

def test_success_notices_have_a_topic_apart_from_the_failure_alerts(template):
    stack = rendered(template, {**NAMED, "NotificationTopicArn": TOPIC, "SuccessNotificationEmail": "app@example.com"})
    topics = stack.resources("AWS::SNS::Topic")
    assert list(topics) == ["SuccessTopic"]
    assert topics["SuccessTopic"]["Subscription"] == [{"Protocol": "email", "Endpoint": "app@example.com"}]
    success = stand_ins()["SuccessTopic"]
    (target,) = stack.resources("AWS::Events::Rule")["RotationSucceededRule"]["Targets"]
    assert target["Arn"] == success
    failure_rule = stack.resources("AWS::Events::Rule")["RotationFailedRule"]
    assert [t["Arn"] for t in failure_rule["Targets"]] == [TOPIC]
    alarms = stack.resources("AWS::CloudWatch::Alarm")
    assert alarms["RevokeAlarm"]["AlarmActions"] == [success]
    assert all(success not in alarm.get("AlarmActions", []) for name, alarm in alarms.items() if name != "RevokeAlarm")
    (policy,) = stack.resources("AWS::SNS::TopicPolicy").values()
    sources = {statement["Principal"]["Service"]: statement["Condition"]["ArnEquals"]["aws:SourceArn"]
               for statement in policy["PolicyDocument"]["Statement"]}
    assert sources == {"events.amazonaws.com": stand_ins()["RotationSucceededRule.Arn"],
                       "cloudwatch.amazonaws.com": stand_ins()["RevokeAlarm.Arn"]}


def test_the_revoke_alarm_is_the_metric_contract(template):
    """The contract the function's Revoke record meets (docs/operations.md)."""
    alarm = rendered(template, {**NAMED, "SuccessTopicArn": NOTICES}).resources(
        "AWS::CloudWatch::Alarm")["RevokeAlarm"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Dimensions"]) == (
        "MySQLRotator", "Revokes", [{"Name": "Command", "Value": "Revoke"}])
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        "Sum", 1, "GreaterThanOrEqualToThreshold", 1)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [NOTICES]


SUCCESS_SCOPES = {
    "named-prefix": {**NAMED},
    "managed-only": {**MANAGED},
}
SUCCESS_EXPECTED = {
    "rotation-succeeded-this-function.json": {"named-prefix"},
    "rotation-succeeded-other-secret.json": set(),
    "rotation-failed-this-function.json": set(),
    "rotate-secret-api-call.json": set(),
    "secret-label-updated-verbatim.json": set(),
}


@pytest.mark.parametrize("scope", sorted(SUCCESS_SCOPES))
@pytest.mark.parametrize("name", sorted(SUCCESS_EXPECTED))
def test_the_success_rule_hears_successes_of_the_named_secrets_only(template, aws, scope, name):
    stack = rendered(template, {**SUCCESS_SCOPES[scope], "SuccessTopicArn": NOTICES})
    pattern = stack.resources("AWS::Events::Rule")["RotationSucceededRule"]["EventPattern"]
    assert json.loads(pattern)["detail"]["eventName"] == ["RotationSucceeded"]
    expected = scope in SUCCESS_EXPECTED[name]
    assert matches(aws, pattern, fixture(name)) == expected, f"{name} {'not ' if expected else ''}matched"


def test_the_managed_secret_is_heard_by_its_arn(template, aws):
    stack = rendered(template, {**MANAGED, "SuccessTopicArn": NOTICES})
    pattern = stack.resources("AWS::Events::Rule")["RotationSucceededRule"]["EventPattern"]
    event = fixture("rotation-succeeded-this-function.json")
    event["detail"]["additionalEventData"]["SecretId"] = stand_ins()["ManagedSecret"]
    assert matches(aws, pattern, event)


@pytest.mark.parametrize("name, expected", [
    ("revoke-alarm-to-alarm.json", True), ("revoke-alarm-to-ok.json", False), ("other-alarm-to-alarm.json", False),
])
def test_the_revoke_rule_hears_the_revoke_alarm_entering_alarm_only(template, aws, name, expected):
    stack = rendered(template, {**NAMED, "RedeployEcsServices": SERVICES})
    pattern = stack.resources("AWS::Events::Rule")["RevokeRedeployRule"]["EventPattern"]
    assert json.loads(pattern)["resources"] == [stand_ins()["RevokeAlarm.Arn"]]
    assert matches(aws, pattern, fixture(name)) == expected


# ---------------------------------------------------------------------------
# The ECS redeploy
# ---------------------------------------------------------------------------

def test_the_state_machine_forces_a_new_deployment_of_each_named_service(template):
    stack = rendered(template, {**NAMED, "RedeployEcsServices": SERVICES})
    (machine,) = stack.resources("AWS::StepFunctions::StateMachine").values()
    definition = json.loads(machine["DefinitionString"])
    services = definition["States"]["Services"]
    assert services["Result"] == ["prod/api", "prod/worker"]
    redeploy = definition["States"]["Redeploy"]
    assert redeploy["Type"] == "Map" and redeploy["ItemsPath"] == services["ResultPath"] == "$.services"
    assert redeploy["ItemSelector"]["cluster.$"].endswith(", 0)")
    assert redeploy["ItemSelector"]["service.$"].endswith(", 1)")
    task = redeploy["ItemProcessor"]["States"]["UpdateService"]
    assert task["Resource"] == "arn:aws:states:::aws-sdk:ecs:updateService"
    assert task["Parameters"] == {"Cluster.$": "$.cluster", "Service.$": "$.service", "ForceNewDeployment": True}

    rules = stack.resources("AWS::Events::Rule")
    for name in ("RotationSucceededRule", "RevokeRedeployRule"):
        (target,) = rules[name]["Targets"]
        assert (target["Arn"], target["RoleArn"]) == (
            stand_ins()["RedeployStateMachine"], stand_ins()["RedeployEventsRole.Arn"]), name


def role_statements(stack: Rendered, role: str) -> list[dict]:
    return [statement for policy in stack.resources("AWS::IAM::Role")[role]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("partition, region", [("aws", "us-east-1"), ("aws-cn", "cn-north-1")])
def test_each_role_may_do_one_thing_to_exactly_the_named_resources(template, partition, region):
    services = ",".join(f"c{i}/s{i}" for i in range(10))
    stack = Rendered(template, {**NAMED, "RedeployEcsServices": services}, partition, region)
    assert stack.refusals() == []
    (statement,) = role_statements(stack, "RedeployStateMachineRole")
    assert statement["Action"] == "ecs:UpdateService"
    assert statement["Resource"] == [f"arn:{partition}:ecs:{region}:123456789012:service/c{i}/s{i}"
                                     for i in range(10)]
    (start,) = role_statements(stack, "RedeployEventsRole")
    assert (start["Action"], start["Resource"]) == ("states:StartExecution",
                                                    stand_ins(partition, region)["RedeployStateMachine"])
    roles = stack.resources("AWS::IAM::Role")
    trusted = {name: roles[name]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
               for name in ("RedeployStateMachineRole", "RedeployEventsRole")}
    assert trusted == {"RedeployStateMachineRole": "states.amazonaws.com",
                       "RedeployEventsRole": "events.amazonaws.com"}
    for name in trusted:
        document = json.dumps({"Version": "2012-10-17", "Statement": role_statements(stack, name)})
        findings = analyze_policy_string(document).findings
        assert findings == [], (name, [finding.issue for finding in findings])


def test_one_service_is_one_arn(template):
    stack = rendered(template, {**NAMED, "RedeployEcsServices": "prod/api"})
    (statement,) = role_statements(stack, "RedeployStateMachineRole")
    assert statement["Resource"] == ["arn:aws:ecs:us-east-1:123456789012:service/prod/api"]


def test_a_failed_redeploy_is_a_failure_alert(template):
    stack = rendered(template, {**NAMED, "RedeployEcsServices": SERVICES, "NotificationEmail": "dba@example.com"})
    alarm = stack.resources("AWS::CloudWatch::Alarm")["RedeployFailedAlarm"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    assert alarm["AlarmActions"] == [stand_ins()["NotificationTopic"]]
    (policy,) = stack.resources("AWS::SNS::TopicPolicy").values()
    assert any(statement["Condition"]["ArnEquals"]["aws:SourceArn"] == stand_ins()["RedeployFailedAlarm.Arn"]
               for statement in policy["PolicyDocument"]["Statement"])


# ---------------------------------------------------------------------------
# The managed secret's rotation window
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("parameters, rules", [
    ({}, {"AutomaticallyAfterDays": 30}),
    ({"RotationDays": 7, "RotationWindowDuration": "4h"}, {"AutomaticallyAfterDays": 7, "Duration": "4h"}),
    ({"RotationScheduleExpression": "cron(0 16 ? * SAT *)", "RotationWindowDuration": "4h"},
     {"ScheduleExpression": "cron(0 16 ? * SAT *)", "Duration": "4h"}),
    ({"RotationScheduleExpression": "rate(4 hours)"}, {"ScheduleExpression": "rate(4 hours)"}),
    ({"RotationScheduleExpression": "rate(10 days)", "RotationDays": 7}, {"ScheduleExpression": "rate(10 days)"}),
])
def test_the_schedule_uses_exactly_one_form_and_an_optional_window(template, parameters, rules):
    stack = rendered(template, {**MANAGED, **parameters})
    (schedule,) = stack.resources("AWS::SecretsManager::RotationSchedule").values()
    assert schedule["RotationRules"] == rules


@pytest.mark.parametrize("name, value", [
    ("RotationScheduleExpression", "rate(2 hours)"), ("RotationScheduleExpression", "rate(1 week)"),
    ("RotationScheduleExpression", "cron(0 16 * *)"), ("RotationScheduleExpression", "every saturday"),
    ("RotationWindowDuration", "0h"), ("RotationWindowDuration", "25h"), ("RotationWindowDuration", "4 hours"),
    ("RotationWindowDuration", "240m"),
])
def test_a_malformed_schedule_or_window_is_refused(template, name, value):
    found = Rendered(template, {**MANAGED, name: value}).refusals()
    assert any(line.startswith(f"{name}:") for line in found), found
