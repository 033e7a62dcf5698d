"""Measure the rotation function: init, step and rotation wall time, peak
RSS, Secrets Manager calls and database connections per rotation.

    python3 -m harness.bench [--rotations N] [--cold N] [--output FILE]
        [--command "BOOTSTRAP ARGS"] [--zip FILE] [--variants ssl,nossl]

Runs against the services of scripts/services.sh (source STATE_DIR/env
first; scripts/bench.sh does all of it). For each variant it:

* starts the function through harness/runtime_emulator.py, exactly as the
  end-to-end tests do, and runs one rotation in each of --cold fresh
  processes (cold: the process is spawned by createSecret's invoke, so the
  rotation's time includes init), then --rotations more in one process
  after its first (warm);
* times every invoke at the caller (HTTP to the emulator included) and
  reads the function's own per-step log line (durationMs, calls, connections);
* counts Secrets Manager calls by operation (moto's /_harness/calls, reset
  after RotateSecret so only the function's calls count) and database
  connection attempts (the server's Connections counter, read over one
  admin connection held open for the whole run, so it adds none itself);
* reads VmHWM of the function process before it is killed.

Nothing here prints a password: secret values stay in memory, and the
function's log (which the bench parses) is checked for them at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import (
    REPO_ROOT,
    STEPS,
    Emulator,
    MotoHarness,
    SecretRegistry,
    Services,
    ServicesMissing,
    cpu_share,
    event,
    logs_in,
    rotator_command,
    rotator_environment,
    start_rotation,
)
from .rotator import json_log_records
from .secrets import mariadb_secret
from .services import AdminConnection

# The goals, checked in the summary; each maps a figure to its bound.
GOALS = {
    "init_ms": ("init ≤ 10 ms", 10.0),
    "rotation_warm_ms": ("warm rotation ≤ 60 ms", 60.0),
    "peak_rss_mb": ("peak RSS ≤ 12 MB", 12.0),
    "zip_mib": ("zip ≤ 8 MiB", 8.0),
    "secrets_manager_calls": ("≤ 10 Secrets Manager calls per rotation", 10.0),
    "db_connections": ("≤ 3 DB connections per rotation (ssl set)", 3.0),
}


class BenchError(RuntimeError):
    pass


def summary(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None}
    return {"n": len(values), "median": round(statistics.median(values), 2),
            "min": round(min(values), 2), "max": round(max(values), 2)}


class Lab:
    """The services, with what the bench reads from them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.sm = services.secrets_manager()
        self.moto = MotoHarness(services.endpoint)
        # One admin connection for the whole run: Connections counts connection
        # attempts, so a fresh admin connection per reading would count itself.
        self.admin = AdminConnection(services)
        self.registry = SecretRegistry()
        self.registry.add(services.admin_password)

    def connections(self) -> int:
        return int(self.admin.sql("SHOW GLOBAL STATUS LIKE 'Connections'")[0][1])

    def make_account(self, ssl: bool | None) -> str:
        """A MariaDB user and its secret; returns the secret's ARN."""
        username = f"bench_{os.urandom(5).hex()}"
        password = self.registry.new_password()
        self.admin.sql("CREATE DATABASE IF NOT EXISTS appdb")
        self.admin.sql("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
        self.admin.sql("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
        secret = mariadb_secret(self.services.host, self.services.port, username, password, dbname="appdb")
        if ssl is not None:
            secret["ssl"] = ssl
        created = self.sm.create_secret(Name=f"bench/{username}", SecretString=json.dumps(secret))
        return created["ARN"]

    def current_password_logs_in(self, arn: str) -> bool:
        secret = json.loads(self.sm.get_secret_value(SecretId=arn)["SecretString"])
        self.registry.add(secret["password"])
        return logs_in(self.services, secret["username"], secret["password"])


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise BenchError(f"no VmHWM for pid {pid}")


def function_log_lines(log: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The function's JSON step lines written since `offset`, and the new offset."""
    with open(log, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    lines = [record for record in json_log_records(data.decode("utf-8", "replace")) if "step" in record]
    return lines, offset + len(data)


class Variant:
    def __init__(self, name: str, ssl: bool | None, lab: Lab,
                 command: list[str], task_root: Path, log_dir: Path):
        self.name, self.ssl, self.lab = name, ssl, lab
        self.command, self.task_root = command, task_root
        self.log = log_dir / f"{name}.log"
        self.log_offset = 0
        self.samples: dict[str, list[float]] = {}
        self.operations: dict[str, list[int]] = {}
        self.in_function: dict[str, list[float]] = {}

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)

    def environment(self) -> dict[str, str]:
        # JSON log lines, which the bench parses; REQUIRE_TLS at its default,
        # so the nossl variant measures what the secret alone decides.
        return rotator_environment(self.lab.services, AWS_LAMBDA_LOG_FORMAT="JSON", REQUIRE_TLS=None)

    def start(self) -> Emulator:
        return Emulator(self.command, env=self.environment(), log_path=self.log, task_root=self.task_root,
                        timeout=30.0, function_name="rotator")

    def rotate(self, emulator: Emulator, arn: str, kind: str) -> None:
        """One rotation: RotateSecret (not timed), then the four steps through the emulator."""
        lab = self.lab
        token = start_rotation(lab.sm, arn)
        lab.moto.reset_calls()
        connections_before = lab.connections()
        started = time.perf_counter()
        for step in STEPS:
            step_started = time.perf_counter()
            ok, body = emulator.invoke(event(arn, token, step))
            elapsed = (time.perf_counter() - step_started) * 1000
            if not ok:
                error_type = body.get("errorType") if isinstance(body, dict) else None
                raise BenchError(f"{self.name}: {step} failed ({error_type}); see {self.log}")
            self.add(f"step_{kind}_{step}_ms", elapsed)
        self.add(f"rotation_{kind}_ms", (time.perf_counter() - started) * 1000)
        # The SHOW STATUS connection is the admin's own, held open: it adds nothing.
        self.add("db_connections", lab.connections() - connections_before)
        calls = lab.moto.calls()
        self.add("secrets_manager_calls", sum(calls.values()))
        for operation, count in calls.items():
            self.operations.setdefault(operation, []).append(count)

        lines, self.log_offset = function_log_lines(self.log, self.log_offset)
        for line in lines:
            logged_step = line.get("step")
            if "durationMs" in line:
                self.in_function.setdefault(f"{logged_step}_ms", []).append(float(line["durationMs"]))
            if line.get("level") != "INFO":
                raise BenchError(f"{self.name}: {logged_step} logged {line.get('level')}; see {self.log}")

    def run(self, rotations: int, cold: int) -> None:
        arn = self.lab.make_account(self.ssl)
        # Cold: a fresh process per rotation, spawned by createSecret's invoke.
        with self.start() as emulator:
            for _ in range(cold):
                self.rotate(emulator, arn, "cold")
                state = emulator.state()
                self.add("init_ms", state["last_init_ms"])
                self.add("peak_rss_mb", peak_rss_kib(state["pid"]) / 1024)
                emulator.kill()
            # Warm: one more process; its first rotation is cold, the rest are warm.
            self.rotate(emulator, arn, "cold")
            state = emulator.state()
            self.add("init_ms", state["last_init_ms"])
            for _ in range(rotations):
                self.rotate(emulator, arn, "warm")
            state = emulator.state()
            if state["cold_starts"] != cold + 1:
                raise BenchError(f"{self.name}: the function restarted during the warm rotations")
            self.add("peak_rss_mb", peak_rss_kib(state["pid"]) / 1024)
            self.warm_process_peak_rss_mb = peak_rss_kib(state["pid"]) / 1024
        if not self.lab.current_password_logs_in(arn):
            raise BenchError(f"{self.name}: after the rotations the AWSCURRENT password does not log in")

    def results(self) -> dict[str, Any]:
        figures = {key: summary(values) for key, values in self.samples.items()}
        return {
            "ssl": self.ssl,
            "figures": figures,
            "secrets_manager_calls_by_operation": {op: summary(v) for op, v in sorted(self.operations.items())},
            "in_function_step_ms": {key: summary(v) for key, v in self.in_function.items()},
            "warm_process_peak_rss_mb": round(self.warm_process_peak_rss_mb, 2),
        }


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def print_table(name: str, result: dict[str, Any]) -> None:
    print(f"\n== {name} (ssl={json.dumps(result['ssl'])}) ==")
    print(f"{'figure':34} {'n':>4} {'median':>9} {'min':>9} {'max':>9}")
    for key, figure in result["figures"].items():
        print(f"{key:34} {figure['n']:>4} {figure['median']:>9} {figure['min']:>9} {figure['max']:>9}")
    print("Secrets Manager calls per rotation by operation (median):")
    for operation, figure in result["secrets_manager_calls_by_operation"].items():
        print(f"  {operation:32} {figure['median']}")
    print("in-function durationMs by step (median):")
    for key, figure in result["in_function_step_ms"].items():
        print(f"  {key:32} {figure['median']}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rotations", type=int, default=20, help="warm rotations per variant (default 20)")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per variant (default 5)")
    parser.add_argument("--output", default="bench-results.json")
    parser.add_argument("--command", default=str(REPO_ROOT / "bootstrap"),
                        help="the function's bootstrap (default: this checkout's)")
    parser.add_argument("--zip", help="the deployment zip, for its size")
    parser.add_argument("--variants", default="ssl,nossl",
                        help="ssl (secret has \"ssl\": true), nossl (no ssl key)")
    parser.add_argument("--label", default="", help="free text stored with the results")
    cpu_share.add_memory_size_option(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.rotations <= 1000 or not 0 <= args.cold <= 100:
        parser.error("--rotations must be 1..1000 and --cold 0..100")

    command, task_root = rotator_command(args.command)
    try:
        lab = Lab(Services.from_environment())
    except ServicesMissing as error:
        raise BenchError(f"{error}; use scripts/bench.sh, or source a services.sh env file") from None
    # name: the secret's ssl key
    known = {"ssl": True, "nossl": None}
    names = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(unknown)}")

    results: dict[str, Any] = {
        "label": args.label,
        "command": args.command,
        "memory_size_mb": args.memory_size,
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "load_before": load()},
        "rotations_warm": args.rotations,
        "cold_processes": args.cold + 1,
        "variants": {},
        "goals": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as log_dir, \
            cpu_share.limited(command, args.memory_size) as limited_command:
        for name in names:
            variant = Variant(name, known[name], lab, limited_command, task_root, Path(log_dir))
            variant.run(args.rotations, args.cold)
            results["variants"][name] = variant.results()
            # The function's log must hold no password the bench made or saw.
            if lab.registry.count_in([variant.log]):
                raise BenchError(f"{name}: a password appears in the function's log")
    results["machine"]["load_after"] = load()

    if args.zip:
        results["zip_bytes"] = os.path.getsize(args.zip)
        results["zip_mib"] = round(results["zip_bytes"] / 1024 / 1024, 2)

    primary = results["variants"].get("ssl") or next(iter(results["variants"].values()))
    for key, (goal, bound) in GOALS.items():
        if key == "zip_mib":
            value = results.get("zip_mib")
        else:
            value = primary["figures"].get(key, {}).get("median")
        results["goals"][key] = {"goal": goal, "median": value,
                                 "met": None if value is None else value <= bound}

    for name, result in results["variants"].items():
        print_table(name, result)
    if "zip_mib" in results:
        print(f"\nzip: {results['zip_bytes']} bytes ({results['zip_mib']} MiB)")
    print(f"load average before {results['machine']['load_before']}, after {results['machine']['load_after']}"
          f" on {results['machine']['cpus']} CPUs")
    print("\ngoals (medians of the ssl variant):")
    for goal in results["goals"].values():
        verdict = "n/a" if goal["met"] is None else ("met" if goal["met"] else "MISSED")
        print(f"  {goal['goal']:45} {goal['median']!s:>8}  {verdict}")

    write_results(args.output, results)
    return 0


def write_results(output: str, results: dict[str, Any]) -> None:
    Path(output).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {output}")


def run(main: Callable[[list[str]], int]) -> NoReturn:
    """A bench's entry point: a BenchError ends it with one line and status 1, not a traceback."""
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run(main)
