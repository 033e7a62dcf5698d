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
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
NO_VALUE = object()
FUNCTION_ARN = "getatt:RotationFunction.Arn"
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::URLSuffix": "amazonaws.com"}
READ_ONLY_PREFIXES = ("secretsmanager:Describe", "secretsmanager:Get", "secretsmanager:List",
                      "secretsmanager:BatchGet")


class Rendered:
    def __init__(self, template: dict, parameters: dict[str, Any]):
        self.template = template
        self.parameters = {}
        for name, spec in template["Parameters"].items():
            value = parameters.get(name, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.parameters[name] = value
        self.conditions: dict[str, bool] = {}
        for name in template["Conditions"]:
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self.conditions[name]

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                if arg in PSEUDO:
                    return PSEUDO[arg]
                if arg in self.parameters:
                    return self.parameters[arg]
                return f"ref:{arg}"
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.value(when_true if self.condition(name) else when_false)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Equals":
                left, right = (self.value(item) for item in arg)
                return left == right
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(item) for item in arg)
            if key == "Fn::Or":
                return any(self.value(item) for item in arg)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(item) for item in self.value(items))
            if key == "Fn::Split":
                separator, text = arg
                return self.value(text).split(separator)
            if key == "Fn::GetAtt":
                return "getatt:" + (arg if isinstance(arg, str) else ".".join(arg))
            if key == "Fn::Sub":
                text = arg
                for name, replacement in PSEUDO.items():
                    text = text.replace("${" + name + "}", replacement)
                assert "${" not in text, f"unhandled Fn::Sub variable in {arg}"
                return text
        rendered = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not NO_VALUE}

    def statements(self) -> list[dict]:
        found = []
        for resource in self.template["Resources"].values():
            if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::Role"):
                continue
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            properties = self.value(resource.get("Properties", {}))
            documents = []
            if resource["Type"] == "AWS::IAM::Policy":
                documents.append(properties["PolicyDocument"])
            if resource["Type"] == "AWS::IAM::Role":
                documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
            for document in documents:
                found += document["Statement"]
        return found


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def template() -> dict:
    decoded, problems = decode_str(TEMPLATE.read_text())
    assert not problems, f"template.yaml does not decode: {problems}"
    return decoded


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
    if keys:
        parameters["KmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/rotated"
        parameters["AdminKmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/admin"
    statements = Rendered(template, parameters).statements()
    assert statements, "no IAM statement rendered"

    for statement in statements:
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        writes = [a for a in actions if a.startswith("secretsmanager:") and not a.startswith(READ_ONLY_PREFIXES)]
        # "*", or every secret of the account: only under the condition. A
        # narrower pattern the user names (prod/mysql/*) is the explicit option.
        if writes and any(resource == "*" or resource.endswith(":secret:*") for resource in resources):
            condition = statement.get("Condition", {}).get("StringEquals", {})
            assert condition.get("secretsmanager:resource/AllowRotationLambdaArn") == FUNCTION_ARN, \
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
    assert len(rotating) == 1, "expected exactly one statement that rotates secrets"
    if rotated:
        expected = [rotated] + (["ref:ManagedSecret"] if managed else [])
        assert as_list(rotating[0]["Resource"]) == expected
        assert "Condition" not in rotating[0]

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
