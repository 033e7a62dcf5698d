"""The deployment artefacts: a reproducible zip, `sam validate --lint`, and
the endpoint table still botocore's (`sam build` from a fresh clone:
test_deploy_build_ca.py).

scripts/test.sh installs aws-sam-cli in its own virtualenv (its pins need not
agree with moto's) and exports SAM_CLI; ROTATOR_PACKAGE_ZIP is the zip it built.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harness import REPO_ROOT

ORACLE = REPO_ROOT / "harness" / "oracles" / "endpoint_oracle.py"
TABLE = REPO_ROOT / "Tests" / "AWSEndpointTests" / "botocore-endpoints.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def test_the_endpoint_table_is_still_botocores():
    result = subprocess.run([sys.executable, str(ORACLE)], capture_output=True, text=True, check=True)
    fresh = json.loads(result.stdout)["cases"]
    committed = json.loads(TABLE.read_text())["cases"]
    assert fresh == committed, (
        "the installed botocore resolves endpoints differently from the committed table; "
        "regenerate it with harness/oracles/endpoint_oracle.py and update Sources/AWSEndpoint")
