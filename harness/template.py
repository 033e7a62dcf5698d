"""template.yaml rendered as CloudFormation would for given parameters.

The template is read with cfn-lint's own YAML decoder; conditions and the
intrinsic functions the template uses are evaluated here, parameters are
checked against their AllowedValues / AllowedPattern / MinValue / MaxValue,
and the template's Rules are evaluated as CloudFormation does before it
creates anything. Resources that only exist once deployed stand in as
realistic ARNs (so an IAM linter can parse them).
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.decode import decode_str

from .rotator import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"
NO_VALUE = object()
ACCOUNT = "123456789012"


def pseudo(partition: str = "aws", region: str = "us-east-1") -> dict[str, str]:
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {"AWS::Partition": partition, "AWS::Region": region, "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": suffix, "AWS::StackName": "mysql-rotator"}


def stand_ins(partition: str = "aws", region: str = "us-east-1") -> dict[str, str]:
    """What a deployed stack's Ref / GetAtt would give."""
    return {
        "RotationFunction.Arn":
            f"arn:{partition}:lambda:{region}:{ACCOUNT}:function:mysql-rotator-RotationFunction-AbC123",
        "RotationFunction": "mysql-rotator-RotationFunction-AbC123",
        "ManagedSecret": f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:prod/mysql/managed-AbCdEf",
        "RotationFunctionLogGroup.Arn":
            f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:mysql-rotator-RotationFunctionLogGroup-XyZ:*",
        "RotationFunctionLogGroup": "mysql-rotator-RotationFunctionLogGroup-XyZ",
        "RotationFailedRule.Arn": f"arn:{partition}:events:{region}:{ACCOUNT}:rule/mysql-rotator-RotationFailedRule-Q1",
        "NotificationTopic": f"arn:{partition}:sns:{region}:{ACCOUNT}:mysql-rotator-NotificationTopic-Q2",
        "NotificationDeadLetterQueue.Arn": f"arn:{partition}:sqs:{region}:{ACCOUNT}:mysql-rotator-dlq",
        "NotificationDeadLetterQueue.QueueName": "mysql-rotator-dlq",
        "NotificationDeadLetterQueue": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/mysql-rotator-dlq",
        "RotationFunctionErrorsAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:errors",
        "RotationFunctionRole.Arn": f"arn:{partition}:iam::{ACCOUNT}:role/mysql-rotator-RotationFunctionRole-Q3",
        "RotationFunctionRole": "mysql-rotator-RotationFunctionRole-Q3",
        "SuccessTopic": f"arn:{partition}:sns:{region}:{ACCOUNT}:mysql-rotator-SuccessTopic-Q4",
        "RotationSucceededRule.Arn":
            f"arn:{partition}:events:{region}:{ACCOUNT}:rule/mysql-rotator-RotationSucceededRule-Q5",
        "RevokeAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:mysql-rotator-RevokeAlarm-Q6",
        "RedeployStateMachine": f"arn:{partition}:states:{region}:{ACCOUNT}:stateMachine:RedeployStateMachine-Q7",
        "RedeployStateMachineRole.Arn": f"arn:{partition}:iam::{ACCOUNT}:role/mysql-rotator-RedeployRole-Q8",
        "RedeployEventsRole.Arn": f"arn:{partition}:iam::{ACCOUNT}:role/mysql-rotator-RedeployEventsRole-Q9",
        "RedeployFailedAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:redeploy-failed",
        "FleetCheckFailingAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:fleet-failing",
        "FleetCheckRule": "mysql-rotator-FleetCheckRule-R1",
        "RotationFunctionNotRunAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:not-run",
        "FleetCheckNotDeliveredAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:fleet-not-delivered",
        "NotificationDeadLetterAlarm.Arn": f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:undelivered",
    }


def load_template() -> dict:
    decoded, problems = decode_str(TEMPLATE.read_text())
    assert not problems, f"template.yaml does not decode: {problems}"
    return decoded


class ParameterRefused(Exception):
    """CloudFormation would refuse the parameters before creating anything."""


