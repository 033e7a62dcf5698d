"""The AWS calls the function makes on each path the docs give, as IAM
requests with the context AWS supplies, against the rendered template's
policies (harness/iam.py evaluates them).

What the function calls (Sources/SecretsManager, Sources/RDS,
Sources/PreflightProbes):
- every rotation step: DescribeSecret, then GetSecretValue (AWSCURRENT,
  AWSPENDING); createSecret PutSecretValue (GetRandomPassword with
  PasswordSource=service); finishSecret UpdateSecretVersionStage;
- admin and alternating: DescribeSecret (its tags, for an RDS-managed
  secret) and GetSecretValue of the masterarn, and for an RDS-managed admin
  DescribeDBInstances / DescribeDBClusters of its database and replicas;
- Check and Revoke: DescribeSecret, GetSecretValue, the admin's as above;
- CheckAll: ListSecrets, then a Check and ListSecretVersionIds per secret
  that names the function.
Secrets Manager calls KMS for a value with the caller's credentials:
GetSecretValue kms:Decrypt, PutSecretValue kms:GenerateDataKey, with
kms:ViaService naming Secrets Manager's endpoint in the secret's region and
the encryption context SecretARN (docs.aws.amazon.com/secretsmanager/latest/
userguide/security-encryption.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .iam import Decision, Policies, Request, evaluate
from .template import ACCOUNT, Rendered


def default_key_policy(partition: str) -> dict:
    """What KMS gives a key created without a policy: the account, and so
    its IAM policies, may use it (kms/latest/developerguide/key-policy-default.html)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}


def aws_managed_key_policy(via_service: str) -> dict:
    """aws/secretsmanager's policy: any principal of the account, through
    Secrets Manager in that region only (no identity permission needed)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": via_service}}}]}


@dataclass(frozen=True)
class Secret:
    arn: str
    # RotationLambdaARN once attached (secretsmanager:resource/AllowRotationLambdaArn); None before.
    rotation_lambda: str | None = None
    kms_key: str | None = None  # a customer managed key's ARN; None: aws/secretsmanager
    resource_policy: dict | None = None

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def name(self) -> str:
        return self.arn.split(":secret:", 1)[1]


@dataclass(frozen=True)
class Call:
    label: str
    request: Request
    policies: Policies

    def decision(self) -> Decision:
        return evaluate(self.request, self.policies)


@dataclass(frozen=True)
class Deployment:
    """A rendered stack in one partition and region, with the kms:ViaService
    value AWS supplies there for Secrets Manager (a function of the region)."""

    rendered: Rendered
    via_suffix: str
    boundary: dict | None = None
    removed_sid: str | None = None
    extra_identity: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def partition(self) -> str:
        return self.rendered.pseudo["AWS::Partition"]

    @property
    def role(self) -> str:
        return self.rendered.stand_ins["RotationFunctionRole.Arn"]

    @property
    def function(self) -> str:
        return self.rendered.stand_ins["RotationFunction.Arn"]

    def via_service(self, region: str) -> str:
        return f"secretsmanager.{region}.{self.via_suffix}"

    def identity(self) -> list[dict]:
        """The function role's own policies: inline, and the stack's
        AWS::IAM::Policy resources attached to it; less removed_sid."""
        role_name = self.rendered.stand_ins["RotationFunctionRole"]
        role = self.rendered.resources("AWS::IAM::Role")["RotationFunctionRole"]
        documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
        documents += [p["PolicyDocument"] for p in self.rendered.resources("AWS::IAM::Policy").values()
                      if role_name in p["Roles"]]
        kept = [{**d, "Statement": [s for s in d["Statement"] if s.get("Sid") != self.removed_sid]}
                for d in documents]
        return kept + list(self.extra_identity)

    def policies(self, resource: dict | None = None, key: dict | None = None) -> Policies:
        return Policies(identity=self.identity(), boundary=self.boundary, resource=resource, key=key)

    def without(self, sid: str) -> Deployment:
        return replace(self, removed_sid=sid)

    # -- one API call, as IAM sees it -----------------------------------------

    def secrets_manager(self, operation: str, secret: Secret) -> list[Call]:
        context: dict[str, str] = {"secretsmanager:SecretId": secret.arn}
        if secret.rotation_lambda:
            context["secretsmanager:resource/AllowRotationLambdaArn"] = secret.rotation_lambda
        calls = [Call(f"{operation} {secret.name}",
                      Request(f"secretsmanager:{operation}", secret.arn, self.role, context),
                      self.policies(resource=secret.resource_policy))]
        kms_action = {"GetSecretValue": "kms:Decrypt", "PutSecretValue": "kms:GenerateDataKey"}.get(operation)
        if kms_action:
            via = self.via_service(secret.region)
            if secret.kms_key:
                key_arn, key_policy = secret.kms_key, default_key_policy(self.partition)
            else:
                key_arn = f"arn:{self.partition}:kms:{secret.region}:{ACCOUNT}:key/0aws0managed0secretsmanager0key0"
                key_policy = aws_managed_key_policy(via)
            kms_context = {"kms:ViaService": via, "kms:EncryptionContext:SecretARN": secret.arn,
                           "kms:EncryptionContext:SecretVersionId": "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
                           "kms:CallerAccount": ACCOUNT}
            calls.append(Call(f"{kms_action} for {operation} {secret.name}",
                              Request(kms_action, key_arn, self.role, kms_context), self.policies(key=key_policy)))
        return calls

    def unscoped(self, action: str) -> Call:
        return Call(action, Request(action, "*", self.role), self.policies())

    def rds(self, kind: str, region: str, identifier: str) -> Call:
        action = "rds:DescribeDBInstances" if kind == "db" else "rds:DescribeDBClusters"
        arn = f"arn:{self.partition}:rds:{region}:{ACCOUNT}:{kind}:{identifier}"
        return Call(f"{action} {identifier}", Request(action, arn, self.role), self.policies())


@dataclass(frozen=True)
class Admin:
    """The masterarn secret and, for an RDS-managed one, its database's
    topology as the function walks it: (kind, region, identifier)."""

    secret: Secret
    databases: tuple[tuple[str, str, str], ...] = ()


def reads(deployment: Deployment, secret: Secret, admin: Admin | None) -> Iterator[Call]:
    """What Check and Revoke call: the secret described and read, and the admin's."""
    yield from deployment.secrets_manager("DescribeSecret", secret)
    yield from deployment.secrets_manager("GetSecretValue", secret)
    if admin:
        yield from deployment.secrets_manager("DescribeSecret", admin.secret)
        yield from deployment.secrets_manager("GetSecretValue", admin.secret)
        for kind, region, identifier in admin.databases:
            yield deployment.rds(kind, region, identifier)


