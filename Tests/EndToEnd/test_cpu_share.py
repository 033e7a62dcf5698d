"""Lambda's CPU share as the benches apply it (harness/cpu_share.py), and the
cold-start bench driving the packaged zip to its first poll. Timing goals are
the benches' (docs/performance.md); these check what the figures rest on."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from harness import cpu_share
from harness.bench_coldstart import fresh_start


@pytest.mark.parametrize(("memory_mb", "quota"), [(128, 7236), (512, 28943), (1769, 100000), (10240, 578858)])
def test_quota_is_lambdas_share_of_one_vcpu_at_1769_mb(memory_mb: int, quota: int):
    assert cpu_share.quota_us(memory_mb) == quota


@pytest.mark.parametrize("memory_mb", [0, 127, 10241])
def test_a_memory_size_lambda_does_not_offer_is_refused(memory_mb: int):
    with pytest.raises(cpu_share.CpuShareError, match="outside Lambda's 128–10240 MB"):
        cpu_share.quota_us(memory_mb)


def test_the_wrapped_command_runs_inside_the_limited_cgroup_and_is_told_its_memory():
    with cpu_share.CpuShare(128) as share:
        limit = "cpu.max" if share.v2 else "cpu.cfs_quota_us"
        written = (share.path / limit).read_text().split()[0]
        script = 'cat /proc/self/cgroup; echo "memory=$AWS_LAMBDA_FUNCTION_MEMORY_SIZE"'
        result = subprocess.run(share.wrap(["/bin/sh", "-c", script]), capture_output=True, text=True,
                                check=True, timeout=30)
    assert written == "7236"
    assert share.path.name in result.stdout, result.stdout
    assert "memory=128" in result.stdout
    assert not share.path.exists(), "the cgroup was left behind"


def test_the_packaged_zip_reaches_its_first_poll_under_128_mb(package_zip: Path, tmp_path: Path):
    """The statically linked binary starts with Lambda's environment and CPU share
    and asks for its first event (fresh_start fails on anything else)."""
    with zipfile.ZipFile(package_zip) as archive:
        archive.extractall(tmp_path)
    for name in ("bootstrap", "rotator", "lib/ld-linux-x86-64.so.2"):
        (tmp_path / name).chmod(0o755)
    elapsed_ms, cpu_ms = fresh_start(tmp_path, 128)
    assert elapsed_ms > 0 and cpu_ms > 0
