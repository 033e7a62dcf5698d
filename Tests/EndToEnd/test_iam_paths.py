"""Every AWS call the function makes on each path the docs give, evaluated
against the rendered template's policies with the request context AWS
supplies (harness/iam_paths.py; the evaluator is checked against the IAM
documentation in test_iam_evaluator.py): the README's shortest path,
CheckAll, Revoke, admin and alternating, an RDS-managed admin, customer
managed keys in each partition, the stack's own secret with its resource
policy, a permissions boundary. Then each statement of the role is removed
in turn, and a path that needs it must fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from harness.iam import Decision, Policies, Request, evaluate
from harness.iam_paths import (
    ACCOUNT,
    Admin,
    Call,
    Deployment,
    Secret,
    check_all,
    denied,
    only_the_role_writes_versions,
    reads,
    rotation,
    secret_arn,
    secrets_managers_test,
    stack,
)
from harness.rotator import REPO_ROOT
from harness.template import load_template

KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
ADMIN_KEY = "mrk-1234abcd12ab34cd56ef1234567890ab"
# Lambda's and X-Ray's own use of the role, with resource ARNs this harness
# does not model; the rest is what the function's code calls.
NOT_THE_FUNCTIONS_CALLS = {"WriteTheStacksLogGroup", "ManageTheFunctionsNetworkInterfaces"}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


def app(partition: str = "aws", region: str = "us-east-1", **fields) -> Secret:
    return Secret(secret_arn(partition, region, "prod/app/mysql"), **fields)


def admin_secret(partition: str = "aws", region: str = "us-east-1", **fields) -> Secret:
    return Secret(secret_arn(partition, region, "rds!db-0a1b2c"), **fields)


def prefix(partition: str = "aws", region: str = "us-east-1") -> str:
    return f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:prod/*"


def everything(d: Deployment, secret: Secret, admin: Admin | None, service_passwords: bool = False) -> list[Call]:
    """Check, Secrets Manager's test, a rotation, Revoke and CheckAll of one attached secret."""
    return (list(reads(d, secret, admin)) + list(secrets_managers_test(d, secret))
            + list(rotation(d, secret, admin, service_passwords)) + list(check_all(d, [secret], admin)))


# -- the README's shortest path -------------------------------------------


def test_a_check_before_attaching_is_denied_with_the_defaults(template):
    """Why the README attaches first: with the defaults the role reaches a
    secret only through AllowRotationLambdaArn, which an unattached secret lacks."""
    d = stack(template, {})
    assert denied(list(reads(d, app(), None))) == [
        "DescribeSecret prod/app/mysql-AbCdEf: implicit deny", "GetSecretValue prod/app/mysql-AbCdEf: implicit deny"]


def test_the_readme_path_is_allowed_in_its_order(template):
    d = stack(template, {})
    attached = app(rotation_lambda=d.function)
    path = (list(secrets_managers_test(d, attached))  # rotate-secret --no-rotate-immediately
            + list(reads(d, attached, None))  # Check
            + list(rotation(d, attached, None, service_passwords=False)))  # rotate-secret --secret-id
    assert denied(path) == []


