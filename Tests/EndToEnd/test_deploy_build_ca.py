"""The RDS deploy path end to end: a PEM at ca/db-ca-bundle.pem in a fresh
clone, `sam build`, and what `sam deploy` would upload
(.aws-sam/build/RotationFunction) rotating a secret over verified TLS.

The built directory is copied to DIR/var/task of an otherwise empty root
holding only a static busybox as /bin/sh and this machine's system CA bundle
at Amazon Linux's path, and run there under chroot as the emulator's
function process. The database's certificate is signed by the suite's own
CA (services.sh), which the system bundle lacks: only the PEM put at
ca/db-ca-bundle.pem before the build can make TLS verify. The secret has no
`ssl` key; REQUIRE_TLS=true, the template's default.

Also: sam build's files are exactly the zip's (scripts/package.sh, which
scripts/test.sh builds with --no-ca-bundle) plus that PEM, and the build
says which bundle it used. SAM_CLI and ROTATOR_PACKAGE_ZIP as in
test_deployment_build.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import REPO_ROOT, Services, rotator_environment
from harness.rotation import rotate
from harness.secrets import secret_dict, stages, version_with

TASK = "/var/task"
AMAZON_CA_BUNDLE = "etc/pki/tls/certs/ca-bundle.crt"
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
LAMBDA_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LAMBDA_LD_LIBRARY_PATH = "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"


def sam() -> str:
    path = os.environ.get("SAM_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("SAM_CLI is not set to aws-sam-cli's sam; run scripts/test.sh", pytrace=False)
    return path


def fresh_clone(scratch: Path) -> Path:
    """The working tree as a commit of its own (tracked and untracked files,
    .gitignore honoured) dated like HEAD, cloned: exactly what is under test,
    and no ref or index of the checkout changes."""
    clone = scratch / "clone"
    git_env = dict(os.environ, GIT_INDEX_FILE=str(scratch / "index"))
    subprocess.run(["git", "add", "-A"], cwd=REPO_ROOT, env=git_env, check=True)
    tree = subprocess.run(["git", "write-tree"], cwd=REPO_ROOT, env=git_env, check=True,
                          capture_output=True, text=True).stdout.strip()
    head_date = subprocess.run(["git", "log", "-1", "--format=%cI"], cwd=REPO_ROOT, check=True,
                               capture_output=True, text=True).stdout.strip()
    commit_env = dict(os.environ, GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@invalid",
                      GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@invalid",
                      GIT_AUTHOR_DATE=head_date, GIT_COMMITTER_DATE=head_date)
    commit = subprocess.run(["git", "commit-tree", tree, "-m", "working tree under test"], cwd=REPO_ROOT,
                            env=commit_env, check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(REPO_ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", commit], cwd=clone, check=True)
    return clone


class Built:
    def __init__(self, directory: Path, output: str, pem: bytes):
        self.directory = directory
        self.output = output
        self.pem = pem


@pytest.fixture(scope="module")
def sam_built() -> Iterator[Built]:
    pem = Path(os.environ["TEST_MARIADB_CA"]).read_bytes()
    with tempfile.TemporaryDirectory(prefix="sam-build-ca-") as scratch:
        clone = fresh_clone(Path(scratch))
        assert not (clone / "ca" / "db-ca-bundle.pem").exists(), "the bundle is not git-ignored"
        (clone / "ca" / "db-ca-bundle.pem").write_bytes(pem)
        result = subprocess.run([sam(), "build"], cwd=clone, capture_output=True, text=True,
                                env=dict(os.environ, AWS_DEFAULT_REGION="us-east-1", SAM_CLI_TELEMETRY="0"))
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        built = clone / ".aws-sam" / "build" / "RotationFunction"
        assert built.is_dir(), "sam build made no RotationFunction directory"
        yield Built(built, output, pem)


def tree_files(root: Path) -> dict[str, tuple[str, bool]]:
    return {str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), os.access(path, os.X_OK))
            for path in sorted(root.rglob("*")) if path.is_file()}


def zip_files(path: Path) -> dict[str, tuple[str, bool]]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (hashlib.sha256(archive.read(info)).hexdigest(),
                                bool((info.external_attr >> 16) & 0o111))
                for info in archive.infolist() if not info.is_dir()}


def test_sam_build_gives_the_zips_files_and_the_checkouts_bundle(sam_built: Built):
    package_zip = Path(os.environ.get("ROTATOR_PACKAGE_ZIP", REPO_ROOT / "dist" / "rotator.zip"))
    assert package_zip.is_file(), "no zip from scripts/package.sh"
    expected = zip_files(package_zip)
    assert "ca/db-ca-bundle.pem" not in expected, "the suite's zip must be built with --no-ca-bundle"
    expected["ca/db-ca-bundle.pem"] = (hashlib.sha256(sam_built.pem).hexdigest(), False)
    got = tree_files(sam_built.directory)
    assert sorted(got) == sorted(expected), "sam build's files are not the zip's plus ca/db-ca-bundle.pem"
    differing = sorted(name for name in expected if got[name][0] != expected[name][0]
                       or got[name][1] != expected[name][1])
    assert differing == [], f"files differ in content or mode: {differing}"
    assert "database CA bundle: ca/db-ca-bundle.pem, 1 certificates, from ca/db-ca-bundle.pem in the checkout" \
        in sam_built.output, "sam build does not say which bundle it used:\n" + sam_built.output[-3000:]


@pytest.fixture
def built_root(sam_built: Built, tmp_path: Path) -> Path:
    """Lambda's layout with nothing of this machine but busybox and the system CA bundle."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", root / "bin" / "sh")
    bundle = root / AMAZON_CA_BUNDLE
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(SYSTEM_CA_BUNDLE.read_bytes())
    # copytree keeps the modes sam build left, as sam deploy's zip does.
    shutil.copytree(sam_built.directory, root / TASK.lstrip("/"), symlinks=True)
    return root


