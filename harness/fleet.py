"""The fleet check (`{"CheckAll": {...}}`) driven through the emulator, under
a function name of a test's own, and what its tests assert of every answer:
no password in it or in the function's log."""

from __future__ import annotations

import json
import os

from .rotator import rotator_command, rotator_environment
from .secrets import REGISTRY

REGION = os.environ.get("AWS_REGION", "us-east-1")
ACCOUNT = "123456789012"


def function_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def start_fleet_function(start_emulator, services, name, *, timeout=60.0, **env):
    command, task_root = rotator_command()
    return start_emulator(command, env=rotator_environment(services, **env), task_root=task_root,
                          timeout=timeout, function_name=name)


def attach(sm, arn, lambda_arn, days=30, immediately=False):
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=lambda_arn,
                     RotationRules={"AutomaticallyAfterDays": days}, RotateImmediately=immediately)


def check_all(emulator, **request):
    ok, body = emulator.invoke({"CheckAll": request})
    assert ok, f"the fleet check itself failed: {REGISTRY.redact(json.dumps(body))}"
    return body


def by_secret_name(answer):
    return {entry["Name"]: entry for entry in answer["secrets"]}


def assert_silent(answer, emulator):
    answer_text = json.dumps(answer)
    log_text = emulator.log_path.read_text(errors="replace")
    assert REGISTRY.redact(answer_text) == answer_text, "a password is in the answer"
    assert REGISTRY.redact(log_text) == log_text, "a password is in the function's log"