class Rendered:
    def __init__(self, template: dict, parameters: dict[str, Any], partition: str = "aws",
                 region: str = "us-east-1"):
        self.template = template
        self.pseudo = pseudo(partition, region)
        self.stand_ins = stand_ins(partition, region)
        unknown = set(parameters) - set(template["Parameters"])
        assert not unknown, f"no such parameters: {unknown}"
        self.parameters: dict[str, Any] = {}
        for name, spec in template["Parameters"].items():
            value = parameters.get(name, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.parameters[name] = value
        self.conditions: dict[str, bool] = {}
        for name in template["Conditions"]:
            self.condition(name)

    # -- what CloudFormation checks first ------------------------------------

    def refusals(self) -> list[str]:
        """Every parameter constraint and Rule assertion these parameters break."""
        found = []
        for name, spec in self.template["Parameters"].items():
            values = self.parameters[name]
            for value in values if isinstance(values, list) else [values]:
                text = str(value)
                if "AllowedValues" in spec and text not in [str(v) for v in spec["AllowedValues"]]:
                    found.append(f"{name}: {text!r} not allowed")
                if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], text):
                    found.append(f"{name}: {text!r} does not match the pattern")
                if spec["Type"] == "Number":
                    number = float(text)
                    if "MinValue" in spec and number < float(spec["MinValue"]):
                        found.append(f"{name}: under {spec['MinValue']}")
                    if "MaxValue" in spec and number > float(spec["MaxValue"]):
                        found.append(f"{name}: over {spec['MaxValue']}")
        for name, rule in self.template.get("Rules", {}).items():
            if "RuleCondition" in rule and not self.rule_value(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not self.rule_value(assertion["Assert"]):
                    found.append(f"rule {name}: {assertion['AssertDescription']}")
        return found

    def rule_value(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return [self.rule_value(item) for item in node] if isinstance(node, list) else node
        (key, arg), = node.items()
        if key == "Ref":
            return self.parameters[arg]
        args = [self.rule_value(item) for item in arg] if isinstance(arg, list) else self.rule_value(arg)
        if key == "Fn::Equals":
            return str(args[0]) == str(args[1])
        if key == "Fn::Not":
            return not args[0]
        if key == "Fn::And":
            return all(args)
        if key == "Fn::Or":
            return any(args)
        if key == "Fn::Contains":
            return args[1] in args[0]
        if key == "Fn::EachMemberEquals":
            return all(member == args[1] for member in args[0])
        if key == "Fn::EachMemberIn":
            return all(member in args[1] for member in args[0])
        raise AssertionError(f"unhandled rule function {key}")

    # -- the template, evaluated ---------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self.conditions[name]

    def substitute(self, text: str, variables: dict[str, Any] | None = None) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if variables and name in variables:
                return str(variables[name])
            if name in self.pseudo:
                return self.pseudo[name]
            if name in self.parameters:
                value = self.parameters[name]
                return ",".join(value) if isinstance(value, list) else str(value)
            assert name in self.stand_ins, f"unhandled Fn::Sub variable {name}"
            return self.stand_ins[name]
        return re.sub(r"\$\{([^}]+)\}", replace, text)

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
                if arg in self.pseudo:
                    return self.pseudo[arg]
                if arg in self.parameters:
                    return self.parameters[arg]
                assert arg in self.stand_ins, f"no stand-in for Ref {arg}"
                return self.stand_ins[arg]
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
                name = arg if isinstance(arg, str) else ".".join(arg)
                assert name in self.stand_ins, f"no stand-in for GetAtt {name}"
                return self.stand_ins[name]
            if key == "Fn::Select":
                index, items = arg
                return self.value(items)[int(index)]
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    text, variables = arg
                    return self.substitute(text, {name: self.value(item) for name, item in variables.items()})
                return self.substitute(arg)
        rendered = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not NO_VALUE}

    def resources(self, kind: str) -> dict[str, dict]:
        """name -> rendered Properties of each resource of this type the parameters create."""
        found = {}
        for name, resource in self.template["Resources"].items():
            if resource["Type"] != kind:
                continue
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            found[name] = self.value(resource.get("Properties", {}))
        return found

    def policy_documents(self) -> list[dict]:
        """The role's identity policies (inline and the stack's AWS::IAM::Policy)."""
        documents = [p["PolicyDocument"] for p in self.resources("AWS::IAM::Policy").values()]
        for role in self.resources("AWS::IAM::Role").values():
            documents += [policy["PolicyDocument"] for policy in role.get("Policies", [])]
        return documents

    def statements(self) -> list[dict]:
        return [statement for document in self.policy_documents() for statement in document["Statement"]]