def rotation(deployment: Deployment, secret: Secret, admin: Admin | None, service_passwords: bool) -> Iterator[Call]:
    """The four steps Secrets Manager invokes, each opening with DescribeSecret."""
    def describe() -> list[Call]:
        return deployment.secrets_manager("DescribeSecret", secret)

    yield from describe()  # createSecret
    yield from deployment.secrets_manager("GetSecretValue", secret)
    if service_passwords:
        yield deployment.unscoped("secretsmanager:GetRandomPassword")
    yield from deployment.secrets_manager("PutSecretValue", secret)
    yield from describe()  # setSecret
    yield from deployment.secrets_manager("GetSecretValue", secret)
    if admin:
        yield from reads(deployment, secret, admin)
    yield from describe()  # testSecret
    yield from deployment.secrets_manager("GetSecretValue", secret)
    yield from describe()  # finishSecret
    yield from deployment.secrets_manager("UpdateSecretVersionStage", secret)


def secrets_managers_test(deployment: Deployment, secret: Secret) -> Iterator[Call]:
    """rotate-secret --no-rotate-immediately: Secrets Manager tests the
    configuration with testSecret on a pending copy it then removes."""
    yield from deployment.secrets_manager("DescribeSecret", secret)
    yield from deployment.secrets_manager("GetSecretValue", secret)


def check_all(deployment: Deployment, secrets: list[Secret], admin: Admin | None) -> Iterator[Call]:
    yield deployment.unscoped("secretsmanager:ListSecrets")
    for secret in secrets:
        yield from reads(deployment, secret, admin)
        yield from deployment.secrets_manager("ListSecretVersionIds", secret)


def denied(calls: list[Call]) -> list[str]:
    return [f"{call.label}: {call.decision().value}" for call in calls if call.decision() is not Decision.ALLOW]


def secret_arn(partition: str, region: str, name: str) -> str:
    return f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf"


def only_the_role_writes_versions(role: str) -> dict:
    """docs/deploy.md's resource policy for a rotated secret (the managed
    secret's is rendered from the template)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyTheRotationFunctionWritesVersions", "Effect": "Deny", "Principal": "*",
        "Action": ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        "Resource": "*", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role}}}]}


def stack(template: dict, parameters: dict[str, Any], partition: str = "aws", region: str = "us-east-1",
          via_suffix: str | None = None) -> Deployment:
    rendered = Rendered(template, parameters, partition=partition, region=region)
    assert rendered.refusals() == [], rendered.refusals()
    suffix = via_suffix or rendered.pseudo["AWS::URLSuffix"]
    return Deployment(rendered, suffix)

