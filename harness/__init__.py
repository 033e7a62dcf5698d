"""What the end-to-end tests, scripts/bench.py and the demo share: the
services, the function's command and environment, the Runtime API emulator,
moto's /_harness endpoints and the passwords they make."""

from .emulator import Emulator, EmulatorError
from .moto_harness import MotoHarness
from .passwords import SecretRegistry, new_password
from .rotator import (
    REPO_ROOT,
    ROTATION_LAMBDA_ARN,
    STEPS,
    event,
    rotator_command,
    rotator_environment,
    start_rotation,
)
from .services import Services, ServicesMissing, logs_in

__all__ = [
    "Emulator", "EmulatorError", "MotoHarness", "SecretRegistry", "new_password",
    "REPO_ROOT", "ROTATION_LAMBDA_ARN", "STEPS", "event", "rotator_command",
    "rotator_environment", "start_rotation", "Services", "ServicesMissing", "logs_in",
]