def test_the_built_function_rotates_over_tls_verified_by_the_checkouts_bundle(
        sm: Any, db: Any, make_account: Callable[..., Any], start_emulator: Callable[..., Any],
        services: Services, built_root: Path):
    account = make_account(drop=["ssl"])
    env = rotator_environment(services, REQUIRE_TLS="true")
    # The trust must come from the build: nothing points the function at a bundle.
    env.pop("DB_CA_BUNDLE", None)
    env.pop("MARIADB_PLUGIN_DIR", None)
    env["PATH"] = LAMBDA_PATH
    env["LD_LIBRARY_PATH"] = LAMBDA_LD_LIBRARY_PATH
    command = [shutil.which("chroot") or "/usr/sbin/chroot", str(built_root), "/bin/sh", "-c",
               f"cd {TASK} && export LAMBDA_TASK_ROOT={TASK} && exec {TASK}/bootstrap"]
    emulator = start_emulator(command, env=env, task_root=built_root / TASK.lstrip("/"), timeout=30.0,
                              function_name="rotator")
    previous = account.initial_version

    token = rotate(sm, emulator, account.arn)

    assert "ssl" not in secret_dict(sm, account.arn), "the secret gained an ssl key"
    new_password = secret_dict(sm, account.arn)["password"]
    assert db.can_login(account.username, new_password), "the new AWSCURRENT password does not log in"
    assert not db.can_login(account.username, account.password), "the replaced password still logs in"
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token
    assert version_with(labels, "AWSPREVIOUS") == previous
    log = emulator.log_path.read_text("utf-8", errors="replace")
    assert "Runtime.ExitError" not in log


def sbom_locations(document: dict) -> dict[str, dict]:
    return {occurrence["location"]: component for component in document["components"]
            for occurrence in component.get("evidence", {}).get("occurrences", [])}


