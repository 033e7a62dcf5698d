"""Secret values: the registry of every one the suite made or saw, and
reading secrets from moto without exposing them.

Assertion messages never contain a secret value; values are compared through
booleans or digests, never `assert a == b` on passwords (pytest would print
both sides). The leak scan (leak_scan.py) searches the function's output for
every value registered here."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import botocore.exceptions

from .passwords import SecretRegistry

REGISTRY = SecretRegistry()
# Every password a test makes is registered before it is used.
new_password = REGISTRY.new_password


def digest(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, bytes)):
        value = json.dumps(value, sort_keys=True)
    if isinstance(value, str):
        value = value.encode()
    return hashlib.sha256(value).hexdigest()[:16]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def mariadb_secret(host: str, port: int, username: str, password: str, **keys: Any) -> dict[str, Any]:
    """A database secret's value as docs/secret-format.md describes it;
    `keys` adds the optional ones (dbname, ssl, masterarn, ...)."""
    return {"engine": "mariadb", "host": host, "port": port, "username": username, "password": password, **keys}


def stages(sm: Any, arn: str) -> dict[str, list[str]]:
    described = sm.describe_secret(SecretId=arn)
    return {version: sorted(labels)
            for version, labels in described.get("VersionIdsToStages", {}).items() if labels}


def secret_value(sm: Any, arn: str, **selector: str) -> str | None:
    """The SecretString of a version, or None when it has no value (a rotation stub)."""
    try:
        value = sm.get_secret_value(SecretId=arn, **selector)["SecretString"]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    try:
        REGISTRY.add_from_secret(json.loads(value))
    except ValueError:
        pass
    return value


def secret_dict(sm: Any, arn: str, **selector: str) -> dict[str, Any]:
    value = secret_value(sm, arn, **selector)
    assert value is not None, f"secret has no value for {selector or 'AWSCURRENT'}"
    return json.loads(value)


def snapshot(sm: Any, arn: str) -> dict[str, Any]:
    """Labels and value digests of every labelled version: safe to compare and print."""
    labels = stages(sm, arn)
    return {"stages": labels,
            "values": {version: digest(secret_value(sm, arn, VersionId=version))
                       for version in labels}}


def version_with(labels: dict[str, list[str]], stage: str) -> str | None:
    holders = [version for version, stage_list in labels.items() if stage in stage_list]
    assert len(holders) <= 1, f"{stage} is on {len(holders)} versions"
    return holders[0] if holders else None


def all_version_values(sm: Any, arn: str) -> list[str]:
    """The value of every version the secret ever had, labelled or not."""
    versions = sm.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)["Versions"]
    values = [secret_value(sm, arn, VersionId=version["VersionId"]) for version in versions]
    return [value for value in values if value is not None]
