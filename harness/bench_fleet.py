#!/usr/bin/env python3
"""Measure the fleet check (`{"CheckAll": ...}`): how long one invocation
takes to check hundreds of secrets, at several concurrencies, and how many
database connections it holds open at once.

    python3 -m harness.bench_fleet [--secrets N] [--concurrency 1,4,8]
        [--timeout S] [--output FILE] [--command "BOOTSTRAP ARGS"]

Runs against the services of scripts/services.sh (source STATE_DIR/env
first; `scripts/bench.sh --fleet` does all of it). It makes N MariaDB users
and N secrets in moto that name the bench's function as their rotation
function (each with its own user, over verified TLS, the function's default
strategy), then for each concurrency starts a fresh function process through
the Runtime API emulator and sends one CheckAll, timing it at the caller and
reading the function's own durationMs. The server's Connections counter gives
the connections opened; Max_used_connections (after FLUSH STATUS) the most
open at once. Every secret must come back checked and healthy, or the run
fails. Nothing here prints a password.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from . import Emulator, SecretRegistry, Services, cpu_share, rotator_command, rotator_environment
from .secrets import mariadb_secret
from .services import AdminConnection

FUNCTION = "fleet-bench"


class Fleet:
    def __init__(self, services: Services, count: int) -> None:
        self.services = services
        self.sm = services.secrets_manager()
        self.admin = AdminConnection(services)
        self.registry = SecretRegistry()
        self.registry.add(services.admin_password)
        self.prefix = f"bench/fleet-{os.urandom(4).hex()}"
        self.users: list[str] = []
        self.arns: list[str] = []
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.function_arn = f"arn:aws:lambda:{region}:123456789012:function:{FUNCTION}"
        self.admin.sql("CREATE DATABASE IF NOT EXISTS appdb")
        for index in range(count):
            username = f"fleet_{os.urandom(5).hex()}"
            password = self.registry.new_password()
            self.admin.sql("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
            self.admin.sql("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
            self.users.append(username)
            secret = mariadb_secret(services.host, services.port, username, password, dbname="appdb")
            arn = self.sm.create_secret(Name=f"{self.prefix}/{index:04}", SecretString=json.dumps(secret))["ARN"]
            self.sm.rotate_secret(SecretId=arn, RotationLambdaARN=self.function_arn,
                                  RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
            self.arns.append(arn)

    def status(self, name: str) -> int:
        return int(self.admin.sql("SHOW GLOBAL STATUS LIKE %s", (name,))[0][1])

    def close(self) -> None:
        for username in self.users:
            self.admin.sql("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))
        for arn in self.arns:
            self.sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        self.admin.close()


def run(fleet: Fleet, command: list[str], task_root: Path, concurrency: int, timeout: float,
        log_dir: Path) -> dict:
    env = rotator_environment(fleet.services, METRICS_NAMESPACE="")
    log_path = log_dir / f"fleet-{concurrency}.log"
    with Emulator(command, env=env, log_path=log_path, timeout=timeout, task_root=task_root,
                  function_name=FUNCTION) as emulator:
        fleet.admin.sql("FLUSH STATUS")
        connections = fleet.status("Connections")
        started = time.perf_counter()
        ok, answer = emulator.invoke({"CheckAll": {"NamePrefix": fleet.prefix, "Concurrency": concurrency}})
        wall_ms = (time.perf_counter() - started) * 1000
        opened = fleet.status("Connections") - connections
        # The admin connection this reads over is one of them.
        peak = fleet.status("Max_used_connections") - 1
    log_text = log_path.read_text(errors="replace")
    leaks = fleet.registry.count_in([log_path]) + (1 if fleet.registry.redact(json.dumps(answer)) != json.dumps(answer)
                                                   else 0)
    if not ok:
        raise SystemExit(f"concurrency {concurrency}: the fleet check failed: {answer.get('errorType')}")
    if leaks:
        raise SystemExit("a password reached the answer or the log")
    if answer["checked"] != len(fleet.arns) or answer["failing"] != 0:
        raise SystemExit(f"concurrency {concurrency}: checked {answer['checked']} of {len(fleet.arns)}, "
                         f"failing {answer['failing']}: {[e['failed'] for e in answer['secrets'] if not e['ok']][:3]}")
    assert "fleet check done" in log_text
    return {
        "concurrency": concurrency, "secrets": len(fleet.arns), "checked": answer["checked"],
        "wall_ms": round(wall_ms, 1), "function_ms": answer["durationMs"],
        "ms_per_secret": round(answer["durationMs"] / len(fleet.arns), 2),
        "secrets_per_second": round(len(fleet.arns) / (answer["durationMs"] / 1000), 1),
        "estimated_1000_secrets_s": round(answer["durationMs"] / len(fleet.arns) * 1000 / 1000, 1),
        "connections_opened": opened, "connections_per_secret": round(opened / len(fleet.arns), 2),
        "peak_connections": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secrets", type=int, default=300)
    parser.add_argument("--concurrency", default="1,4,8")
    parser.add_argument("--timeout", type=float, default=300.0, help="the function's timeout, s")
    parser.add_argument("--output", default="bench-fleet-results.json")
    parser.add_argument("--command", help="the bootstrap to run (default: this checkout's)")
    cpu_share.add_memory_size_option(parser)
    args = parser.parse_args()
    if not 1 <= args.secrets <= 2000:
        parser.error("--secrets must be 1..2000")

    services = Services.from_environment()
    command, task_root = rotator_command(args.command)
    print(f"bench_fleet: making {args.secrets} users and secrets", file=sys.stderr)
    fleet = Fleet(services, args.secrets)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as log_dir, \
                cpu_share.limited(command, args.memory_size) as limited_command:
            for concurrency in [int(c) for c in args.concurrency.split(",")]:
                result = run(fleet, limited_command, task_root, concurrency, args.timeout, Path(log_dir))
                results.append(result)
                print(f"  concurrency {concurrency:>2}: {result['secrets']} secrets in {result['function_ms']} ms "
                      f"({result['secrets_per_second']}/s, {result['connections_per_secret']} connections each, "
                      f"at most {result['peak_connections']} open at once); 1,000 would take about "
                      f"{result['estimated_1000_secrets_s']} s", file=sys.stderr)
    finally:
        fleet.close()
    report = {"memory_size_mb": args.memory_size, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "load": Path("/proc/loadavg").read_text().split()[:3]},
              "runs": results}
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
