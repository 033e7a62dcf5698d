"""The product under test, as the tests, harness/bench.py and the demo run it:
its command, its environment, and the rotation Secrets Manager starts."""

from __future__ import annotations

import json
import os
import shlex
import uuid
from pathlib import Path
from typing import Any

from .services import Services

REPO_ROOT = Path(__file__).resolve().parents[1]
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
# The function RotateSecret names; moto never calls it, the harness does.
ROTATION_LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotator"


def rotator_command(override: str | None = None) -> tuple[list[str], Path]:
    """The function's command and task root: this checkout's bootstrap unless
    `override` (default: $ROTATOR_COMMAND) names another; a relative
    executable is taken from the repository when it exists there."""
    override = override if override is not None else os.environ.get("ROTATOR_COMMAND")
    if not override:
        return [str(REPO_ROOT / "bootstrap")], REPO_ROOT
    command = shlex.split(override)
    executable = Path(command[0])
    if not executable.is_absolute() and (REPO_ROOT / executable).exists():
        command[0] = str(REPO_ROOT / executable)
    return command, Path(command[0]).resolve().parent


def rotator_environment(services: Services, **extra: str | None) -> dict[str, str]:
    """The function's environment: ours minus the admin password, the
    single-user strategy over verified TLS, then `extra` (None removes a variable)."""
    # The function never gets the admin password: the single-user strategy has
    # no business with it, and then it cannot leak it either.
    env = {key: value for key, value in os.environ.items() if key != "TEST_MARIADB_ADMIN_PASSWORD"}
    env.update({
        "ROTATION_STRATEGY": "self",
        "PASSWORD_LENGTH": "32",
        "DB_CA_BUNDLE": services.ca,
        "REQUIRE_TLS": "true",
        "SECRETS_MANAGER_ENDPOINT": services.endpoint,
    })
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def event(arn: str, token: str, step: str) -> dict[str, str]:
    """The event Secrets Manager sends for one step."""
    return {"SecretId": arn, "ClientRequestToken": token, "Step": step}


def start_rotation(sm: Any, arn: str, token: str | None = None) -> str:
    """RotateSecret as the service does it (our moto only stages the value-less AWSPENDING)."""
    token = token or str(uuid.uuid4())
    sm.rotate_secret(SecretId=arn, ClientRequestToken=token,
                     RotationLambdaARN=ROTATION_LAMBDA_ARN,
                     RotationRules={"AutomaticallyAfterDays": 30})
    return token


def json_log_records(text: str) -> list[dict[str, Any]]:
    """The lines of the function's log that are JSON objects (its JSON-format
    log lines and EMF records); the runtime's and bootstrap's plain lines are not."""
    records = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records


def emf_records(log: Path) -> list[dict[str, Any]]:
    """The CloudWatch Embedded Metric Format records in the function's log."""
    return [record for record in json_log_records(log.read_text("utf-8", errors="replace")) if "_aws" in record]
