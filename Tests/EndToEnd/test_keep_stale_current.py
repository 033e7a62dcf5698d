"""KEEP_PREVIOUS_PASSWORD keeps AWSCURRENT's password only when it is the
account's primary one (docs/password-only-rotation.md), end to end on
MariaDB 10.11 through the built zip.

The attack: someone who may call UpdateSecretVersionStage (but not rotate)
moves AWSCURRENT back to the previous version, whose password the last
rotation kept as the account's second method. A login with it succeeds
(MariaDB tries every method), and a rotation that kept "AWSCURRENT" would
keep that leaked password again, forever. Here the function proves
AWSCURRENT's hash against the first password method in SHOW CREATE USER,
finds it stale, sets the new password alone, and says so.

Logins are checked with the mariadb command-line client (harness.dual_password):
PyMySQL cannot follow a second ed25519 method, so it would count a kept
ed25519 password as refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness import STEPS, start_rotation
from harness.dual_password import cli_logs_in, ensure_ed25519, methods
from harness.rotation import rotate, run_step
from harness.secrets import mariadb_secret, new_password, secret_dict, stages, unique

pytestmark = pytest.mark.admin_grants("CREATE USER ON *.*")
ROUNDS = 3


@pytest.fixture(scope="module", autouse=True)
def ed25519(db):
    ensure_ed25519(db)


def make_account(sm, db, admin, plugin: str, strategy: str) -> tuple[str, str, str]:
    username = unique("app_stale")
    password = new_password()
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))
    db.execute(f"CREATE USER %s@'127.0.0.1' IDENTIFIED VIA {plugin} USING PASSWORD(%s)", (username, password))
    if strategy == "self":
        # MariaDB's ALTER USER CURRENT_USER(), which writes two passwords, needs CREATE USER.
        db.execute("GRANT CREATE USER ON *.* TO %s@'127.0.0.1'", (username,))
    secret = mariadb_secret(db.services.host, db.services.port, username, password, ssl=True, masterarn=admin.arn)
    arn = sm.create_secret(Name=unique("e2e/stale"), SecretString=json.dumps(secret))["ARN"]
    return username, password, arn


def version_with(sm, arn: str, stage: str) -> str:
    (version,) = [v for v, labels in stages(sm, arn).items() if stage in labels]
    return version


def move_current_back(sm, arn: str) -> str:
    """The attacker's calls: AWSCURRENT onto the AWSPREVIOUS version, and AWSPENDING off the newest
    (left there by finishSecret; without AWSCURRENT beside it, it would be a rotation not finished).
    Returns the stale version's password."""
    newest = version_with(sm, arn, "AWSCURRENT")
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                   MoveToVersionId=version_with(sm, arn, "AWSPREVIOUS"), RemoveFromVersionId=newest)
    if "AWSPENDING" in stages(sm, arn).get(newest, []):
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=newest)
    return secret_dict(sm, arn)["password"]


def outcomes(sm, rotator, arn: str) -> dict[str, str]:
    token = start_rotation(sm, arn)
    return {step: run_step(rotator, arn, token, step)["outcome"] for step in STEPS}


def logging_in(services, username: str, held: list[str]) -> list[bool]:
    return [cli_logs_in(services, username, p) for p in held]


@pytest.mark.parametrize("plugin", ["ed25519", "mysql_native_password"])
@pytest.mark.parametrize("strategy", ["admin", "self"])
def test_a_stale_awscurrent_is_never_kept(sm, db, services, admin, start_rotator, strategy, plugin):
    rotator = start_rotator(ROTATION_STRATEGY=strategy, KEEP_PREVIOUS_PASSWORD="true")
    username, password, arn = make_account(sm, db, admin, plugin, strategy)
    held = [password]  # every password the account ever had
    rotate(sm, rotator, arn)
    held.append(secret_dict(sm, arn)["password"])
    assert logging_in(services, username, held) == [True, True], "a healthy rotation did not keep the previous"
    for _ in range(ROUNDS):
        stale = move_current_back(sm, arn)
        stale_logs_in = cli_logs_in(services, username, stale)
        assert stale_logs_in, "the attack's premise: the stale password logs in as the kept second one"
        done = outcomes(sm, rotator, arn)
        assert "previous password was not kept" in done["setSecret"], done["setSecret"]
        assert "not kept" in done["testSecret"], done["testSecret"]
        current = secret_dict(sm, arn)["password"]
        held.append(current)
        stale_still_logs_in = cli_logs_in(services, username, stale)
        assert not stale_still_logs_in, "the stale AWSCURRENT still logs in after the rotation that found it"
        current_logs_in = cli_logs_in(services, username, current)
        assert current_logs_in, "AWSCURRENT does not log in"
        assert sum(logging_in(services, username, held)) <= 2, "more than two passwords log in"
        assert methods(db, username) == [plugin], f"the methods are now {methods(db, username)}"
        # The next healthy rotation keeps again: exactly AWSCURRENT and AWSPREVIOUS.
        done = outcomes(sm, rotator, arn)
        assert done["setSecret"] == "set the pending password in the database", done["setSecret"]
        held.append(secret_dict(sm, arn)["password"])
        expected = [False] * (len(held) - 2) + [True, True]
        assert logging_in(services, username, held) == expected, "not exactly AWSCURRENT and AWSPREVIOUS log in"
    log = rotator.log_path.read_text(encoding="utf-8")
    warnings = [line for line in log.splitlines() if "previous password not kept" in line and username in line]
    assert len(warnings) == ROUNDS, f"{len(warnings)} warnings naming the account for {ROUNDS} stale rotations"
    assert all("primary" in line for line in warnings), "a warning does not say why"


def test_the_outcome_reaches_the_runtime_api_response(sm, db, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    _, _, arn = make_account(sm, db, admin, "mysql_native_password", "admin")
    rotate(sm, rotator, arn)
    move_current_back(sm, arn)
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    body: Any = run_step(rotator, arn, token, "setSecret")
    assert body == {"secretId": arn, "step": "setSecret", "outcome": (
        "set the pending password in the database; the previous password was not kept: "
        "it is not proven to be the account's primary password")}
