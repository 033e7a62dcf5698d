"""The template's IAM, rendered for each strategy and each way of naming the
rotated secrets: no secretsmanager write action on a wildcard resource
without the AllowRotationLambdaArn condition naming this function, admin
secrets read-only, KMS keys bound to Secrets Manager and the secrets' ARNs,
RDS read access only with an admin strategy.

The template is read with cfn-lint's own YAML decoder and its conditions and
intrinsic functions are evaluated here, as CloudFormation would for the
given parameters.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from harness.template import Rendered, load_template, stand_ins

FUNCTION_ARN = stand_ins()["RotationFunction.Arn"]
MANAGED_SECRET = stand_ins()["ManagedSecret"]
READ_ONLY_PREFIXES = ("secretsmanager:Describe", "secretsmanager:Get", "secretsmanager:List",
                      "secretsmanager:BatchGet")


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


CASES = list(itertools.product(
    ["self", "admin", "alternating"],
    ["", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/mysql/*"],
    ["", "prod/mysql/managed"],
    [False, True],
))


@pytest.mark.parametrize("strategy,rotated,managed,keys", CASES)
def test_rendered_iam_is_least_privilege(template, strategy, rotated, managed, keys):
    admin = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b" if strategy != "self" else ""
    parameters = {"RotationStrategy": strategy, "RotatedSecretArns": rotated, "AdminSecretArns": admin,
                  "ManagedSecretName": managed, "PasswordSource": "service"}
    if managed:
        parameters.update(ManagedSecretHost="db.internal", ManagedSecretUsername="app")
        if strategy != "self":
            parameters["ManagedSecretMasterArn"] = admin
    # Naming no secret under an admin strategy is refused by a Rule unless
    # chosen knowingly (test_template_deploy.py); here it is chosen.
    allows_any = strategy == "self" and not rotated
    if strategy != "self" and not rotated and not managed:
        parameters["AllowAnySecretNamingThisFunction"] = "true"
        allows_any = True
    if keys:
        parameters["KmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        parameters["AdminKmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    rendered = Rendered(template, parameters)
    assert rendered.refusals() == []
    statements = rendered.statements()
    assert statements, "no IAM statement rendered"

    for statement in statements:
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        writes = [a for a in actions if a.startswith("secretsmanager:") and not a.startswith(READ_ONLY_PREFIXES)]
        # "*", or every secret of the account: only under the condition. A
        # narrower pattern the user names (prod/mysql/*) is the explicit option.
        if writes and any(resource == "*" or resource.endswith(":secret:*") for resource in resources):
            # The function's ARN, unqualified or qualified (an alias or version), and nothing wider.
            condition = statement.get("Condition", {}).get("ArnLike", {})
            assert condition.get("secretsmanager:resource/AllowRotationLambdaArn") == [
                FUNCTION_ARN, f"{FUNCTION_ARN}:*"], \
                f"{statement.get('Sid')}: {writes} on {resources} without the AllowRotationLambdaArn condition"
        if writes:
            assert admin not in resources, f"{statement.get('Sid')}: writes the admin secret"
        if any(a.startswith("kms:") for a in actions):
            condition = statement.get("Condition", {})
            merged = {**condition.get("StringEquals", {}), **condition.get("StringLike", {})}
            assert "kms:ViaService" in merged and "kms:EncryptionContext:SecretARN" in merged, \
                f"{statement.get('Sid')}: a KMS key not bound to Secrets Manager and the secrets' ARNs"
            assert "*" not in resources, f"{statement.get('Sid')}: KMS on every key"

    rotating = [s for s in statements if "secretsmanager:PutSecretValue" in as_list(s["Action"])]
    named = [s for s in rotating if "Condition" not in s]
    by_function = [s for s in rotating if "Condition" in s]
    assert len(by_function) == (1 if allows_any else 0), "AllowRotationLambdaArn statement"
    if rotated or managed:
        assert len(named) == 1, "expected exactly one statement that rotates the named secrets"
        expected = ([rotated] if rotated else []) + ([MANAGED_SECRET] if managed else [])
        assert as_list(named[0]["Resource"]) == expected
    else:
        assert named == []

    admin_statements = [s for s in statements if admin and admin in as_list(s["Resource"])]
    if strategy == "self":
        assert not admin_statements
    else:
        assert len(admin_statements) == 1
        assert sorted(as_list(admin_statements[0]["Action"])) == [
            "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "admin secrets are not read-only"

    rds_actions = sorted(a for s in statements for a in as_list(s["Action"]) if a.startswith("rds:"))
    expected_rds = [] if strategy == "self" else ["rds:DescribeDBClusters", "rds:DescribeDBInstances"]
    assert rds_actions == expected_rds, f"RDS actions for {strategy}: {rds_actions}"

    kms_resources = {r for s in statements if any(a.startswith("kms:") for a in as_list(s["Action"]))
                     for r in as_list(s["Resource"])}
    expected_keys = set()
    if keys:
        expected_keys.add(parameters["KmsKeyArn"])
        if strategy != "self":
            expected_keys.add(parameters["AdminKmsKeyArn"])
    assert kms_resources == expected_keys


def test_a_star_in_the_rotated_secret_list_is_refused_by_a_rule(template):
    rule = template["Rules"]["RotatedSecretsAreNamed"]["Assertions"][0]["Assert"]
    contains = rule["Fn::Not"][0]["Fn::Contains"]
    assert contains == [{"Ref": "RotatedSecretArns"}, "*"]


def _denied_by(statement: dict, action: str, principal_arn: str) -> bool:
    """Whether a Deny statement of the secret's resource policy matches a
    request, with IAM's ArnNotEquals (an exact, case-sensitive comparison of
    each ARN part; the template names no wildcard)."""
    if statement["Effect"] != "Deny" or statement["Principal"] != "*":
        return False
    if action not in as_list(statement["Action"]):
        return False
    allowed = as_list(statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
    return principal_arn not in allowed


@pytest.mark.parametrize("strategy", ["self", "admin", "alternating"])
def test_only_the_function_writes_the_managed_secrets_versions(template, strategy):
    admin = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b" if strategy != "self" else ""
    parameters = {"RotationStrategy": strategy, "AdminSecretArns": admin, "ManagedSecretName": "prod/mysql/managed",
                  "ManagedSecretHost": "db.internal", "ManagedSecretUsername": "app",
                  "ManagedSecretMasterArn": admin}
    rendered = Rendered(template, parameters)
    assert rendered.refusals() == []
    (policy,) = rendered.resources("AWS::SecretsManager::ResourcePolicy").values()
    assert policy["SecretId"] == MANAGED_SECRET
    assert policy["BlockPublicPolicy"] is True
    statements = policy["ResourcePolicy"]["Statement"]
    role = stand_ins()["RotationFunctionRole.Arn"]
    someone_else = "arn:aws:iam::123456789012:role/app-team-deployer"
    for action in ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"):
        assert any(_denied_by(s, action, someone_else) for s in statements), action
        assert not any(_denied_by(s, action, role) for s in statements), action
    # Reading is the identity policies' business: the resource policy denies no read.
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"):
        assert not any(_denied_by(s, action, someone_else) for s in statements), action


def test_no_resource_policy_without_a_managed_secret(template):
    rendered = Rendered(template, {"PasswordSource": "service"})
    assert rendered.resources("AWS::SecretsManager::ResourcePolicy") == {}
