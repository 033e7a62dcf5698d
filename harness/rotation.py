"""Driving the function through the Runtime API emulator, step by step, with
failures described without any secret value."""

from __future__ import annotations

from typing import Any

from .emulator import Emulator
from .rotator import STEPS, event, start_rotation
from .secrets import REGISTRY


def describe_failure(step: str, body: Any) -> str:
    if isinstance(body, dict):
        text = f"{step} failed: {body.get('errorType')}: {body.get('errorMessage')}"
    else:
        text = f"{step} failed"
    return REGISTRY.redact(text)


def run_step(emulator: Emulator, arn: str, token: str, step: str) -> Any:
    ok, body = emulator.invoke(event(arn, token, step))
    assert ok, describe_failure(step, body)
    return body


def rotate(sm: Any, emulator: Emulator, arn: str) -> str:
    """A whole rotation: RotateSecret, then the four steps; returns its token."""
    token = start_rotation(sm, arn)
    for step in STEPS:
        run_step(emulator, arn, token, step)
    return token


def refused_set_secret(emulator: Emulator, sm: Any, arn: str, error_type: str, why: str) -> Any:
    """A new rotation whose createSecret succeeds and whose setSecret fails
    with `error_type`; returns that failure's body. `why` is the assertion's
    message should setSecret succeed."""
    token = start_rotation(sm, arn)
    run_step(emulator, arn, token, "createSecret")
    ok, body = emulator.invoke(event(arn, token, "setSecret"))
    assert not ok, why
    assert isinstance(body, dict) and body.get("errorType") == error_type, describe_failure("setSecret", body)
    return body
