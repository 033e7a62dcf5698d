"""The leak scan: when the session ends, every password the suite made or
saw, and every password moto ever held (every version of every secret, in
every region, deprecated ones included: harvest_moto), is searched for in
everything the function printed (each emulator log, text or JSON) and in
the services' own logs. A hit fails the run, however the tests went,
with a line that names the files and counts the values, never a value.

A plugin object rather than a test, so it runs after every test whatever
their order, and the files it scans are complete (the emulators have been
closed by then)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from .passwords import SecretRegistry


def service_logs(state_dir: str | None) -> list[Path]:
    """The logs of scripts/services.sh's servers that exist."""
    if not state_dir:
        return []
    root = Path(state_dir)
    return [path for path in (root / "moto" / "server.log",
                              root / "mariadb-tls" / "error.log",
                              root / "mariadb-plain" / "error.log",
                              root / "mariadb-replica" / "error.log",
                              root / "mariadb-reader" / "error.log") if path.exists()]


def harvest_moto(endpoint: str, registry: SecretRegistry) -> int:
    """Registers every password-like value of every version of every secret
    moto holds, in every region; returns how many versions were read. A
    value that is not a JSON object is registered whole."""
    versions = 0
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 3})
    for region in boto3.session.Session().get_available_regions("secretsmanager"):
        client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=region,
                              aws_access_key_id="testing", aws_secret_access_key="testing", config=config)
        for page in client.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True):
            for secret in page["SecretList"]:
                listed = client.list_secret_version_ids(SecretId=secret["ARN"], IncludeDeprecated=True)
                for version in listed["Versions"]:
                    try:
                        value = client.get_secret_value(SecretId=secret["ARN"], VersionId=version["VersionId"])
                    except client.exceptions.ResourceNotFoundException:
                        continue  # a rotation's stub, without a value
                    except client.exceptions.InvalidRequestException:
                        continue  # scheduled for deletion: moto refuses its value
                    versions += 1
                    text = value.get("SecretString")
                    if text is None:
                        continue
                    try:
                        document = json.loads(text)
                    except ValueError:
                        document = None
                    if isinstance(document, dict):
                        registry.add_from_secret(document)
                    else:
                        registry.add(text)
    return versions


def leak_report(registry: SecretRegistry, paths: Iterable[Path]) -> str | None:
    """None when no registered value is in any of `paths`; else the line to show."""
    paths = sorted(set(paths))
    leaks = registry.leaks(paths)
    if not leaks:
        return None
    pairs = sum(leaks.values())
    return (f"SECRET LEAK: {pairs} (password, file) pair(s) among {len(registry)} passwords "
            f"and {len(paths)} files scanned: " + ", ".join(str(path) for path in sorted(leaks)))


class LeakScan:
    """Registered by conftest.py; `paths` gives the files to scan when the session ends."""

    def __init__(self, registry: SecretRegistry, paths: Callable[[], Iterable[Path]],
                 harvest: Callable[[], int] | None = None):
        self.registry = registry
        self.paths = paths
        self.harvest = harvest  # registers what the services held; run first
        self.failure: str | None = None
        self.scanned = 0
        self.harvested = 0

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.harvest is not None:
            try:
                self.harvested = self.harvest()
            except Exception as error:  # noqa: BLE001 - any failure leaves the scan incomplete
                self.failure = f"leak scan incomplete: the services' secrets could not be read ({type(error).__name__})"
                if session.exitstatus == 0:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
                return
        paths = list(self.paths())
        self.scanned = len(paths)
        self.failure = leak_report(self.registry, paths)
        if self.failure and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.failure:
            terminalreporter.write_line(self.failure, red=True)
        elif self.scanned:
            terminalreporter.write_line(
                f"leak scan: none of {len(self.registry)} passwords ({self.harvested} secret versions read "
                f"from moto) in {self.scanned} log files")
