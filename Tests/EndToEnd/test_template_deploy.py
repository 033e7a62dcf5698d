"""template.yaml as a deploy would meet it: parameters CloudFormation refuses
before creating anything (AllowedPattern, Rules), the failure rule's event
pattern against Secrets Manager's event shapes (fixtures/events, matched by
moto's EventBridge TestEventPattern), the notification's content and
delivery guarantees, the first deploy's schedule, the role's policy per
strategy checked by parliament (an IAM linter) and across partitions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from parliament import analyze_policy_string

from harness.eventbridge import matches
from harness.template import Rendered, load_template, stand_ins

EVENTS = Path(__file__).resolve().parent / "fixtures" / "events"
S = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
ADMIN = S + "rds!db-0a1b2c3d-AbCdEf"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = "arn:aws:sns:us-east-1:123456789012:dba-alerts"


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------
# Parameters CloudFormation refuses
# ---------------------------------------------------------------------------

MANAGED = {"ManagedSecretName": "prod/mysql/managed", "ManagedSecretHost": "db.internal",
           "ManagedSecretUsername": "app"}

ACCEPTED = [
    pytest.param({}, id="defaults"),
    pytest.param({"RotatedSecretArns": S + "prod/mysql/*"}, id="self-named-prefix"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": ADMIN, "RotatedSecretArns": S + "prod/mysql/*"},
                 id="admin-named"),
    pytest.param({"RotationStrategy": "alternating", "AdminSecretArns": ADMIN,
                  "AllowAnySecretNamingThisFunction": "true"}, id="alternating-any-knowingly"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": ADMIN, **MANAGED,
                  "ManagedSecretMasterArn": ADMIN}, id="admin-managed-only"),
    pytest.param({"VpcSubnetIds": "subnet-0a,subnet-0b", "VpcSecurityGroupIds": "sg-0a"}, id="vpc"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": ADMIN, "RotatedSecretArns": S + "prod/mysql/*",
                  "KeepPreviousPassword": "true"}, id="admin-keep-previous"),
    pytest.param({**MANAGED, "ManagedSecretPasswordOnDatabase": "true"}, id="managed-scheduled"),
    pytest.param({"KmsKeyArn": KEY, "Layers": "arn:aws:lambda:us-east-1:123456789012:layer:rds-ca:3"}, id="key-layer"),
    pytest.param({"KmsKeyArn": "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"},
                 id="china-multi-region-key"),
]

REFUSED = [
    pytest.param({"RotatedSecretArns": "*"}, "RotatedSecretArns", id="star"),
    pytest.param({"RotatedSecretArns": S + "*"}, "RotatedSecretArns", id="every-secret-of-the-account"),
    pytest.param({"RotatedSecretArns": "arn:aws:secretsmanager:*:*:secret:prod/*"}, "RotatedSecretArns",
                 id="any-region-and-account"),
    pytest.param({"RotatedSecretArns": S + "prod/mysql/*," + S + "*"}, "RotatedSecretArns", id="star-in-a-list"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": S + "*",
                  "RotatedSecretArns": S + "prod/*"}, "AdminSecretArns", id="admin-secrets-star"),
    pytest.param({"KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/secrets"}, "KmsKeyArn", id="alias-arn"),
    pytest.param({"AdminKmsKeyArn": "alias/aws/secretsmanager"}, "AdminKmsKeyArn", id="alias-name"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": ADMIN}, "AdminStrategiesNameTheRotatedSecrets",
                 id="admin-without-named-secrets"),
    pytest.param({"RotationStrategy": "alternating"}, "AdminStrategiesNameTheAdminSecrets", id="no-admin-secret"),
    pytest.param({"VpcSubnetIds": "subnet-0a"}, "SubnetsAndSecurityGroupsTogether", id="subnets-only"),
    pytest.param({"VpcSecurityGroupIds": "sg-0a"}, "SubnetsAndSecurityGroupsTogether", id="security-groups-only"),
    pytest.param({"ManagedSecretName": "x", "ManagedSecretUsername": "app"}, "ManagedSecretNamesItsLogin",
                 id="managed-without-host"),
    pytest.param({"ManagedSecretName": "x", "ManagedSecretHost": "db"}, "ManagedSecretNamesItsLogin",
                 id="managed-without-user"),
    pytest.param({"RotationStrategy": "admin", "AdminSecretArns": ADMIN, **MANAGED},
                 "ManagedSecretOfAnAdminStrategyNamesItsAdmin", id="managed-admin-without-masterarn"),
    pytest.param({"ManagedSecretPasswordOnDatabase": "true"}, "ScheduleNeedsAManagedSecret",
                 id="schedule-without-secret"),
    pytest.param({"FunctionTimeout": "901"}, "FunctionTimeout", id="timeout-over-lambdas-limit"),
    pytest.param({"RotationStrategy": "alternating", "AdminSecretArns": ADMIN, "RotatedSecretArns": S + "prod/*",
                  "KeepPreviousPassword": "true"}, "KeepPreviousPasswordIsForOneUser", id="keep-previous-alternating"),
    pytest.param({"Layers": "arn:aws:lambda:us-east-1:123456789012:layer:rds-ca"}, "Layers",
                 id="layer-without-version"),
]


@pytest.mark.parametrize("parameters", ACCEPTED)
def test_good_parameters_pass_every_constraint_and_rule(template, parameters):
    assert Rendered(template, parameters).refusals() == []


@pytest.mark.parametrize("parameters,named", REFUSED)
def test_broken_parameters_are_refused_before_anything_is_created(template, parameters, named):
    refusals = Rendered(template, parameters).refusals()
    assert refusals, f"CloudFormation would accept {parameters}"
    assert any(named in refusal for refusal in refusals), refusals


# ---------------------------------------------------------------------------
# The failure rule
# ---------------------------------------------------------------------------

def fixture(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture(scope="module")
def aws():
    with mock_aws():
        yield {name: boto3.client(name, region_name="us-east-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for name in ("events", "sqs")}


def rule(template: dict, parameters: dict) -> dict:
    rendered = Rendered(template, {"NotificationTopicArn": TOPIC, **parameters})
    assert rendered.refusals() == []
    return rendered.resources("AWS::Events::Rule")["RotationFailedRule"]


SCOPES = {
    "by-function": {},
    "named-prefix": {"RotatedSecretArns": S + "prod/mysql/*"},
    "admin-managed": {"RotationStrategy": "admin", "AdminSecretArns": ADMIN, **MANAGED,
                      "ManagedSecretMasterArn": ADMIN},
}
EXPECTED = {
    # fixture: scopes it must match (every other scope must not)
    "rotation-failed-this-function.json": {"by-function", "named-prefix", "admin-managed"},
    "test-rotation-failed-this-function.json": {"by-function", "named-prefix", "admin-managed"},
    "rotation-abandoned-named-secret.json": {"named-prefix"},
    # No function in the message: heard through the secret the stack names.
    "rotation-failed-not-invoked-named-secret.json": {"named-prefix"},
    "rotation-failed-other-function.json": set(),
    "secret-label-updated-verbatim.json": set(),
    "rotation-succeeded-this-function.json": set(),
    "rotate-secret-api-call.json": set(),
}


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_failure_rule_hears_this_function_and_its_secrets_only(template, aws, scope, name):
    pattern = rule(template, SCOPES[scope])["EventPattern"]
    json.loads(pattern)  # CloudFormation needs valid JSON
    expected = scope in EXPECTED[name]
    assert matches(aws, pattern, fixture(name)) == expected, \
        f"{name} {'not ' if expected else ''}matched with {scope}"


def test_the_pattern_names_the_three_failure_events_and_the_functions_arn(template):
    pattern = json.loads(rule(template, {})["EventPattern"])
    assert sorted(pattern["detail"]["eventName"]) == ["RotationAbandoned", "RotationFailed", "TestRotationFailed"]
    assert pattern["detail"]["$or"] == [
        {"errorMessage": [{"wildcard": "*" + stand_ins()["RotationFunction.Arn"] + "*"}]}]


def test_the_notification_carries_the_step_and_message_and_survives_a_refusing_topic(template):
    properties = rule(template, {})
    (target,) = properties["Targets"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"]["event"] == "$.detail.eventName"
    assert transformer["InputPathsMap"]["secret"] == "$.detail.additionalEventData.SecretId"
    # EventBridge puts each value in as JSON (aws.events.event.json: the whole
    # event); with a message holding quotes the result must still be one
    # JSON object that carries the failing step and the message.
    event = fixture("rotation-failed-this-function.json")
    event["detail"]["errorMessage"] = 'step "setSecret": ' + event["detail"]["errorMessage"]
    values = {"event": event["detail"]["eventName"], "secret": event["detail"]["additionalEventData"]["SecretId"],
              "region": event["region"], "time": event["time"], "aws.events.event.json": event}
    text = re.sub(r"<([\w.]+)>", lambda match: json.dumps(values[match.group(1)]), transformer["InputTemplate"])
    message = json.loads(text)
    assert message["cloudtrail"]["detail"]["errorMessage"] == event["detail"]["errorMessage"]
    assert "setSecret" in message["cloudtrail"]["detail"]["errorMessage"]
    assert message["event"] == "RotationFailed"
    assert stand_ins()["RotationFunctionLogGroup"] in message["alert"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert target["DeadLetterConfig"]["Arn"] == stand_ins()["NotificationDeadLetterQueue.Arn"]

    rendered = Rendered(template, {"NotificationTopicArn": TOPIC})
    (queue_policy,) = rendered.resources("AWS::SQS::QueuePolicy").values()
    (statement,) = queue_policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == stand_ins()["RotationFailedRule.Arn"]
    alarms = rendered.resources("AWS::CloudWatch::Alarm")
    assert alarms["NotificationDeadLetterAlarm"]["AlarmActions"] == [TOPIC]


def test_no_rule_without_somewhere_to_send_it(template):
    rendered = Rendered(template, {})
    # The fleet check's schedule invokes the function itself; no alert rule is left without a topic.
    alert_rules = {name: rule for name, rule in rendered.resources("AWS::Events::Rule").items()
                   if "EventPattern" in rule}
    assert alert_rules == {}
    assert rendered.resources("AWS::SQS::Queue") == {}


# ---------------------------------------------------------------------------
# The first deploy
# ---------------------------------------------------------------------------

def test_the_first_deploy_of_a_managed_secret_sets_no_schedule(template):
    """A schedule makes Secrets Manager run testSecret at once, which fails by
    design while the generated password is not on the database yet."""
    first = Rendered(template, MANAGED)
    assert first.refusals() == []
    assert "ManagedSecret" in first.resources("AWS::SecretsManager::Secret")
    assert first.resources("AWS::SecretsManager::RotationSchedule") == {}

    later = Rendered(template, {**MANAGED, "ManagedSecretPasswordOnDatabase": "true"})
    (schedule,) = later.resources("AWS::SecretsManager::RotationSchedule").values()
    assert schedule["RotationLambdaARN"] == stand_ins()["RotationFunction.Arn"]
    assert schedule["RotationRules"] == {"AutomaticallyAfterDays": 30}


# ---------------------------------------------------------------------------
# The function's settings
# ---------------------------------------------------------------------------

def test_the_timeout_covers_the_replica_wait_and_layers_are_optional(template):
    function = template["Resources"]["RotationFunction"]["Properties"]
    assert function["Timeout"] == {"Ref": "FunctionTimeout"}
    assert int(template["Parameters"]["FunctionTimeout"]["Default"]) >= 60 + 15
    plain = Rendered(template, {}).resources("AWS::Serverless::Function")["RotationFunction"]
    assert "Layers" not in plain
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:rds-ca:3"
    layered = Rendered(template, {"Layers": layer}).resources("AWS::Serverless::Function")["RotationFunction"]
    assert layered["Layers"] == [layer]


def test_both_os_only_runtimes_stay_selectable(template):
    runtime = template["Parameters"]["Runtime"]
    assert runtime["Default"] == "provided.al2023"
    assert sorted(runtime["AllowedValues"]) == ["provided.al2", "provided.al2023"]


# ---------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------

STRATEGIES = {
    "self": {},
    "self-named": {"RotatedSecretArns": S + "prod/mysql/*"},
    "admin": {"RotationStrategy": "admin", "AdminSecretArns": ADMIN, "RotatedSecretArns": S + "prod/mysql/*"},
    "alternating": {"RotationStrategy": "alternating", "AdminSecretArns": ADMIN, **MANAGED,
                    "ManagedSecretMasterArn": ADMIN},
    "alternating-any": {"RotationStrategy": "alternating", "AdminSecretArns": ADMIN,
                        "AllowAnySecretNamingThisFunction": "true"},
}
EVERYTHING = {"KmsKeyArn": KEY, "AdminKmsKeyArn": KEY, "PasswordSource": "service", "VpcSubnetIds": "subnet-0a",
              "VpcSecurityGroupIds": "sg-0a", "Tracing": "Active", "NotificationTopicArn": TOPIC}
# Lambda manages a VPC function's network interfaces with these, on "*" as in
# AWSLambdaVPCAccessExecutionRole: the subnets may belong to another account
# (a shared VPC), so no ARN of this account would do.
RESOURCE_STAR_ALLOWED = {"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
                         "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"}


@pytest.mark.parametrize("extra", [{}, EVERYTHING], ids=["plain", "everything"])
@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_parliament_finds_nothing_in_the_role(template, strategy, extra):
    rendered = Rendered(template, {**STRATEGIES[strategy], **extra})
    assert rendered.refusals() == []
    documents = rendered.policy_documents()
    assert documents
    for document in documents:
        policy = analyze_policy_string(json.dumps(document), include_community_auditors=True)
        findings = []
        for finding in policy.findings:
            if finding.issue == "RESOURCE_STAR" and set(finding.detail) <= RESOURCE_STAR_ALLOWED:
                continue
            findings.append((finding.issue, finding.detail))
        assert findings == [], f"{strategy}: parliament: {findings}"


def test_logs_go_only_to_the_stacks_log_group(template):
    rendered = Rendered(template, EVERYTHING | STRATEGIES["admin"])
    (role,) = rendered.resources("AWS::IAM::Role").values()
    managed = role.get("ManagedPolicyArns", [])
    assert not any("AWSLambdaBasicExecutionRole" in arn or "AWSLambdaVPCAccessExecutionRole" in arn
                   for arn in managed), managed
    logging = [s for s in rendered.statements() if any(a.startswith("logs:") for a in as_list(s["Action"]))]
    assert len(logging) == 1
    assert sorted(as_list(logging[0]["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert as_list(logging[0]["Resource"]) == [stand_ins()["RotationFunctionLogGroup.Arn"]]


def arns_and_suffixes(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in arns_and_suffixes(value)]
    if isinstance(node, list):
        return [text for value in node for text in arns_and_suffixes(value)]
    return [node] if isinstance(node, str) and (node.startswith("arn:") or "amazonaws" in node) else []


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_arn_and_service_name_follows_the_partition(template, strategy):
    parameters = {**STRATEGIES[strategy], "PasswordSource": "service", "Tracing": "Active",
                  "KmsKeyArn": KEY.replace("arn:aws:", "arn:aws-cn:"),
                  "AdminKmsKeyArn": KEY.replace("arn:aws:", "arn:aws-cn:")}
    for key in ("RotatedSecretArns", "AdminSecretArns", "ManagedSecretMasterArn"):
        if key in parameters:
            parameters[key] = parameters[key].replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1")
    rendered = Rendered(template, parameters, partition="aws-cn", region="cn-north-1")
    (role,) = rendered.resources("AWS::IAM::Role").values()
    texts = arns_and_suffixes(rendered.statements()) + role.get("ManagedPolicyArns", [])
    assert texts
    wrong = [text for text in texts if text.startswith("arn:") and not text.startswith("arn:aws-cn:")]
    assert wrong == [], f"ARNs outside the partition: {wrong}"
    suffixes = [text for text in texts if "amazonaws" in text and not text.startswith("arn:")]
    # kms:ViaService: China's endpoint form, and beside it the commercial form, since AWS's pages
    # do not say which China uses (docs/deploy.md, IAM); both name Secrets Manager in that region.
    assert all(re.fullmatch(r"secretsmanager\.(cn-north-1|\*)\.amazonaws\.com\.cn", text)
               or f"{text}.cn" in suffixes for text in suffixes), suffixes
    assert any(text.endswith(".amazonaws.com.cn") for text in suffixes), suffixes
    if parameters.get("AdminKmsKeyArn") and strategy not in ("self", "self-named"):
        assert "secretsmanager.*.amazonaws.com.cn" in suffixes
