"""One full single-user rotation, narrated; run by scripts/demo.sh.

Expects the services' variables (STATE_DIR/env) in the environment. Prints
steps, version stages and login outcomes, never a password.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from .emulator import Emulator
from .passwords import random_password
from .rotator import STEPS, event, rotator_command, rotator_environment, start_rotation
from .secrets import mariadb_secret
from .services import Services, logs_in

USER = "demo_app"


def print_stages(sm, arn: str, title: str) -> None:
    labels = sm.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    print(f"\n{title}")
    print(f"  {'version':<38} stages")
    for version, stage_list in labels.items():
        if stage_list:
            print(f"  {version:<38} {', '.join(sorted(stage_list))}")


def main() -> int:
    services = Services.from_environment()
    sm = services.secrets_manager()

    password = random_password()
    with services.connect_admin() as admin, admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE IF NOT EXISTS appdb")
        cursor.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (USER,))
        cursor.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (USER, password))
        cursor.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (USER,))
    print(f"created MariaDB user {USER}@127.0.0.1 (GRANT SELECT ON appdb.*)")

    secret = mariadb_secret(services.host, services.port, USER, password, dbname="appdb")
    arn = sm.create_secret(Name=f"demo/{USER}-{uuid.uuid4().hex[:6]}",
                           SecretString=json.dumps(secret))["ARN"]
    print(f"created secret {arn}")
    print_stages(sm, arn, "before rotation:")

    command, task_root = rotator_command()
    log_path = Path(services.state_dir) / "demo-function.log"

    if "--check" in sys.argv[1:]:
        from .check import run_check
        ok, body = run_check(arn, None, rotator_environment(services), log_path, timeout=60)
        print(json.dumps(body, indent=2))
        return 0 if ok else 1

    token = start_rotation(sm, arn)
    print(f"\nRotateSecret: new version {token} staged AWSPENDING (no value yet)")

    failed = False
    with Emulator(command, env=rotator_environment(services), log_path=log_path, timeout=60,
                  task_root=task_root, function_name="rotator") as emulator:
        for step in STEPS:
            started = time.monotonic()
            ok, body = emulator.invoke(event(arn, token, step))
            took = (time.monotonic() - started) * 1000
            if ok:
                print(f"  {step:<13} ok      {took:7.1f} ms")
            else:
                print(f"  {step:<13} FAILED  {took:7.1f} ms  {body.get('errorType')}")
                failed = True
                break
        state = emulator.state()
    print(f"  (one function process, cold starts: {state['cold_starts']}, "
          f"init {state['last_init_ms'] or 0:.0f} ms)")

    print_stages(sm, arn, "after rotation:")
    current = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    new_ok = logs_in(services, USER, current["password"])
    old_ok = logs_in(services, USER, password)
    print(f"\nnew password logs in: {'yes' if new_ok else 'NO'}")
    print(f"old password: {'still accepted' if old_ok else 'rejected'}")
    return 0 if (new_ok and not old_ok and not failed) else 1


if __name__ == "__main__":
    sys.exit(main())
