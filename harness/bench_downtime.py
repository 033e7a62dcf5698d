#!/usr/bin/env python3
"""Downtime as a figure: failed logins of an application that caches its
secret while the secret is rotated, per strategy.

    python3 scripts/bench_downtime.py [--rotations N] [--cache-seconds S]
        [--interval-ms MS] [--variants self,admin,alternating,admin+keep]
        [--command BOOTSTRAP] [--output FILE]

Runs against the services of scripts/services.sh, with scripts/ on
PYTHONPATH (scripts/bench.sh --downtime starts them, builds the zip and
sets both). For each variant a fresh
account (mysql_native_password, so pymysql's login is the application's)
and, for admin and alternating, an admin holding the README's grants; then
a client thread that, like AWS's caching clients, keeps the secret's
AWSCURRENT for --cache-seconds (default 0.5) and opens a new connection
every --interval-ms (default 10) while the function runs --rotations
(default 2) rotations through the Runtime API emulator, --gap-seconds
apart (default: two cache lifetimes; scheduled rotations are days apart,
and KEEP_PREVIOUS_PASSWORD keeps one previous password, not two), and for
two cache lifetimes after the last. It reports every login attempt that
failed and the longest run of failures (from the first failed attempt to
the next one that succeeded).

The goal (issue 19): no failed login with one user, i.e. `admin` with
KEEP_PREVIOUS_PASSWORD=true; `alternating` reaches it with two users.
This is a benchmark, not a test: its figures depend on the machine.
Nothing here prints a password.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pymysql

from . import (
    REPO_ROOT,
    STEPS,
    Emulator,
    SecretRegistry,
    Services,
    ServicesMissing,
    event,
    rotator_environment,
    start_rotation,
)
from .secrets import mariadb_secret
from .services import AdminConnection

VARIANTS = {
    "self": {"ROTATION_STRATEGY": "self"},
    "admin": {"ROTATION_STRATEGY": "admin"},
    "alternating": {"ROTATION_STRATEGY": "alternating"},
    "admin+keep": {"ROTATION_STRATEGY": "admin", "KEEP_PREVIOUS_PASSWORD": "true"},
}
ADMIN_GRANTS = ("CREATE USER ON *.*", "SELECT ON mysql.*", "ALL PRIVILEGES ON appdb.* WITH GRANT OPTION")


class BenchError(RuntimeError):
    pass


class CachingClient(threading.Thread):
    """Logs in every `interval` seconds with the secret it cached, as an
    application using a caching Secrets Manager client would."""

    def __init__(self, services: Services, arn: str, cache_seconds: float, interval: float,
                 registry: SecretRegistry) -> None:
        super().__init__(daemon=True)
        self.services, self.arn = services, arn
        self.cache_seconds, self.interval = cache_seconds, interval
        self.registry = registry
        self.sm = services.secrets_manager()
        self.stopping = threading.Event()
        self.attempts: list[tuple[float, bool]] = []
        self.errors: dict[str, int] = {}
        self._cached: tuple[float, dict[str, Any]] | None = None

    def secret(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] >= self.cache_seconds:
            value = json.loads(self.sm.get_secret_value(SecretId=self.arn)["SecretString"])
            self.registry.add(value["password"])
            self._cached = (now, value)
        return self._cached[1]

    def login(self, secret: dict[str, Any]) -> bool:
        try:
            connection = pymysql.connect(
                host=self.services.host, port=self.services.port, user=secret["username"],
                password=secret["password"], ssl_ca=self.services.ca, ssl_verify_cert=True,
                ssl_verify_identity=True, connect_timeout=5)
        except pymysql.err.OperationalError as error:
            code = str(error.args[0]) if error.args else "?"
            self.errors[code] = self.errors.get(code, 0) + 1
            return False
        connection.close()
        return True

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            self.attempts.append((started, self.login(self.secret())))
            # Pacing, not synchronisation: the client's own request rate.
            self.stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def figures(self) -> dict[str, Any]:
        failed = sum(1 for _, ok in self.attempts if not ok)
        longest = 0.0
        run_start: float | None = None
        for at, ok in self.attempts:
            if not ok and run_start is None:
                run_start = at
            elif ok and run_start is not None:
                longest = max(longest, at - run_start)
                run_start = None
        if run_start is not None:
            longest = max(longest, self.attempts[-1][0] - run_start)
        return {"attempts": len(self.attempts), "failed_logins": failed,
                "longest_failure_ms": round(longest * 1000, 1), "errors": self.errors}


class Lab:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sm = services.secrets_manager()
        self.registry = SecretRegistry()
        self.registry.add(services.admin_password)
        self.admin = AdminConnection(services)
        self.created: list[str] = []

    def secret(self, username: str, password: str, **extra: Any) -> str:
        value = mariadb_secret(self.services.host, self.services.port, username, password, dbname="appdb", **extra)
        return self.sm.create_secret(Name=f"bench-downtime/{username}", SecretString=json.dumps(value))["ARN"]

    def user(self, prefix: str, grants: tuple[str, ...]) -> tuple[str, str]:
        username = f"{prefix}_{os.urandom(4).hex()}"
        password = self.registry.new_password()
        self.admin.sql("CREATE DATABASE IF NOT EXISTS appdb")
        self.admin.sql("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
        for grant in grants:
            privileges, _, option = grant.partition(" WITH ")
            self.admin.sql(f"GRANT {privileges} TO %s@'127.0.0.1'" + (f" WITH {option}" if option else ""), (username,))
        self.created += [username, username + "_clone"]
        return username, password

    def drop_users(self) -> None:
        for username in self.created:
            self.admin.sql("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))


def measure(lab: Lab, name: str, command: list[str], args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if name != "self":
        admin_user, admin_password = lab.user("dt_admin", ADMIN_GRANTS)
        extra["masterarn"] = lab.secret(admin_user, admin_password)
    username, password = lab.user("dt_app", ("SELECT ON appdb.*",))
    arn = lab.secret(username, password, **extra)
    log = log_dir / f"{name.replace('+', '-')}.log"
    env = rotator_environment(lab.services, **VARIANTS[name])
    client = CachingClient(lab.services, arn, args.cache_seconds, args.interval_ms / 1000, lab.registry)
    with Emulator(command, env=env, log_path=log, task_root=Path(command[0]).resolve().parent,
                  timeout=30.0, function_name="rotator") as emulator:
        # A warm process, as a scheduled rotation usually finds it; the
        # client starts only once the function is ready.
        ok, _ = emulator.invoke({"Check": {"SecretId": arn}})
        client.start()
        client.stopping.wait(args.cache_seconds)  # pacing: one cache lifetime before the first rotation
        started = time.monotonic()
        for index in range(args.rotations):
            if index:
                client.stopping.wait(args.gap_seconds)  # pacing between rotations
            token = start_rotation(lab.sm, arn)
            for step in STEPS:
                ok, body = emulator.invoke(event(arn, token, step))
                if not ok:
                    error_type = body.get("errorType") if isinstance(body, dict) else None
                    client.stopping.set()
                    raise BenchError(f"{name}: {step} failed ({error_type}); see {log}")
        rotating = time.monotonic() - started - args.gap_seconds * (args.rotations - 1)
        client.stopping.wait(args.cache_seconds * 2)  # pacing: the last cache expires
        client.stopping.set()
        client.join(timeout=10)
    if lab.registry.count_in([log]):
        raise BenchError(f"{name}: a password is in the function's log {log}")
    return {**client.figures(), "rotations": args.rotations, "rotating_ms": round(rotating * 1000, 1)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rotations", type=int, default=2)
    parser.add_argument("--cache-seconds", type=float, default=0.5)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--gap-seconds", type=float, help="between rotations (default: 2 x --cache-seconds)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--command", default=str(REPO_ROOT / "bootstrap"))
    parser.add_argument("--output", default="bench-downtime-results.json")
    args = parser.parse_args(argv)
    if args.gap_seconds is None:
        args.gap_seconds = 2 * args.cache_seconds
    try:
        services = Services.from_environment()
    except ServicesMissing as error:
        print(f"bench_downtime: {error}; run scripts/bench.sh --downtime", file=sys.stderr)
        return 2
    command = args.command.split()
    lab = Lab(services)
    log_dir = Path(args.output).resolve().parent / "bench-downtime-logs"
    log_dir.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    try:
        for name in args.variants.split(","):
            if name not in VARIANTS:
                parser.error(f"unknown variant {name}; one of {', '.join(VARIANTS)}")
            results[name] = measure(lab, name, command, args, log_dir)
            figures = results[name]
            print(f"{name:12} {figures['failed_logins']:4} failed of {figures['attempts']:5} logins, "
                  f"longest failure run {figures['longest_failure_ms']:7.1f} ms", file=sys.stderr)
    finally:
        lab.drop_users()
    report = {"settings": {"rotations": args.rotations, "cache_seconds": args.cache_seconds,
                           "gap_seconds": args.gap_seconds, "interval_ms": args.interval_ms,
                           "load": os.getloadavg()},
              "variants": results,
              "goal": "0 failed logins with one user (admin+keep)",
              "goal_met": results.get("admin+keep", {}).get("failed_logins") == 0}
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"bench_downtime: wrote {args.output}", file=sys.stderr)
    return 0 if report["goal_met"] or "admin+keep" not in results else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
