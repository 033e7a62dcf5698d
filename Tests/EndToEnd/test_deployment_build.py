"""The deployment artefacts: a reproducible zip, `sam validate --lint` and
`sam build` from a fresh clone, and the endpoint table still botocore's.

scripts/test.sh installs aws-sam-cli in its own virtualenv (its pins need not
agree with moto's) and exports SAM_CLI; ROTATOR_PACKAGE_ZIP is the zip it built.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from harness import REPO_ROOT

ORACLE = REPO_ROOT / "harness" / "oracles" / "endpoint_oracle.py"
TABLE = REPO_ROOT / "Tests" / "AWSEndpointTests" / "botocore-endpoints.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def zip_files(path: Path) -> dict[str, tuple[str, bool]]:
    """name -> (sha256, executable) of every file in the zip."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (hashlib.sha256(archive.read(info)).hexdigest(),
                                bool((info.external_attr >> 16) & 0o111))
                for info in archive.infolist() if not info.is_dir()}


def tree_files(root: Path) -> dict[str, tuple[str, bool]]:
    return {str(path.relative_to(root)): (sha256(path), os.access(path, os.X_OK))
            for path in sorted(root.rglob("*")) if path.is_file()}


def sam() -> str:
    path = os.environ.get("SAM_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("SAM_CLI is not set to aws-sam-cli's sam; run scripts/test.sh", pytrace=False)
    return path


def sam_environment() -> dict[str, str]:
    # No AWS account is needed to validate and build; sam only wants a region.
    return dict(os.environ, AWS_DEFAULT_REGION="us-east-1", SAM_CLI_TELEMETRY="0")


def test_the_zip_is_reproducible(tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    for out in (first, second):
        subprocess.run([str(REPO_ROOT / "scripts" / "package.sh"), str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert sha256(first) == sha256(second), "two builds of the same sources gave different zips"
    with zipfile.ZipFile(first) as archive:
        names = [info.filename for info in archive.infolist()]
        assert names == sorted(names), "entries are not sorted"
        assert len({info.date_time for info in archive.infolist()}) == 1, "entries carry different times"
    built = (REPO_ROOT / ".build" / "release" / "rotator").read_bytes()
    assert str(REPO_ROOT).encode() not in built, "the binary names the checkout's path"


def test_sam_validate_lint():
    result = subprocess.run([sam(), "validate", "--lint", "--template-file", "template.yaml"], cwd=REPO_ROOT,
                            env=sam_environment(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_sam_build_in_a_fresh_clone_gives_the_zips_files():
    package_zip = Path(os.environ.get("ROTATOR_PACKAGE_ZIP", REPO_ROOT / "dist" / "rotator.zip"))
    assert package_zip.is_file(), "no zip from scripts/package.sh"
    with tempfile.TemporaryDirectory(prefix="sam-build-") as scratch:
        clone = Path(scratch) / "clone"
        # The working tree as a commit of its own (tracked and untracked files,
        # .gitignore honoured) dated like HEAD, so the clone holds exactly
        # what is being tested, and no ref or index of the checkout changes.
        index = Path(scratch) / "index"
        git_env = dict(os.environ, GIT_INDEX_FILE=str(index))
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

        result = subprocess.run([sam(), "build"], cwd=clone, env=sam_environment(), capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        built = clone / ".aws-sam" / "build" / "RotationFunction"
        assert built.is_dir(), "sam build made no RotationFunction directory"
        expected = zip_files(package_zip)
        got = tree_files(built)
        assert sorted(got) == sorted(expected), "sam build's files are not the zip's"
        differing = sorted(name for name in expected if got[name] != expected[name])
        assert differing == [], f"files differ in content or mode: {differing}"


def test_the_endpoint_table_is_still_botocores():
    result = subprocess.run([sys.executable, str(ORACLE)], capture_output=True, text=True, check=True)
    fresh = json.loads(result.stdout)["cases"]
    committed = json.loads(TABLE.read_text())["cases"]
    assert fresh == committed, (
        "the installed botocore resolves endpoints differently from the committed table; "
        "regenerate it with harness/oracles/endpoint_oracle.py and update Sources/AWSEndpoint")
