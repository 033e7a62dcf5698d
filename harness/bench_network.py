"""The rotation on a real-shaped network: HTTPS with keep-alive to Secrets
Manager, TLS to the database, and a round-trip time on both paths.

    python3 -m harness.bench_network [--rtt 0,2,20] [--rotations N] [--cold N]
        [--command BOOTSTRAP] [--output FILE]

Runs against the services of scripts/services.sh (scripts/bench.sh
--network does all of it). In front of moto sits a TLS front with its own
CA (harness/tls_front.py; the function trusts it through
AWS_CA_BUNDLE), and in front of the front and of MariaDB a latency proxy
(harness/latency_proxy.py) that delays each direction by RTT/2,
charges TCP's handshake, and records every round trip the function waits
for. For each RTT: --cold rotations each in a fresh process (spawned by
createSecret's invoke), then --rotations warm ones in one process. Per
step it reports the wall time at the caller and the *serial* round trips
(the most round trips that happened one after another; two at once count
once), and the total.

The bench's own traffic (RotateSecret, the harness's counters, the admin
connection) goes to the services directly, never through the proxies.
Nothing here prints a password.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from . import STEPS, Emulator, Services, ServicesMissing, bench, cpu_share, rotator_environment, start_rotation
from .latency_proxy import LatencyProxies, serial_round_trips
from .secrets import mariadb_secret
from .tls_front import TLSFront

REPO_ROOT = Path(__file__).resolve().parent.parent


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


class NetworkBench:
    def __init__(self, lab: bench.Lab, command: list[str], work: Path, task_root: Path):
        self.lab, self.command, self.work, self.task_root = lab, command, work, task_root
        services = lab.services
        self.front = TLSFront(services.endpoint, work / "front").start()
        self.proxies = LatencyProxies()
        self.sm_proxy = self.proxies.add("secretsmanager", "127.0.0.1", self.front.port)
        self.db_proxy = self.proxies.add("mariadb", services.host, services.port)
        self.samples: dict[str, list[float]] = {}
        self.log_offset = 0

    def stop(self) -> None:
        self.proxies.stop()
        self.front.stop()

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)

    def make_account(self) -> str:
        """A MariaDB user whose secret names the database through its proxy, TLS required."""
        lab = self.lab
        username = f"netbench_{uuid.uuid4().hex[:10]}"
        password = lab.registry.new_password()
        lab.admin.sql("CREATE DATABASE IF NOT EXISTS appdb")
        lab.admin.sql("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
        lab.admin.sql("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
        secret = mariadb_secret("127.0.0.1", self.db_proxy.port, username, password, dbname="appdb", ssl=True)
        return lab.sm.create_secret(Name=f"netbench/{username}", SecretString=json.dumps(secret))["ARN"]

    def start_function(self, log: Path) -> Emulator:
        env = rotator_environment(
            self.lab.services, SECRETS_MANAGER_ENDPOINT=f"https://127.0.0.1:{self.sm_proxy.port}",
            AWS_CA_BUNDLE=str(self.front.ca_path), AWS_LAMBDA_LOG_FORMAT="JSON")
        return Emulator(self.command, env=env, log_path=log, task_root=self.task_root, timeout=30.0,
                        function_name="rotator")

    def rotate(self, emulator: Emulator, arn: str, rtt_ms: float, kind: str) -> None:
        lab = self.lab
        token = start_rotation(lab.sm, arn)
        lab.moto.reset_calls()
        connections_before = lab.connections()
        rtt = rtt_ms / 1000
        rotation_started = time.monotonic()
        all_turns = []
        for step in STEPS:
            started = time.monotonic()
            ok, body = emulator.invoke({"SecretId": arn, "ClientRequestToken": token, "Step": step})
            ended = time.monotonic()
            if not ok:
                error_type = body.get("errorType") if isinstance(body, dict) else None
                raise bench.BenchError(f"{step} failed at {rtt_ms} ms RTT ({error_type})")
            turns = self.proxies.turns_between(started, ended)
            all_turns += turns
            prefix = f"{rtt_ms:g}/{kind}/{step}"
            self.add(f"{prefix}/ms", (ended - started) * 1000)
            self.add(f"{prefix}/turns", len(turns))
            self.add(f"{prefix}/serial", serial_round_trips(turns, rtt) if rtt > 0 else len(turns))
        prefix = f"{rtt_ms:g}/{kind}/rotation"
        self.add(f"{prefix}/ms", (time.monotonic() - rotation_started) * 1000)
        self.add(f"{prefix}/turns", len(all_turns))
        self.add(f"{prefix}/serial", serial_round_trips(all_turns, rtt) if rtt > 0 else len(all_turns))
        # The function's own durationMs: a cold createSecret's excess over a warm
        # one is the first HTTPS request's set-up (TCP, TLS handshake, CA loading).
        lines, self.log_offset = bench.function_log_lines(self.log, self.log_offset)
        for line in lines:
            if "durationMs" in line:
                self.add(f"{rtt_ms:g}/{kind}/{line['step']}/in_function_ms", float(line["durationMs"]))
        self.add(f"{rtt_ms:g}/{kind}/db_connections", lab.connections() - connections_before)
        self.add(f"{rtt_ms:g}/{kind}/secrets_manager_calls",
                 sum(lab.moto.calls().values()))

    def run(self, rtts: list[float], rotations: int, cold: int, log_dir: Path) -> None:
        for rtt_ms in rtts:
            # A connection keeps the RTT it was opened with: every process starts after the change.
            self.proxies.set_rtt(rtt_ms / 1000)
            arn = self.make_account()
            log = log_dir / f"rtt-{rtt_ms:g}.log"
            self.log, self.log_offset = log, 0
            with self.start_function(log) as emulator:
                for _ in range(cold):
                    self.rotate(emulator, arn, rtt_ms, "cold")
                    emulator.kill()
                self.rotate(emulator, arn, rtt_ms, "cold")
                for _ in range(rotations):
                    self.rotate(emulator, arn, rtt_ms, "warm")
                if emulator.state()["cold_starts"] != cold + 1:
                    raise bench.BenchError("the function restarted during the warm rotations")
            if self.lab.registry.count_in([log]):
                raise bench.BenchError("a password appears in the function's log")
            if not self.lab.current_password_logs_in(arn):
                raise bench.BenchError(f"after the rotations at {rtt_ms} ms the AWSCURRENT password does not log in")

    def table(self, rtts: list[float]) -> list[str]:
        def cell(prefix: str) -> str:
            ms = median(self.samples.get(f"{prefix}/ms", []))
            serial = median(self.samples.get(f"{prefix}/serial", []))
            turns = median(self.samples.get(f"{prefix}/turns", []))
            if ms is None:
                return ""
            shown = f"{serial:g}" if serial == turns else f"{serial:g} ({turns:g})"
            return f"{ms:g} ms · {shown} RT"

        header = "| | " + " | ".join(f"{rtt:g} ms RTT" for rtt in rtts) + " |"
        lines = [header, "|---" * (len(rtts) + 1) + "|"]
        for kind in ("warm", "cold"):
            for step in ("rotation",) + STEPS:
                label = f"**{kind} rotation**" if step == "rotation" else f"— {step}, {kind}"
                lines.append(f"| {label} | " + " | ".join(cell(f"{rtt:g}/{kind}/{step}") for rtt in rtts) + " |")
        # The function's own durationMs: a cold createSecret's excess over a
        # warm one is its first HTTPS request's set-up (TCP, TLS, CA loading).
        lines += ["", "| createSecret, in the function (ms) | " + " | ".join(f"{rtt:g} ms RTT" for rtt in rtts) + " |",
                  "|---" * (len(rtts) + 1) + "|"]
        for kind in ("cold", "warm"):
            cells = [median(self.samples.get(f"{rtt:g}/{kind}/createSecret/in_function_ms", [])) for rtt in rtts]
            lines.append(f"| {kind} | " + " | ".join("" if c is None else f"{c:g}" for c in cells) + " |")
        return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", default="0,2,20", help="round-trip times in ms, comma-separated (default 0,2,20)")
    parser.add_argument("--rotations", type=int, default=10, help="warm rotations per RTT (default 10)")
    parser.add_argument("--cold", type=int, default=3, help="extra fresh processes per RTT (default 3)")
    parser.add_argument("--command", default=str(REPO_ROOT / "bootstrap"))
    parser.add_argument("--output", default="bench-network-results.json")
    cpu_share.add_memory_size_option(parser)
    args = parser.parse_args(argv)
    rtts = [float(value) for value in args.rtt.split(",") if value.strip()]
    if not rtts or any(not 0 <= rtt <= 500 for rtt in rtts):
        parser.error("--rtt takes milliseconds from 0 to 500")

    try:
        lab = bench.Lab(Services.from_environment())
    except ServicesMissing as error:
        raise bench.BenchError(f"{error}; use scripts/bench.sh --network") from error
    with tempfile.TemporaryDirectory(prefix="bench-network-") as work, \
            cpu_share.limited([args.command], args.memory_size) as command:
        network = NetworkBench(lab, command, Path(work), Path(args.command).resolve().parent)
        try:
            network.run(rtts, args.rotations, args.cold, Path(work))
        finally:
            network.stop()
    lines = network.table(rtts)
    print("\nmedians; RT = serial round trips the function waited for (total in brackets when some overlapped)")
    print("\n".join(lines))
    results = {
        "rtt_ms": rtts, "memory_size_mb": args.memory_size,
        "rotations_warm": args.rotations, "cold_processes": args.cold + 1,
        "load": [round(value, 2) for value in os.getloadavg()],
        "figures": {key: bench.summary(values) for key, values in sorted(network.samples.items())},
        "table": lines,
    }
    bench.write_results(args.output, results)
    return 0


if __name__ == "__main__":
    bench.run(main)