def test_the_sbom_lists_every_shared_library_in_the_zip():
    """The zip's sbom.cdx.json (and its copy next to the zip) names each .so
    with its Debian package and version; sam build ships the same file (above)."""
    package_zip = Path(os.environ.get("ROTATOR_PACKAGE_ZIP", REPO_ROOT / "dist" / "rotator.zip"))
    with zipfile.ZipFile(package_zip) as archive:
        names = archive.namelist()
        inside = archive.read("sbom.cdx.json")
    beside = package_zip.with_name(package_zip.name.removesuffix(".zip") + ".sbom.cdx.json")
    assert beside.read_bytes() == inside, "the SBOM next to the zip is not the one inside"
    document = json.loads(inside)
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.5"
    listed = sbom_locations(document)
    shipped = sorted(name for name in names if ".so" in name.rsplit("/", 1)[-1])
    # The loader, libc, libm, libgcc_s, zlib, libcrypto (for the plugins) and three plugins:
    # libcurl, Connector/C and OpenSSL are linked into the binary (scripts/package.sh).
    assert len(shipped) >= 9, f"the zip ships only {len(shipped)} shared libraries"
    missing = [name for name in shipped if name not in listed]
    assert missing == [], f"shared libraries the SBOM does not list: {missing}"
    stale = sorted(set(listed) - set(names))
    assert stale == [], f"the SBOM lists files the zip does not hold: {stale}"
    for name in shipped:
        component = listed[name]
        assert component["purl"].startswith(f"pkg:deb/debian/{component['name']}@"), name
        assert "distro=debian-12" in component["purl"], name
        installed = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", component["name"]],
                                   capture_output=True, text=True, check=True).stdout
        assert component["version"] == installed, f"{name}: SBOM says {component['version']}, dpkg {installed}"
    names_listed = {component["name"] for component in document["components"]}
    for package in ("libc6", "libssl3", "libmariadb3", "swift-stdlib"):
        assert package in names_listed, f"{package} is not in the SBOM"
    # Linked statically, so no file of their own: each still named, with its Debian version.
    static = {component["name"]: component for component in document["components"]
              if {"name": "mysql-rotator:linked-statically-into", "value": "rotator"} in component["properties"]}
    for package in ("libcurl4-openssl-dev", "libmariadb-dev", "libssl-dev", "libstdc++-12-dev", "swift-stdlib"):
        assert package in static, f"{package} is not in the SBOM as linked into the binary"
        if package != "swift-stdlib":
            installed = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                                       capture_output=True, text=True, check=True).stdout
            assert static[package]["version"] == installed, package


