"""moto's Secrets Manager backend, patched where a rotation function can
tell it from the real service (harness/moto_server.py applies these).

Why patch moto at all: moto 5's RotateSecret either needs its Lambda backend
(which runs functions in Docker) or, without a RotationLambdaARN, moves
AWSCURRENT at once to a version without a value. The real service only does the
first half synchronously: it adds a value-less AWSPENDING version and then
invokes the rotation function asynchronously. Our tests play the asynchronous
half themselves (four invokes through harness/runtime_emulator.py), so here
RotateSecret does exactly that first half and nothing else.

The other patches close gaps, found by reading moto/secretsmanager/models.py,
between moto and the real service that a rotation function can observe:

* UpdateSecretVersionStage did not move the secret's default version, so a
  GetSecretValue without VersionId/VersionStage kept returning the old value
  after finishSecret. It also let a label sit on two versions at once.
* PutSecretValue to an AWSPENDING version that already holds a value silently
  replaced that value; the real service treats versions as immutable
  (same value: idempotent success, other value: ResourceExistsException).
* RotateSecret's "rotation still in progress" check was inverted: it refused
  the normal finished state (AWSPENDING and AWSCURRENT on one version) and
  accepted an unfinished rotation.
* DescribeSecret listed versions that have no labels left; the real service
  leaves such deprecated versions out of VersionIdsToStages.
* ListSecrets and DescribeSecret never showed a LastRotatedDate after a
  rotation (moto set it only in its own RotateSecret, replaced here): the
  service records the date a rotation completed successfully, i.e. when
  AWSCURRENT moves onto the rotation's AWSPENDING version; never rotated, the
  key is absent (moto sent null).
* RotationRules kept only AutomaticallyAfterDays; the service returns the
  ScheduleExpression and Duration it was given too.
* ListSecretVersionIds dated every version "now"; the service answers each
  version's creation date, which tells how long an AWSPENDING has waited. It
  lists versions without labels (deprecated) only with IncludeDeprecated.
* Errors came back as HTTP 404 for ResourceNotFoundException; the real service
  answers every client error with HTTP 400 (mended in moto_faults.py, which
  sees every answer).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceExistsException,
    SecretNotFoundException,
)
from moto.secretsmanager.models import (
    FakeSecret,
    OperationNotPermittedOnReplica,
    ReplicaSecret,
    SecretsManagerBackend,
)
from moto.secretsmanager.responses import SecretsManagerResponse


def _has_value(version: dict[str, Any]) -> bool:
    return "secret_string" in version or "secret_binary" in version


def _primary_secret(backend: SecretsManagerBackend, secret_id: str) -> FakeSecret:
    if not backend._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = backend.secrets[secret_id]
    if isinstance(secret, ReplicaSecret):
        raise OperationNotPermittedOnReplica
    return secret


def rotate_secret(
    self: SecretsManagerBackend,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    secret = _primary_secret(self, secret_id)
    if secret.is_deleted():
        raise InvalidRequestException(
            "You can't perform this operation on the secret because it was marked for deletion."
        )

    lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not lambda_arn:
        raise InvalidRequestException(
            "No Lambda rotation function ARN is associated with this secret."
        )
    if len(lambda_arn) > 2048:
        raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")

    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000."
        )
    if client_request_token:
        self._client_request_token_validator(client_request_token)

    # A rotation is unfinished while AWSPENDING sits on a version other than
    # AWSCURRENT's; the service then refuses to start another one, except for
    # a retry of that same rotation (same token), which is idempotent.
    unfinished = [
        version_id
        for version_id, version in secret.versions.items()
        if "AWSPENDING" in version["version_stages"]
        and "AWSCURRENT" not in version["version_stages"]
    ]
    if unfinished and client_request_token != unfinished[0]:
        raise InvalidRequestException(
            "A previous rotation isn't complete. That rotation will be reattempted."
        )

    new_version_id = client_request_token or str(uuid.uuid4())
    if rotate_immediately and not unfinished and secret.versions:
        if new_version_id in secret.versions:
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {new_version_id} because that value "
                f"is already in use for a version of secret {secret.arn}."
            )
        # The previous rotation left AWSPENDING on the current version; the new
        # stub takes it over, as the service does.
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        # No secret value: the rotation function's createSecret step adds it.
        secret.versions[new_version_id] = {
            "createdate": int(time.time()),
            "version_id": new_version_id,
            "version_stages": ["AWSPENDING"],
        }

    secret.rotation_requested = True
    secret.rotation_enabled = True
    secret.rotation_lambda_arn = lambda_arn
    if rotation_rules is not None:
        # The service keeps the rules as given (a later call without rules keeps them).
        secret.rotation_rules_given = {
            key: rotation_rules[key] for key in ("ScheduleExpression", "Duration") if key in rotation_rules
        }
    if days is not None:
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400

    # Deliberately no invocation here: the tests drive the four steps.
    response: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if rotate_immediately:
        response["VersionId"] = new_version_id
    return json.dumps(response)


_original_check = SecretsManagerBackend._check_with_existing_secrets_and_versions


def check_with_existing_secrets_and_versions(
    self: SecretsManagerBackend,
    secret_name: str,
    client_request_token: str | None,
    secret_string: str | None,
    secret_binary: str | None,
    on_create: bool = False,
) -> FakeSecret | None:
    # moto lets any write reach an AWSPENDING version. Only the value-less stub
    # that RotateSecret made may be filled; a version with a value is immutable.
    existing = self.secrets.get(secret_name) if client_request_token else None
    if isinstance(existing, FakeSecret):
        version = existing.versions.get(client_request_token)
        if version is not None and _has_value(version):
            if (
                version.get("secret_string") == secret_string
                and version.get("secret_binary") == secret_binary
            ):
                return existing
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {client_request_token} because that "
                f"value is already in use for a version of secret {existing.arn}."
            )
    return _original_check(
        self, secret_name, client_request_token, secret_string, secret_binary, on_create
    )


def update_secret_version_stage(
    self: SecretsManagerBackend,
    secret_id: str,
    version_stage: str,
    remove_from_version_id: str | None,
    move_to_version_id: str | None,
) -> tuple[str, str]:
    secret = _primary_secret(self, secret_id)
    versions = secret.versions
    for version_id in (remove_from_version_id, move_to_version_id):
        if version_id and version_id not in versions:
            raise InvalidParameterException(f"Not a valid version: {version_id}")

    if remove_from_version_id and version_stage not in versions[remove_from_version_id]["version_stages"]:
        raise InvalidParameterException(
            f"Version stage {version_stage} not found in version {remove_from_version_id}"
        )

    holder = next(
        (vid for vid, v in versions.items() if version_stage in v["version_stages"]), None
    )
    if move_to_version_id and holder not in (None, move_to_version_id, remove_from_version_id):
        raise InvalidParameterException(
            f"The parameter RemoveFromVersionId can't be empty. Staging label {version_stage} "
            f"is currently attached to version {holder}, so you must explicitly reference "
            "that version in RemoveFromVersionId."
        )
    if version_stage == "AWSCURRENT" and remove_from_version_id and not move_to_version_id:
        raise InvalidParameterException(
            "You can't remove the staging label AWSCURRENT without moving it to another version."
        )

    if remove_from_version_id:
        versions[remove_from_version_id]["version_stages"].remove(version_stage)
    if move_to_version_id and version_stage not in versions[move_to_version_id]["version_stages"]:
        versions[move_to_version_id]["version_stages"].append(version_stage)

    moved_current = (
        version_stage == "AWSCURRENT"
        and move_to_version_id
        and remove_from_version_id
        and move_to_version_id != remove_from_version_id
    )
    if moved_current and "AWSPENDING" in versions[move_to_version_id]["version_stages"]:
        # finishSecret: the rotation completed, which LastRotatedDate records.
        secret.last_rotation_date = int(time.time())
    if moved_current:
        # The service moves AWSPREVIOUS to the version AWSCURRENT left.
        secret.remove_version_stages_from_old_versions(["AWSPREVIOUS"])
        versions[remove_from_version_id]["version_stages"].append("AWSPREVIOUS")
        # GetSecretValue without version arguments reads the default version.
        secret.set_default_version_id(move_to_version_id)
    return secret.arn, secret.name


def reset_default_version(self: FakeSecret, secret_version: dict[str, Any], version_id: str) -> None:
    # moto replaced every label of the old current version with AWSPREVIOUS,
    # dropping e.g. the AWSPENDING that a finished rotation leaves there; the
    # service only moves AWSCURRENT and AWSPREVIOUS.
    self.remove_version_stages_from_old_versions(["AWSPREVIOUS"])
    old_id = self.default_version_id
    if old_id and old_id != version_id and old_id in self.versions:
        stages = self.versions[old_id]["version_stages"]
        if "AWSCURRENT" in stages:
            stages.remove("AWSCURRENT")
        stages.append("AWSPREVIOUS")
    self.versions[version_id] = secret_version
    self.default_version_id = version_id


def form_version_ids_to_stages(self: FakeSecret) -> dict[str, list[str]]:
    # Versions without labels are deprecated and not listed by the service.
    return {
        version_id: version["version_stages"]
        for version_id, version in self.versions.items()
        if version["version_stages"]
    }


_original_to_dict = FakeSecret.to_dict


def to_dict(self: FakeSecret) -> dict[str, Any]:
    dct = _original_to_dict(self)
    if "RotationRules" in dct:
        rules = dict(dct["RotationRules"])
        if not rules.get("AutomaticallyAfterDays"):
            rules.pop("AutomaticallyAfterDays", None)
        rules.update(getattr(self, "rotation_rules_given", {}))
        dct["RotationRules"] = rules
    # The service leaves out a date it does not have rather than sending null.
    if dct.get("LastRotatedDate") is None:
        dct.pop("LastRotatedDate", None)
    return dct


def list_secret_version_ids(
    self: SecretsManagerBackend, secret_id: str, include_deprecated: bool = False
) -> str:
    secret = _primary_secret(self, secret_id)
    versions = [
        {
            "CreatedDate": version.get("createdate", int(time.time())),
            "VersionId": version_id,
            "VersionStages": version["version_stages"],
        }
        for version_id, version in secret.versions.items()
        # Versions without labels are deprecated: listed only with IncludeDeprecated.
        if version["version_stages"] or include_deprecated
    ]
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "Versions": versions})


def list_secret_version_ids_response(self: SecretsManagerResponse) -> str:
    return self.backend.list_secret_version_ids(
        secret_id=self._get_param("SecretId", if_none=""),
        include_deprecated=bool(self._get_param("IncludeDeprecated", if_none=False)),
    )


def backdate(secret_id: str, seconds: int) -> bool:
    """Test-only (moto_faults' /_harness/backdate): moves the secret's
    dates and its versions' creation dates `seconds` into the past, so a
    test can show a rotation late or stuck without waiting days."""
    found = False
    for backend in _all_backends():
        secret = backend.secrets.get(secret_id) if backend._is_valid_identifier(secret_id) else None
        if not isinstance(secret, FakeSecret):
            continue
        found = True
        for attribute in ("created_date", "last_changed_date", "last_rotation_date"):
            if getattr(secret, attribute, None) is not None:
                setattr(secret, attribute, getattr(secret, attribute) - seconds)
        for version in secret.versions.values():
            if "createdate" in version:
                version["createdate"] -= seconds
    return found


def _all_backends() -> list[SecretsManagerBackend]:
    found: list[SecretsManagerBackend] = []
    for regions in models.secretsmanager_backends.values():
        found.extend(regions.values())
    return found


def apply_patches() -> None:
    SecretsManagerBackend.rotate_secret = rotate_secret
    SecretsManagerBackend._check_with_existing_secrets_and_versions = (
        check_with_existing_secrets_and_versions
    )
    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage
    FakeSecret.reset_default_version = reset_default_version
    FakeSecret._form_version_ids_to_stages = form_version_ids_to_stages
    FakeSecret.to_dict = to_dict
    SecretsManagerBackend.list_secret_version_ids = list_secret_version_ids
    SecretsManagerResponse.list_secret_version_ids = list_secret_version_ids_response
    # Guard against a moto upgrade renaming what we patch.
    assert models.SecretsManagerBackend is SecretsManagerBackend