def test_the_readme_gives_that_order_and_the_function_from_the_stacks_outputs():
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split("## Deploy, the shortest way", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    attach = block.index("--no-rotate-immediately")
    check = block.index('"Check"')
    rotate = block.index("aws secretsmanager rotate-secret --secret-id prod/app/mysql\n")
    assert attach < check < rotate, "attach, then Check, then rotate"
    assert "OutputKey=='RotationFunctionArn'" in block
    assert "--function-name mysql-rotator" not in block


def invocations() -> Iterator[tuple[str, str]]:
    for page in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for match in re.finditer(r"aws lambda invoke(?:[^\n]*\\\n)*[^\n]*", text):
            yield page.name, match.group(0)


def test_every_documented_invoke_waits_and_names_the_deployed_function():
    found = list(invocations())
    assert len(found) >= 4
    for page, command in found:
        # The CLI's 60 s read timeout would retry a long CheckAll or Revoke and run it twice.
        assert "--cli-read-timeout 0" in command, f"{page}: {command}"
        assert "--function-name mysql-rotator " not in command, f"{page}: a name only FunctionName gives"


def test_named_secrets_can_be_checked_before_attaching(template):
    d = stack(template, {"RotatedSecretArns": prefix()})
    assert denied(list(reads(d, app(), None))) == []
    assert denied(everything(d, app(rotation_lambda=d.function), None)) == []


# -- qualified function ARNs -----------------------------------------------


@pytest.mark.parametrize("qualifier", ["", ":live", ":7", ":$LATEST"])
def test_a_secret_naming_the_function_qualified_rotates_and_is_checked(template, qualifier):
    d = stack(template, {})
    attached = app(rotation_lambda=d.function + qualifier)
    assert denied(everything(d, attached, None)) == []


@pytest.mark.parametrize("other", ["-other", "2", "-other:live"])
def test_a_function_whose_name_extends_this_ones_gets_nothing(template, other):
    d = stack(template, {})
    attached = app(rotation_lambda=d.function + other)
    calls = [c for c in everything(d, attached, None) if c.request.action != "secretsmanager:ListSecrets"]
    assert all(c.decision() is not Decision.ALLOW for c in calls if c.request.action.startswith("secretsmanager:"))


# -- admin, alternating, RDS-managed admins -------------------------------


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
@pytest.mark.parametrize("admin_region", ["us-east-1", "eu-west-1"])
def test_admin_strategies_with_named_secrets(template, strategy, admin_region):
    admin = Admin(admin_secret(region=admin_region))
    d = stack(template, {"RotationStrategy": strategy, "RotatedSecretArns": prefix(),
                         "AdminSecretArns": admin.secret.arn})
    assert denied(list(reads(d, app(), admin))) == []
    assert denied(everything(d, app(rotation_lambda=d.function), admin)) == []
    # The admin secret itself is read-only.
    for operation in ("PutSecretValue", "UpdateSecretVersionStage"):
        (write,) = d.secrets_manager(operation, admin.secret)[:1]
        assert write.decision() is Decision.IMPLICIT_DENY, operation


def test_an_admin_strategy_allowing_any_secret_naming_it(template):
    admin = Admin(admin_secret())
    d = stack(template, {"RotationStrategy": "admin", "AdminSecretArns": admin.secret.arn,
                         "AllowAnySecretNamingThisFunction": "true"})
    assert denied(everything(d, app(rotation_lambda=d.function + ":live"), admin)) == []


RDS_TOPOLOGIES = {
    "instance with a cross-region replica": (("db", "us-east-1", "prod"), ("db", "us-east-1", "prod-replica"),
                                             ("db", "us-west-2", "prod-replica-west")),
    "aurora cluster": (("cluster", "us-east-1", "aurora"), ("db", "us-east-1", "aurora-writer"),
                       ("db", "us-east-1", "aurora-reader")),
}


@pytest.mark.parametrize("topology", list(RDS_TOPOLOGIES))
def test_an_rds_managed_admin_under_aws_managed_key(template, topology):
    admin = Admin(admin_secret(), RDS_TOPOLOGIES[topology])
    d = stack(template, {"RotationStrategy": "admin", "RotatedSecretArns": prefix(),
                         "AdminSecretArns": admin.secret.arn})
    assert denied(everything(d, app(rotation_lambda=d.function), admin)) == []


# -- customer managed keys, per partition ---------------------------------

PARTITIONS = [
    # partition, region, the admin's other region, the kms:ViaService suffix AWS may supply
    ("aws", "us-east-1", "eu-west-1", "amazonaws.com"),
    ("aws-us-gov", "us-gov-west-1", "us-gov-east-1", "amazonaws.com"),
    ("aws-cn", "cn-north-1", "cn-northwest-1", "amazonaws.com.cn"),
    ("aws-cn", "cn-north-1", "cn-northwest-1", "amazonaws.com"),
]


def keyed(partition: str, region: str, admin_region: str, strategy: str, named: bool) -> dict:
    admin = secret_arn(partition, admin_region, "rds!db-0a1b2c")
    parameters = {"RotationStrategy": strategy, "PasswordSource": "service",
                  "KmsKeyArn": f"arn:{partition}:kms:{region}:{ACCOUNT}:key/{KEY}",
                  "AdminKmsKeyArn": f"arn:{partition}:kms:{admin_region}:{ACCOUNT}:key/{ADMIN_KEY}"}
    if named:
        parameters["RotatedSecretArns"] = prefix(partition, region)
    if strategy != "self":
        parameters["AdminSecretArns"] = admin
        parameters.setdefault("AllowAnySecretNamingThisFunction", "false" if named else "true")
    return parameters


@pytest.mark.parametrize("partition,region,admin_region,via", PARTITIONS)
@pytest.mark.parametrize("strategy,named", [("self", False), ("self", True), ("admin", True), ("alternating", False)])
def test_secrets_under_customer_managed_keys(template, partition, region, admin_region, via, strategy, named):
    parameters = keyed(partition, region, admin_region, strategy, named)
    d = stack(template, parameters, partition=partition, region=region, via_suffix=via)
    secret = app(partition, region, rotation_lambda=d.function, kms_key=parameters["KmsKeyArn"])
    admin = None
    if strategy != "self":
        admin = Admin(Secret(parameters["AdminSecretArns"], kms_key=parameters["AdminKmsKeyArn"]),
                      (("db", admin_region, "prod"),))
    assert denied(everything(d, secret, admin, service_passwords=True)) == []


@pytest.mark.parametrize("partition,region,admin_region,via", PARTITIONS[:3])
def test_the_keys_serve_secrets_manager_alone_and_only_these_secrets(template, partition, region, admin_region, via):
    parameters = keyed(partition, region, admin_region, "admin", True)
    d = stack(template, parameters, partition=partition, region=region, via_suffix=via)
    (_, decrypt) = d.secrets_manager("GetSecretValue", app(partition, region, kms_key=parameters["KmsKeyArn"]))
    assert decrypt.decision() is Decision.ALLOW

    def variant(**context: str) -> Decision:
        return evaluate(Request(decrypt.request.action, decrypt.request.resource, decrypt.request.principal,
                                {**decrypt.request.context, **context}), decrypt.policies)

    assert variant(**{"kms:ViaService": f"rds.{region}.{via}"}) is Decision.IMPLICIT_DENY
    assert variant(**{"kms:ViaService": f"secretsmanager.{admin_region}.{via}"}) is Decision.IMPLICIT_DENY
    other = secret_arn(partition, region, "billing/db")
    assert variant(**{"kms:EncryptionContext:SecretARN": other}) is Decision.IMPLICIT_DENY
    without_via = {k: v for k, v in decrypt.request.context.items() if k != "kms:ViaService"}
    assert evaluate(replace(decrypt.request, context=without_via), decrypt.policies) is Decision.IMPLICIT_DENY


# -- the stack's own secret and its resource policy -----------------------


@pytest.mark.parametrize("strategy", ["self", "admin"])
def test_the_managed_secret_rotates_and_no_one_else_writes_it(template, strategy):
    admin = Admin(admin_secret()) if strategy != "self" else None
    parameters = {"RotationStrategy": strategy, "ManagedSecretName": "prod/mysql/managed",
                  "ManagedSecretHost": "db.internal", "ManagedSecretUsername": "app"}
    if admin:
        parameters.update(AdminSecretArns=admin.secret.arn, ManagedSecretMasterArn=admin.secret.arn)
    d = stack(template, parameters)
    (policy,) = d.rendered.resources("AWS::SecretsManager::ResourcePolicy").values()
    managed = Secret(d.rendered.stand_ins["ManagedSecret"], rotation_lambda=d.function,
                     resource_policy=policy["ResourcePolicy"])
    assert denied(everything(d, managed, admin)) == []
    deployer = "arn:aws:iam::123456789012:role/app-team-deployer"
    everything_allowed = Policies([{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}], resource=managed.resource_policy)
    for action in ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"):
        assert evaluate(Request(action, managed.arn, deployer), everything_allowed) is Decision.EXPLICIT_DENY
    assert evaluate(Request("secretsmanager:GetSecretValue", managed.arn, deployer), everything_allowed) \
        is Decision.ALLOW


def test_the_documented_resource_policy_for_other_secrets_lets_the_function_rotate(template):
    d = stack(template, {})
    secret = app(rotation_lambda=d.function, resource_policy=only_the_role_writes_versions(d.role))
    assert denied(everything(d, secret, None)) == []
    documented = (REPO_ROOT / "docs" / "deploy.md").read_text()
    assert '"Action": ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]' in documented
    assert '{"ArnNotEquals": {"aws:PrincipalArn":' in documented


# -- the permissions boundary ---------------------------------------------

BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/OrgBoundary"


def documented_boundary() -> dict:
    """The least boundary docs/deploy.md says the roles need."""
    text = (REPO_ROOT / "docs" / "deploy.md").read_text()
    block = text.split("<!-- least permissions boundary -->", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    return json.loads(block)


def test_the_boundary_is_set_on_every_role_the_stack_creates(template):
    with_boundary = stack(template, {"PermissionsBoundary": BOUNDARY_ARN, "RedeployEcsServices": "prod/app",
                                     "RotatedSecretArns": prefix()})
    roles = with_boundary.rendered.resources("AWS::IAM::Role")
    assert set(roles) == {"RotationFunctionRole", "RedeployStateMachineRole", "RedeployEventsRole"}
    assert {name: role.get("PermissionsBoundary") for name, role in roles.items()} == dict.fromkeys(roles, BOUNDARY_ARN)
    without = stack(template, {"RedeployEcsServices": "prod/app", "RotatedSecretArns": prefix()})
    assert all("PermissionsBoundary" not in role for role in without.rendered.resources("AWS::IAM::Role").values())


@pytest.mark.parametrize("value,refused", [
    ("arn:aws:iam::123456789012:policy/OrgBoundary", False),
    ("arn:aws:iam::123456789012:policy/path/to/Boundary", False),
    ("arn:aws-cn:iam::aws:policy/PowerUserAccess", False),
    ("OrgBoundary", True),
    ("arn:aws:iam::123456789012:role/OrgBoundary", True),
])
def test_the_boundary_parameter_takes_a_managed_policy_arn(template, value, refused):
    from harness.template import Rendered

    refusals = Rendered(template, {"PermissionsBoundary": value}).refusals()
    assert bool(refusals) == refused, refusals


def test_the_documented_boundary_allows_every_path_and_limits_the_rest(template):
    boundary = documented_boundary()
    parameters = keyed("aws", "us-east-1", "eu-west-1", "admin", True)
    d = replace(stack(template, {**parameters, "PermissionsBoundary": BOUNDARY_ARN, "PasswordSource": "service"}),
                boundary=boundary)
    admin = Admin(Secret(parameters["AdminSecretArns"], kms_key=parameters["AdminKmsKeyArn"]),
                  RDS_TOPOLOGIES["aurora cluster"])
    secret = app(rotation_lambda=d.function, kms_key=parameters["KmsKeyArn"])
    assert denied(everything(d, secret, admin, service_passwords=True)) == []
    # The boundary caps the role: what the identity policies may someday grant beyond it stays denied.
    wide = replace(d, extra_identity=({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:CreateUser", "s3:GetObject"], "Resource": "*"}]},))
    for action in ("iam:CreateUser", "s3:GetObject"):
        assert evaluate(Request(action, "*", d.role), wide.policies()) is Decision.IMPLICIT_DENY
    # And it is applied: a boundary without KMS denies the keyed secret's value.
    no_kms = {**boundary, "Statement": [s for s in boundary["Statement"]
                                        if not any(a.startswith("kms:") for a in s["Action"])]}
    assert denied(list(reads(replace(d, boundary=no_kms), secret, None))) == [
        "kms:Decrypt for GetSecretValue prod/app/mysql-AbCdEf: implicit deny"]


# -- each statement is needed ---------------------------------------------


def configurations(template: dict) -> dict[str, tuple[Deployment, Callable[[Deployment], list[Call]]]]:
    """Deployments that between them render every statement of the role,
    each with the documented path it serves."""
    found: dict[str, tuple[Deployment, Callable[[Deployment], list[Call]]]] = {}

    def named(d: Deployment) -> list[Call]:
        return everything(d, app(rotation_lambda=d.function), None, service_passwords=True)

    found["self, named"] = (stack(template, {"RotatedSecretArns": prefix(), "PasswordSource": "service"}), named)

    def by_function(d: Deployment) -> list[Call]:
        return everything(d, app(rotation_lambda=d.function), None)

    found["self, defaults"] = (stack(template, {}), by_function)
    parameters = keyed("aws", "us-east-1", "eu-west-1", "admin", True)

    def admin_keyed(d: Deployment) -> list[Call]:
        admin = Admin(Secret(parameters["AdminSecretArns"], kms_key=parameters["AdminKmsKeyArn"]),
                      RDS_TOPOLOGIES["instance with a cross-region replica"])
        return everything(d, app(rotation_lambda=d.function, kms_key=parameters["KmsKeyArn"]), admin,
                          service_passwords=True)

    found["admin, keys, RDS"] = (stack(template, {**parameters, "VpcSubnetIds": "subnet-1",
                                                  "VpcSecurityGroupIds": "sg-1"}), admin_keyed)
    return found


def test_every_statement_of_the_role_is_needed_by_a_documented_path(template):
    covered: set[str] = set()
    rendered: set[str] = set()
    for name, (d, path) in configurations(template).items():
        assert denied(path(d)) == [], name
        sids = {s["Sid"] for document in d.identity() for s in document["Statement"]}
        rendered |= sids
        for sid in sids - NOT_THE_FUNCTIONS_CALLS:
            assert denied(path(d.without(sid))), f"{name}: removing {sid} denies nothing"
            covered.add(sid)
    assert covered == rendered - NOT_THE_FUNCTIONS_CALLS
    assert covered == {"RotateTheNamedSecrets", "RotateTheSecretsThatNameThisFunction", "GeneratePasswords",
                       "ReadAdminSecrets", "FindRDSManagedAdminsDatabases", "UseTheRotatedSecretsKey",
                       "DecryptTheAdminSecrets", "FindTheSecretsThisFunctionRotates", "DateUnfinishedRotations"}
