"""The reliability suite's tools (test_reliability_*.py): its figures and
report, the checks that count them, and ways to hold the database still.
Faults in Secrets Manager come from moto's /_harness (the `moto`
fixture); the dedicated server is in dedicated_server.py."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from .accounts import Account, create_account
from .database import Database
from .emulator import Emulator
from .moto_harness import MotoHarness
from .passwords import SecretRegistry
from .rotator import event
from .secrets import secret_dict, secret_value, snapshot, stages, version_with


@dataclass
class ReliabilityFigures:
    """What the reliability suite did and found; written as JSON at the end of the session."""
    secrets_manager_faults: int = 0
    database_faults: int = 0
    process_kills: int = 0
    random_kills_mid_step: int = 0   # of the random instants, those that hit a step in flight
    rotations_completed: int = 0
    rotations_checked: int = 0
    credentials_lost: int = 0
    clean_failures: int = 0

    @property
    def faults_injected(self) -> int:
        return self.secrets_manager_faults + self.database_faults + self.process_kills


FIGURES = ReliabilityFigures()


class CountingMotoHarness(MotoHarness):
    """moto's /_harness, counting into FIGURES every fault it clears, however a test clears it."""

    def reset(self) -> int:
        injected = super().reset()
        FIGURES.secrets_manager_faults += injected
        return injected


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls `condition` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}", pytrace=False)
        time.sleep(interval)  # polling a condition, bounded by the deadline above


def invoke_under_fault(moto: MotoHarness, emulator: Emulator, arn: str, token: str, step: str,
                       operation: str, kind: str, count: int) -> tuple[bool, Any, dict[str, int]]:
    """`step` with the next `count` calls of `operation` meeting the fault
    `kind`: its (ok, body), and the Secrets Manager calls it made."""
    moto.fault(operation, kind, count)
    moto.reset_calls()
    ok, body = emulator.invoke(event(arn, token, step))
    return ok, body, moto.calls()


def create_reliability_account(sm: Any, db: Database, *, extra: dict | None = None) -> Account:
    """A user on `db`'s server and its secret, named for this suite."""
    return create_account(sm, db, prefix="rel", secret_prefix="e2e/reliability", extra=extra)


def rotation_state(sm: Any, db: Database, account: Account) -> dict[str, Any]:
    """Labels, value digests and which stages' passwords log in: safe to compare and print."""
    labels = stages(sm, account.arn)
    logs_in: dict[str, bool | None] = {}
    for stage in ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"):
        version = version_with(labels, stage)
        value = secret_value(sm, account.arn, VersionId=version) if version else None
        logs_in[stage] = db.can_login(account.username, json.loads(value)["password"]) if value else None
    return {"secret": snapshot(sm, account.arn), "database": db.auth_digest(account.username),
            "logs_in": logs_in}


def check_not_lost(sm: Any, db: Database, account: Account, *, mid_rotation: bool = False) -> None:
    """Counts and asserts: after a rotation, AWSCURRENT's or AWSPREVIOUS's
    password logs in. In the middle of one (a step failed or was cut off) the
    database may already hold the AWSPENDING password, as it does between
    setSecret and finishSecret, and the remaining steps will finish the
    rotation with it: then AWSPENDING's counts too."""
    logs_in = rotation_state(sm, db, account)["logs_in"]
    FIGURES.rotations_checked += 1
    stages_that_count = ("AWSCURRENT", "AWSPREVIOUS") + (("AWSPENDING",) if mid_rotation else ())
    kept = any(logs_in[stage] for stage in stages_that_count)
    if not kept:
        FIGURES.credentials_lost += 1
    assert kept, "credential lost: no password of " + ", ".join(stages_that_count) + " logs in"


def check_completed(sm: Any, db: Database, account: Account, token: str) -> None:
    """The rotation under `token` is finished and its password is the one that works."""
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token, "AWSCURRENT is not on the rotation's version"
    new_logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert new_logs_in, "the new AWSCURRENT password does not log in"
    check_not_lost(sm, db, account)
    FIGURES.rotations_completed += 1


def invoke_in_background(emulator: Emulator, body: dict) -> tuple[threading.Thread, list]:
    """Starts an invoke on a thread; the list receives (ok, body) when it returns."""
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(emulator.invoke(body)), daemon=True)
    thread.start()
    return thread, outcome


@contextlib.contextmanager
def writes_blocked(db: Database) -> Iterator[pymysql.connections.Connection]:
    """Holds a global read lock: any password change waits until it is released."""
    admin = db.admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute("FLUSH TABLES WITH READ LOCK")
        yield admin
    finally:
        try:
            with admin.cursor() as cursor:
                cursor.execute("UNLOCK TABLES")
        except pymysql.err.Error:
            pass  # the server was killed with the lock held
        admin.close()


def waiting_connection(db: Database, username: str) -> int | None:
    """The id of `username`'s connection waiting on the lock. The statement's
    text (with the password in it) is never read."""
    rows = db.execute(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s AND STATE LIKE %s",
        (username, "Waiting for%"))
    return rows[0][0] if rows else None


def report_path(state_dir: str) -> Path:
    return Path(os.environ.get("RELIABILITY_REPORT") or Path(state_dir) / "reliability.json")


def write_report(path: Path, registry: SecretRegistry) -> str:
    """Writes the figures (and a scan of every function log) as JSON; returns the summary line."""
    logs = [log for log in registry.log_files if log.exists()]
    report = {
        "faults_injected": FIGURES.faults_injected,
        "secrets_manager_faults": FIGURES.secrets_manager_faults,
        "database_faults": FIGURES.database_faults,
        "process_kills": FIGURES.process_kills,
        "random_kills_mid_step": FIGURES.random_kills_mid_step,
        "clean_failures": FIGURES.clean_failures,
        "rotations_completed": FIGURES.rotations_completed,
        "rotations_checked": FIGURES.rotations_checked,
        "credentials_lost": FIGURES.credentials_lost,
        "passwords_registered": len(registry),
        "log_files_scanned": len(logs),
        "passwords_found_in_logs": registry.count_in(logs),
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    return "reliability: " + ", ".join(f"{key}={value}" for key, value in report.items()) + f" (written to {path})"
