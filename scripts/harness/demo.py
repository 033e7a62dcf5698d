"""One full single-user rotation, narrated; run by scripts/demo.sh.

Expects the services' variables (STATE_DIR/env) in the environment. Prints
steps, version stages and login outcomes, never a password.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import pymysql

from .emulator import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
USER = "demo_app"


def connect(user: str, password: str) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=os.environ["TEST_MARIADB_HOST"], port=int(os.environ["TEST_MARIADB_PORT"]),
        user=user, password=password, ssl_ca=os.environ["TEST_MARIADB_CA"],
        ssl_verify_cert=True, ssl_verify_identity=True, connect_timeout=10, autocommit=True)


def logs_in(user: str, password: str) -> bool:
    try:
        connect(user, password).close()
        return True
    except pymysql.err.OperationalError as error:
        if error.args and error.args[0] == 1045:
            return False
        raise


def print_stages(sm, arn: str, title: str) -> None:
    labels = sm.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    print(f"\n{title}")
    print(f"  {'version':<38} stages")
    for version, stage_list in labels.items():
        if stage_list:
            print(f"  {version:<38} {', '.join(sorted(stage_list))}")


def main() -> int:
    env = os.environ
    sm = boto3.client("secretsmanager", endpoint_url=env["SECRETS_MANAGER_ENDPOINT"])

    password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    with connect(env["TEST_MARIADB_ADMIN_USER"], env["TEST_MARIADB_ADMIN_PASSWORD"]) as admin:
        with admin.cursor() as cursor:
            cursor.execute("CREATE DATABASE IF NOT EXISTS appdb")
            cursor.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (USER,))
            cursor.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (USER, password))
            cursor.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (USER,))
    print(f"created MariaDB user {USER}@127.0.0.1 (GRANT SELECT ON appdb.*)")

    secret = {"engine": "mariadb", "host": env["TEST_MARIADB_HOST"],
              "port": int(env["TEST_MARIADB_PORT"]), "username": USER,
              "password": password, "dbname": "appdb"}
    arn = sm.create_secret(Name=f"demo/{USER}-{uuid.uuid4().hex[:6]}",
                           SecretString=json.dumps(secret))["ARN"]
    print(f"created secret {arn}")
    print_stages(sm, arn, "before rotation:")

    override = env.get("ROTATOR_COMMAND")
    command = shlex.split(override) if override else [str(REPO_ROOT / "bootstrap")]
    if not Path(command[0]).is_absolute() and (REPO_ROOT / command[0]).exists():
        command[0] = str(REPO_ROOT / command[0])
    function_env = {k: v for k, v in env.items() if k != "TEST_MARIADB_ADMIN_PASSWORD"}
    function_env.update({"ROTATION_STRATEGY": "self", "PASSWORD_LENGTH": "32",
                         "DB_CA_BUNDLE": env["TEST_MARIADB_CA"], "REQUIRE_TLS": "true"})
    log_path = Path(env.get("TEST_STATE_DIR") or tempfile.gettempdir()) / "demo-function.log"

    if "--check" in sys.argv[1:]:
        from .check import run_check
        ok, body = run_check(arn, None, function_env, log_path, timeout=60)
        print(json.dumps(body, indent=2))
        return 0 if ok else 1

    token = str(uuid.uuid4())
    sm.rotate_secret(SecretId=arn, ClientRequestToken=token,
                     RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:rotator",
                     RotationRules={"AutomaticallyAfterDays": 30})
    print(f"\nRotateSecret: new version {token} staged AWSPENDING (no value yet)")

    failed = False
    with Emulator(command, env=function_env, log_path=log_path, timeout=60,
                  task_root=Path(command[0]).resolve().parent, function_name="rotator") as emulator:
        for step in STEPS:
            started = time.monotonic()
            ok, body = emulator.invoke({"SecretId": arn, "ClientRequestToken": token, "Step": step})
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
    new_ok = logs_in(USER, current["password"])
    old_ok = logs_in(USER, password)
    print(f"\nnew password logs in: {'yes' if new_ok else 'NO'}")
    print(f"old password: {'still accepted' if old_ok else 'rejected'}")
    return 0 if (new_ok and not old_ok and not failed) else 1


if __name__ == "__main__":
    sys.exit(main())
