"""Lambda's CPU share for a memory size, as a cgroup CPU limit.

Lambda gives a function CPU in proportion to its memory: one vCPU at
1,769 MB, so 128 MB gets about 7.2 % of one core (and 10,240 MB six). The
kernel enforces such a share with a CFS quota: so many microseconds of CPU
per 100 ms period, here `round(100000 * memory / 1769)`. A process that
needs more than its quota in a period waits for the next one, which is what
makes a 14 ms start-up take 200 ms at 128 MB.

`CpuShare(memory_mb)` makes a cgroup with that quota (cgroup v2 `cpu.max`,
else cgroup v1 `cpu.cfs_quota_us`) and removes it on exit; `wrap(command)`
returns a command that moves itself into the cgroup and then execs the
function, so only the function's own CPU counts (not the emulator's, nor
the Python that spawns it). Needs root, like any cgroup.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

PERIOD_US = 100_000
FULL_VCPU_MB = 1769
# Lambda's memory settings: 128 MB to 10,240 MB.
MIN_MB, MAX_MB = 128, 10240
CGROUP_ROOT = Path("/sys/fs/cgroup")


class CpuShareError(RuntimeError):
    pass


def quota_us(memory_mb: int) -> int:
    """Microseconds of CPU per 100 ms period that Lambda gives `memory_mb`."""
    if not MIN_MB <= memory_mb <= MAX_MB:
        raise CpuShareError(f"memory size {memory_mb} MB is outside Lambda's {MIN_MB}–{MAX_MB} MB")
    return round(PERIOD_US * memory_mb / FULL_VCPU_MB)


def _cgroup_parent() -> tuple[Path, bool]:
    """Where to make the cgroup, and whether it is cgroup v2."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return CGROUP_ROOT, True
    if (CGROUP_ROOT / "cpu" / "cpu.cfs_quota_us").exists():
        return CGROUP_ROOT / "cpu", False
    raise CpuShareError(f"no cgroup CPU controller under {CGROUP_ROOT} (v2 cpu.max or v1 cpu/)")


class CpuShare:
    """A cgroup holding Lambda's CPU share for `memory_mb`, removed on exit."""

    _made = 0  # cgroups made by this process, for unique names

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.quota_us = quota_us(memory_mb)
        parent, self.v2 = _cgroup_parent()
        CpuShare._made += 1
        self.path = parent / f"rotator-bench-{os.getpid()}-{CpuShare._made}-{memory_mb}mb"

    def __enter__(self) -> CpuShare:
        try:
            if self.v2:
                controllers = (CGROUP_ROOT / "cgroup.subtree_control").read_text().split()
                if "cpu" not in controllers:
                    (CGROUP_ROOT / "cgroup.subtree_control").write_text("+cpu")
            self.path.mkdir()
            if self.v2:
                (self.path / "cpu.max").write_text(f"{self.quota_us} {PERIOD_US}")
            else:
                (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (self.path / "cpu.cfs_quota_us").write_text(str(self.quota_us))
        except OSError as error:
            raise CpuShareError(f"cannot set up the cgroup {self.path} (root needed): {error.strerror}") from error
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        # A cgroup can be removed only once its processes are gone; the
        # caller's kill has been sent, the kernel may take a moment to reap.
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)

    @property
    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def join(self) -> None:
        """Move the calling process into the cgroup (for a Popen preexec_fn)."""
        self.procs_file.write_text(str(os.getpid()))

    def wrap(self, command: list[str]) -> list[str]:
        """`command` run inside the cgroup, told its memory size as Lambda tells it."""
        script = 'echo $$ >"$0" && export AWS_LAMBDA_FUNCTION_MEMORY_SIZE="$1" && shift && exec "$@"'
        return ["/bin/sh", "-c", script, str(self.procs_file), str(self.memory_mb), *command]

    def describe(self) -> str:
        version = "v2 cpu.max" if self.v2 else "v1 cpu.cfs_quota_us"
        return (f"{self.memory_mb} MB: {self.quota_us} µs per {PERIOD_US} µs "
                f"({100 * self.quota_us / PERIOD_US:.2f} % of a core, cgroup {version})")


def add_memory_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory-size", type=int, metavar="MB",
                        help="run the function under Lambda's CPU share for this memory size "
                             f"({MIN_MB}–{MAX_MB}; a cgroup, root needed); default: no limit")


@contextlib.contextmanager
def limited(command: list[str], memory_mb: int | None) -> Iterator[list[str]]:
    """`command` under the CPU share of `memory_mb`, or as it is without one."""
    if memory_mb is None:
        yield command
        return
    with CpuShare(memory_mb) as share:
        print(f"bench: CPU limit {share.describe()}", file=sys.stderr)
        yield share.wrap(command)
