"""The deployment zip run the way Lambda runs it: unpacked into DIR/var/task
of an otherwise empty root holding only what every Lambda image has (a shell,
the CA bundle at Amazon Linux's path), the function started under `chroot DIR`.
Tests/EndToEnd/conftest.py's fixtures package_zip, lambda_root and
start_packaged are built on these; test_package_chroot.py says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .rotator import REPO_ROOT, rotator_environment
from .services import Services

TASK = "/var/task"
LOADER = f"{TASK}/lib/ld-linux-x86-64.so.2"
AMAZON_CA_BUNDLE = "etc/pki/tls/certs/ca-bundle.crt"
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Lambda's own values: the loader must ignore the image's library path.
LAMBDA_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LAMBDA_LD_LIBRARY_PATH = "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"

def make_root(parent: Path, package: Path, ca_pem: bytes) -> Path:
    root = parent / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", root / "bin" / "sh")
    bundle = root / AMAZON_CA_BUNDLE
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(ca_pem)
    task = root / TASK.lstrip("/")
    task.mkdir(parents=True)
    # unzip, not Python's zipfile: Lambda keeps the modes stored in the zip,
    # and zipfile would drop them.
    subprocess.run(["unzip", "-q", str(package), "-d", str(task)], check=True)
    return root


def chroot(root: Path, *command: str, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("chroot") or "/usr/sbin/chroot", str(root), *command],
                          env={}, capture_output=True, text=True, timeout=60, **kwargs)


def function_command(root: Path) -> list[str]:
    """What Lambda does: /var/task as working directory and LAMBDA_TASK_ROOT, then bootstrap."""
    return [shutil.which("chroot") or "/usr/sbin/chroot", str(root), "/bin/sh", "-c",
            f"cd {TASK} && export LAMBDA_TASK_ROOT={TASK} && exec {TASK}/bootstrap"]


def given_or_built_zip(scratch: Path) -> Path:
    """ROTATOR_PACKAGE_ZIP when set (scripts/test.sh builds it once), else a zip
    built into `scratch` by scripts/package.sh."""
    given = os.environ.get("ROTATOR_PACKAGE_ZIP")
    if given:
        path = Path(given)
        assert path.is_file(), "ROTATOR_PACKAGE_ZIP names no file"
        return path
    path = scratch / "rotator.zip"
    built = subprocess.run([str(REPO_ROOT / "scripts" / "package.sh"), str(path)],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, "scripts/package.sh failed:\n" + built.stderr[-4000:]
    assert built.stdout.strip() == str(path), "package.sh must print the zip's path"
    return path


def packaged_environment(services: Services, **extra_env: str) -> dict[str, str]:
    """The function's environment as Lambda gives it to the unpacked zip."""
    env = rotator_environment(services, **extra_env)
    # The database CA must be found in the zip or where Amazon Linux keeps it.
    if "DB_CA_BUNDLE" not in extra_env:
        env.pop("DB_CA_BUNDLE", None)
    # bootstrap's own default, lib/mariadb-plugin, unless a test overrides it.
    if "MARIADB_PLUGIN_DIR" not in extra_env:
        env.pop("MARIADB_PLUGIN_DIR", None)
    env["PATH"] = LAMBDA_PATH
    env["LD_LIBRARY_PATH"] = LAMBDA_LD_LIBRARY_PATH
    return env