def test_a_checkout_deployed_as_code_refuses_to_start_and_says_why(tmp_path: Path):
    """What `sam deploy --template-file template.yaml` would ship (CodeUri: .):
    the checkout at /var/task, a bootstrap without the built function next to
    it. It must say so, not fall back to .build/release/rotator."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", root / "bin" / "sh")
    task = root / TASK.lstrip("/")
    (task / ".build" / "release").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "bootstrap", task / "bootstrap")
    shutil.copy(REPO_ROOT / "Package.swift", task / "Package.swift")
    # A stand-in for the checkout's host build, which would need a newer glibc.
    stand_in = task / ".build" / "release" / "rotator"
    stand_in.write_text("#!/bin/sh\necho started the checkout's build\n")
    stand_in.chmod(0o755)
    result = subprocess.run([shutil.which("chroot") or "/usr/sbin/chroot", str(root), "/bin/sh", "-c",
                             f"cd {TASK} && exec {TASK}/bootstrap"], env={}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 127, result
    assert "started the checkout's build" not in result.stdout
    assert "source checkout, not the built function" in result.stderr
    assert "sam build && sam deploy" in result.stderr


def test_sam_deploy_without_a_build_stops_instead_of_zipping_the_checkout(tmp_path: Path):
    """samconfig.toml points sam deploy at .aws-sam/build/template.yaml; with
    no build there it must stop before uploading anything."""
    for name in ("template.yaml", "samconfig.toml", "bootstrap", "Makefile"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    result = subprocess.run([sam(), "deploy", "--stack-name", "mysql-rotator-test", "--no-confirm-changeset"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, AWS_DEFAULT_REGION="us-east-1", SAM_CLI_TELEMETRY="0",
                                     AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert "Template file not found" in output and ".aws-sam/build/template.yaml" in output, output[-2000:]


# ---------------------------------------------------------------------------
# The CA bundle per partition: scripts/package.sh --print-ca-source says
# where the bundle would come from and stops before downloading or building,
# so the choice is tested here without the network.
# ---------------------------------------------------------------------------

RDS_BUNDLES = {
    "aws": "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    "aws-us-gov": "https://truststore.pki.us-gov-west-1.rds.amazonaws.com/global/global-bundle.pem",
    "aws-cn": "https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/global/global-bundle.pem",
}


def ca_source(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "ROTATOR_CA_BUNDLE"}
    environment.update(env or {})
    return subprocess.run([str(REPO_ROOT / "scripts" / "package.sh"), "--print-ca-source", *args],
                          capture_output=True, text=True, timeout=60, env=environment)


@pytest.mark.parametrize("partition", sorted(RDS_BUNDLES))
def test_each_partition_takes_its_own_rds_bundle(partition: str, tmp_path: Path):
    result = ca_source("--partition", partition, str(tmp_path / "rotator.zip"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database CA bundle: {RDS_BUNDLES[partition]} (RDS, partition {partition})"
    others = [url for name, url in RDS_BUNDLES.items() if name != partition]
    assert not any(url in result.stdout for url in others)
    assert not (tmp_path / "rotator.zip").exists(), "--print-ca-source built a zip"


@pytest.mark.parametrize("partition", ["aws-iso", "aws-iso-b", "aws-eusc", "commercial"])
def test_a_partition_without_a_known_bundle_is_refused(partition: str, tmp_path: Path):
    result = ca_source("--partition", partition, str(tmp_path / "rotator.zip"))
    assert result.returncode == 2, result
    assert f"no RDS CA bundle is known for partition {partition}" in result.stderr
    assert "--ca-bundle FILE" in result.stderr and "--no-ca-bundle" in result.stderr
    assert result.stdout == ""


def test_a_partition_without_a_known_bundle_takes_the_file_it_is_given(tmp_path: Path):
    pem = tmp_path / "iso-ca.pem"
    shutil.copy(SYSTEM_CA_BUNDLE, pem)
    given = ca_source("--partition", "aws-iso", "--ca-bundle", str(pem), str(tmp_path / "rotator.zip"))
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == f"database CA bundle: {pem}"
    none = ca_source("--partition", "aws-iso", "--no-ca-bundle", str(tmp_path / "rotator.zip"))
    assert none.returncode == 0, none.stderr
    assert none.stdout.strip() == "database CA bundle: none (--no-ca-bundle)"


def test_a_given_file_wins_over_the_partitions_bundle(tmp_path: Path):
    pem = tmp_path / "private-ca.pem"
    shutil.copy(SYSTEM_CA_BUNDLE, pem)
    for result in (ca_source("--partition", "aws-us-gov", "--ca-bundle", str(pem), str(tmp_path / "z.zip")),
                   ca_source("--partition", "aws-cn", str(tmp_path / "z.zip"), env={"ROTATOR_CA_BUNDLE": str(pem)})):
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"database CA bundle: {pem}"


def test_a_partition_bundle_that_is_not_pem_is_refused(tmp_path: Path):
    """A local file standing in for a download: the same check refuses it before any build."""
    bogus = tmp_path / "not-a-bundle.pem"
    bogus.write_text("<html>Access Denied</html>\n")
    result = ca_source("--partition", "aws", "--ca-bundle", str(bogus), str(tmp_path / "z.zip"))
    assert result.returncode == 1, result
    assert "holds no PEM certificate" in result.stderr
