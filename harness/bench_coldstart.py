"""Cold start under Lambda's CPU share: spawn → the function's first `GET /next`.

    python3 -m harness.bench_coldstart --function DIR [--memory-size 128,512,1769]
        [--runs 30] [--output FILE]

DIR is the unpacked deployment zip (scripts/bench.sh --coldstart makes it).
For each memory size, --runs times: a fresh `DIR/bootstrap` is spawned as
Lambda spawns it (Lambda's environment variables, LAMBDA_TASK_ROOT=DIR as
the working directory) inside a cgroup holding that size's CPU share
(harness/cpu_share.py), with AWS_LAMBDA_RUNTIME_API pointing at a listener
here. The time from just before the spawn to the moment its first request
line, `GET /2018-06-01/runtime/invocation/next`, arrives is the cold start
(what Lambda bills as Init Duration, less the sandbox's own set-up); the
process is then killed and its CPU time (user + system, from wait4's rusage)
read. Nothing else is measured, so this listener is a socket, not the
emulator: it only has to hear the first poll.

The figures are median and 90th percentile over the runs, and the machine's
load before and after: a shared machine's other work shows up as spread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .cpu_share import CpuShare, CpuShareError

FIRST_POLL = b"GET /2018-06-01/runtime/invocation/next "
START_TIMEOUT_S = 10.0


class ColdStartError(RuntimeError):
    pass


def lambda_environment(task_root: Path, api_address: str, memory_mb: int) -> dict[str, str]:
    """What Lambda sets for a provided.al2023 function, and the template's defaults."""
    return {
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_LAMBDA_FUNCTION_NAME": "mysql-rotator",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/mysql-rotator",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "bench-not-a-secret",
        "AWS_SESSION_TOKEN": "bench",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "bootstrap",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/lib64:/usr/lib64",
        "ROTATION_STRATEGY": "self",
        "REQUIRE_TLS": "true",
    }


def one_start(task_root: Path, share: CpuShare) -> tuple[float, float]:
    """One cold start: (ms from spawn to the first poll, ms of CPU the process used)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(START_TIMEOUT_S)
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        env = lambda_environment(task_root, address, share.memory_mb)
        started = time.perf_counter()
        # preexec_fn joins the cgroup between fork and exec: bootstrap's shell,
        # the loader and the binary all run under the share, this Python does not.
        proc = subprocess.Popen([str(task_root / "bootstrap")], cwd=task_root, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=share.join)
        try:
            connection, _ = listener.accept()
            with connection:
                connection.settimeout(START_TIMEOUT_S)
                request = b""
                while b"\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                elapsed_ms = (time.perf_counter() - started) * 1000
        except TimeoutError as error:
            raise ColdStartError(f"{task_root}/bootstrap did not poll within {START_TIMEOUT_S:.0f} s") from error
        finally:
            proc.send_signal(signal.SIGKILL)
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
    if not request.startswith(FIRST_POLL):
        line = request.split(b"\r\n", 1)[0][:80].decode("ascii", "replace")
        raise ColdStartError(f"the first request was not GET /next but {line!r} (an init error?)")
    return elapsed_ms, (usage.ru_utime + usage.ru_stime) * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fresh_start(task_root: Path, memory_mb: int) -> tuple[float, float]:
    """One cold start in a cgroup of its own: a new sandbox starts with its whole
    quota, while a cgroup shared with the previous start may have spent it."""
    with CpuShare(memory_mb) as share:
        return one_start(task_root, share)


def measure(task_root: Path, memory_mb: int, runs: int) -> dict[str, Any]:
    share = CpuShare(memory_mb)
    print(f"bench_coldstart: {share.describe()}, a fresh cgroup per start", file=sys.stderr)
    fresh_start(task_root, memory_mb)  # the page cache warm, as for an image Lambda has cached
    samples = [fresh_start(task_root, memory_mb) for _ in range(runs)]
    wall = [sample[0] for sample in samples]
    cpu = [sample[1] for sample in samples]
    return {
        "memory_mb": memory_mb, "quota_us_per_100ms": share.quota_us, "runs": runs,
        "cold_start_ms": {"median": round(statistics.median(wall), 1), "p90": round(percentile(wall, 0.9), 1),
                          "min": round(min(wall), 1), "max": round(max(wall), 1)},
        "cpu_ms": {"median": round(statistics.median(cpu), 1), "p90": round(percentile(cpu, 0.9), 1),
                   "min": round(min(cpu), 1), "max": round(max(cpu), 1)},
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--function", required=True, type=Path, help="the unpacked deployment zip")
    parser.add_argument("--memory-size", default="128,512,1769",
                        help="comma-separated Lambda memory sizes in MB (default 128,512,1769)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    task_root = args.function.resolve()
    if not (task_root / "bootstrap").is_file():
        parser.error(f"{task_root} holds no bootstrap (unpack the zip there)")
    sizes = [int(size) for size in args.memory_size.split(",") if size]
    load_before = os.getloadavg()
    try:
        results = [measure(task_root, size, args.runs) for size in sizes]
    except (CpuShareError, ColdStartError) as error:
        print(f"bench_coldstart: {error}", file=sys.stderr)
        return 1
    machine: dict[str, Any] = {"cpus": os.cpu_count(), "kernel": platform.release(),
               "load_before": [round(x, 2) for x in load_before],
               "load_after": [round(x, 2) for x in os.getloadavg()]}
    report: dict[str, Any] = {"machine": machine, "results": results}
    for result in results:
        wall, cpu = result["cold_start_ms"], result["cpu_ms"]
        print(f"{result['memory_mb']:>5} MB  cold start median {wall['median']:7.1f} ms"
              f"  p90 {wall['p90']:7.1f} ms"
              f"  (min {wall['min']}, max {wall['max']})"
              f"   CPU median {cpu['median']:5.1f} ms  p90 {cpu['p90']:5.1f} ms")
    print(f"load before {machine['load_before']}, after {machine['load_after']}")
    if args.output:
        args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
