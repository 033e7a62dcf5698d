"""Send a preflight check event to the function through the Runtime API
emulator and print its report; run by scripts/check.sh and `scripts/demo.sh check`.

    python3 -m harness.check SECRET_ID [STRATEGY]

The function runs with this process's environment (AWS_REGION, credentials,
SECRETS_MANAGER_ENDPOINT, DB_CA_BUNDLE, ROTATION_STRATEGY, ...), exactly as
the deployed one would with its configuration. Exit status: 0 when every
check passed, 1 when one failed, 2 when the check itself could not run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from .emulator import Emulator
from .rotator import rotator_command


def run_check(secret_id: str, strategy: str | None, env: dict[str, str], log_path: Path,
              timeout: float = 30) -> tuple[bool, dict]:
    """(function succeeded, body): the report, or the function's error."""
    request = {"SecretId": secret_id}
    if strategy:
        request["Strategy"] = strategy
    command, task_root = rotator_command(env.get("ROTATOR_COMMAND"))
    with Emulator(command, env=env, log_path=log_path, timeout=timeout,
                  task_root=task_root, function_name="rotator") as emulator:
        return emulator.invoke({"Check": request})


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    env = dict(os.environ)
    env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    log_path = Path(tempfile.gettempdir()) / "rotator-check.log"
    ok, body = run_check(argv[0], argv[1] if len(argv) > 1 else None, env, log_path,
                         timeout=float(env.get("CHECK_TIMEOUT", "30")))
    print(json.dumps(body, indent=2))
    if not ok:
        print(f"the check could not run; the function's log is {log_path}", file=sys.stderr)
        return 2
    return 0 if body.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
