"""`{"Revoke": {"SecretId": …}}` end to end through the built zip, on
MariaDB 10.11 over verified TLS (docs/operations.md, "Revoke every older
password"): after a rotation and a Revoke only AWSCURRENT's password logs
in, the account's authentication methods are as they were, a client
holding AWSCURRENT never fails, and every refusal changes nothing.

Logins with two ed25519 methods are checked with the mariadb command-line
client (harness.dual_password.cli_logs_in): pymysql cannot follow the second.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import STEPS, event, start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS, normalised_grants
from harness.dual_password import cli_logs_in, ensure_ed25519, methods
from harness.rotation import rotate, run_step
from harness.rotator import emf_records
from harness.secrets import REGISTRY, new_password, secret_dict, snapshot, unique

pytestmark = pytest.mark.admin_grants(*ALTERNATING_STRATEGY_GRANTS)
# Logins the caching client makes once the Revoke has answered.
LOGINS_AFTER = 5
LOGINS_AT_MOST = 400
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "revoke-leaked.sh"
OTHER_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:someone-else"


@pytest.fixture(scope="module", autouse=True)
def ed25519(db):
    ensure_ed25519(db)


def ed25519_account(sm, db, admin):
    """`ed25519 … OR unix_socket`, SELECT on appdb, its secret naming the admin."""
    username = unique("app_rv")
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) OR unix_socket",
               (username, password))
    db.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
    secret = {"engine": "mariadb", "host": db.services.host, "port": db.services.port,
              "username": username, "password": password, "dbname": "appdb", "masterarn": admin.arn}
    arn = sm.create_secret(Name=unique("e2e/revoke"), SecretString=json.dumps(secret))["ARN"]
    return username, arn


class CachingClient:
    """Logs in again and again with the password it cached (AWSCURRENT), in
    a thread, until LOGINS_AFTER logins after `revoked` (bounded)."""

    def __init__(self, services, username: str, password: str):
        self.failures = 0
        self.logins = 0
        self.first = threading.Event()
        self.revoked = threading.Event()
        self._args = (services, username, password)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.first.wait(60), "the caching client never logged in"

    def _run(self) -> None:
        after = 0
        while self.logins < LOGINS_AT_MOST and after < LOGINS_AFTER:
            done = self.revoked.is_set()
            self.failures += not cli_logs_in(*self._args)
            self.logins += 1
            after += done
            self.first.set()

    def finish(self) -> None:
        self.revoked.set()
        self._thread.join(120)
        assert not self._thread.is_alive(), "the caching client did not finish"


def revoke(rotator, arn):
    ok, body = rotator.invoke({"Revoke": {"SecretId": arn}})
    assert ok, f"Revoke failed: {REGISTRY.redact(json.dumps(body))}"
    assert REGISTRY.redact(json.dumps(body)) == json.dumps(body), "the answer carries a password"
    return body


def stages_tested(body):
    return [(row["stage"], row["result"]) for row in body["tested"]]


def refused(rotator, payload, error_type):
    ok, body = rotator.invoke(payload)
    assert not ok, f"{payload} succeeded"
    assert body["errorType"] == error_type, REGISTRY.redact(json.dumps(body))
    assert REGISTRY.redact(json.dumps(body)) == json.dumps(body), "the error carries a password"
    return body["errorMessage"]


def test_admin_keep_previous_drops_the_kept_password_only(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, arn = ed25519_account(sm, db, admin)
    rotate(sm, rotator, arn)
    current = secret_dict(sm, arn)["password"]
    previous = secret_dict(sm, arn, VersionStage="AWSPREVIOUS")["password"]
    assert methods(db, username) == ["ed25519", "ed25519", "unix_socket"], "setup: the password was not kept"
    previous_before = cli_logs_in(services, username, previous)
    assert previous_before, "setup: the kept password does not log in"
    stages = snapshot(sm, arn)

    client = CachingClient(services, username, current)
    body = revoke(rotator, arn)
    client.finish()

    assert stages_tested(body) == [("AWSCURRENT", "logs in"), ("AWSPREVIOUS", "refused")], body["tested"]
    assert "dropped the kept previous password" in body["action"], body["action"]
    logs_in = (cli_logs_in(services, username, current), cli_logs_in(services, username, previous))
    assert logs_in == (True, False), "not exactly AWSCURRENT logs in after Revoke"
    assert methods(db, username) == ["ed25519", "unix_socket"], f"the methods are now {methods(db, username)}"
    assert snapshot(sm, arn) == stages, "Revoke changed the secret's versions or stages"
    assert client.failures == 0, f"the caching client saw {client.failures} failed login(s) in {client.logins}"
    # The record the template's RevokeAlarm hears (test_template_consumers.py holds the alarm to it).
    (record,) = [record for record in emf_records(rotator.log_path) if "Revokes" in record]
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert (directive["Namespace"], directive["Dimensions"], directive["Metrics"]) == (
        "MySQLRotator", [["Command"]], [{"Name": "Revokes", "Unit": "Count"}]), directive
    assert (record["Command"], record["Revokes"], record["SecretArn"]) == ("Revoke", 1, arn)
    # Again: nothing left to drop, and still only AWSCURRENT.
    again = revoke(rotator, arn)
    assert "nothing to drop" in again["action"] and stages_tested(again)[1] == ("AWSPREVIOUS", "refused")


def test_alternating_gives_the_leaked_user_a_password_stored_nowhere(sm, db, admin, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY="alternating")
    name = unique("app_ra")
    account = make_account(name, extra={"masterarn": admin.arn})
    rotate(sm, rotator, account.arn)
    current = secret_dict(sm, account.arn)
    previous = secret_dict(sm, account.arn, VersionStage="AWSPREVIOUS")
    assert (current["username"], previous["username"]) == (name + "_clone", name), "setup: not alternated"
    leaked_before = db.can_login(previous["username"], previous["password"])
    assert leaked_before, "setup: the leaked user does not log in"
    grants = normalised_grants(db, name)
    auth_methods = methods(db, name)
    stages = snapshot(sm, account.arn)

    body = revoke(rotator, account.arn)

    assert stages_tested(body) == [("AWSCURRENT", "logs in"), ("AWSPREVIOUS", "refused")], body["tested"]
    leaked = db.can_login(previous["username"], previous["password"])
    current_works = db.can_login(current["username"], current["password"])
    assert (current_works, leaked) == (True, False), "not exactly AWSCURRENT's user logs in"
    assert normalised_grants(db, name) == grants, "the leaked user's grants changed"
    assert methods(db, name) == auth_methods, "the leaked user's authentication methods changed"
    assert snapshot(sm, account.arn) == stages, "Revoke changed the secret's versions or stages"
    # The next rotation sets the leaked user's password anyway.
    rotate(sm, rotator, account.arn)
    after = secret_dict(sm, account.arn)
    assert after["username"] == name and db.can_login(name, after["password"]), "the next rotation failed"


def test_self_without_the_setting_has_nothing_to_drop(sm, db, start_rotator, make_account):
    rotator = start_rotator(ROTATION_STRATEGY="self")
    account = make_account("app_rs")
    rotate(sm, rotator, account.arn)
    digest = db.auth_digest(account.username)
    body = revoke(rotator, account.arn)
    assert "nothing to drop" in body["action"], body["action"]
    assert stages_tested(body) == [("AWSCURRENT", "logs in"), ("AWSPREVIOUS", "refused")], body["tested"]
    assert db.auth_digest(account.username) == digest, "the account changed"


def test_refusals_change_nothing_and_the_process_keeps_serving(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, arn = ed25519_account(sm, db, admin)
    rotate(sm, rotator, arn)

    def unchanged():
        return snapshot(sm, arn), db.auth_digest(username)

    before = unchanged()
    for payload in ({"Revoke": {}}, {"Revoke": "x"}, {"Revoke": {"SecretId": ""}}, {"Revoke": {"SecretId": 7}},
                    {"Revoke": {"SecretId": arn, "Force": True}}, {"Revoke": {"SecretId": arn}, "Step": "x"}):
        refused(rotator, payload, "InvalidEvent")
    refused(rotator, {"Revoke": {"SecretId": unique("e2e/none")}}, "ResourceNotFoundException")
    assert unchanged() == before, "a malformed Revoke changed something"

    # A rotation in progress: its pending password is set already.
    token = start_rotation(sm, arn)
    run_step(rotator, arn, token, "createSecret")
    run_step(rotator, arn, token, "setSecret")
    before = unchanged()
    message = refused(rotator, {"Revoke": {"SecretId": arn}}, "RevokeRefused")
    assert f"aws secretsmanager rotate-secret --secret-id {arn}" in message, message
    assert f"aws secretsmanager cancel-rotate-secret --secret-id {arn}" in message, message
    assert unchanged() == before, "Revoke during a rotation changed something"
    for step in STEPS[2:]:
        run_step(rotator, arn, token, step)

    # Another function's secret, and one no function rotates.
    other_username, other_arn = ed25519_account(sm, db, admin)
    never = (snapshot(sm, other_arn), db.auth_digest(other_username))
    message = refused(rotator, {"Revoke": {"SecretId": other_arn}}, "RevokeRefused")
    assert "not by this function" in message, message
    sm.rotate_secret(SecretId=other_arn, RotationLambdaARN=OTHER_FUNCTION,
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    message = refused(rotator, {"Revoke": {"SecretId": other_arn}}, "RevokeRefused")
    assert OTHER_FUNCTION in message, message
    assert db.auth_digest(other_username) == never[1], "another function's account changed"

    # A privileged account, refused exactly as in rotation.
    db.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1' WITH GRANT OPTION", (username,))
    before = unchanged()
    message = refused(rotator, {"Revoke": {"SecretId": arn}}, "PrivilegedAccount")
    assert "ALL PRIVILEGES" in message or "GRANT OPTION" in message, message
    assert unchanged() == before, "Revoke on a privileged account changed something"
    db.execute("REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@'127.0.0.1'", (username,))
    db.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (username,))
    # A refused Revoke tells no consumer (RevokeAlarm hears only successes).
    assert not [record for record in emf_records(rotator.log_path) if "Revokes" in record], "a refusal wrote Revokes"

    # Still serving: the rotation and a Revoke work.
    ok, _ = rotator.invoke(event(arn, token, "finishSecret"))
    assert ok, "the process stopped serving after the refusals"
    assert stages_tested(revoke(rotator, arn))[1] == ("AWSPREVIOUS", "refused")


def run_runbook(services, rotator, arn):
    """scripts/revoke-leaked.sh with the real AWS CLI: Secrets Manager calls
    to moto, `lambda invoke` to the Runtime API emulator, and RotateSecret
    run as the service runs it (harness.rotate_through)."""
    aws = f"aws --endpoint-url {services.endpoint} --region us-east-1"
    env = dict(os.environ, AWS=aws, LAMBDA=f"aws --endpoint-url {rotator.base_url} --region us-east-1",
               ROTATE=f"python3 -m harness.rotate_through {rotator.base_url}", WAIT_SECONDS="120",
               AWS_ACCESS_KEY_ID=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
               AWS_SECRET_ACCESS_KEY=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
    started = time.monotonic()
    result = subprocess.run([str(SCRIPT), arn, "rotator"], env=env, capture_output=True, text=True,
                            timeout=600, check=False, cwd=SCRIPT.parents[1])
    return result, time.monotonic() - started


def test_the_runbook_script_ends_a_leak(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, arn = ed25519_account(sm, db, admin)
    leaked = secret_dict(sm, arn)["password"]
    result, seconds = run_runbook(services, rotator, arn)
    output = REGISTRY.redact(result.stdout + result.stderr)
    assert result.returncode == 0, output
    assert output == result.stdout + result.stderr, "the script printed a password"
    for progress in ("1/4 rotate-secret", "2/4 waiting", "3/4 Revoke", "4/4 consumers", "done in"):
        assert progress in result.stdout, f"no '{progress}' in: {output}"
    new = secret_dict(sm, arn)["password"]
    logs_in = (cli_logs_in(services, username, new), cli_logs_in(services, username, leaked))
    assert logs_in == (True, False), "after the runbook, not exactly the new password logs in"
    assert methods(db, username) == ["ed25519", "unix_socket"], f"the methods are now {methods(db, username)}"
    print(f"runbook: {seconds:.1f} s from rotate-secret to a Revoke proven (admin, KEEP_PREVIOUS_PASSWORD)")


def test_the_runbook_script_stops_at_the_first_failure(sm, db, services, admin, start_rotator):
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, arn = ed25519_account(sm, db, admin)
    # AWSCURRENT's password no longer logs in: setSecret fails, so the rotation does.
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) OR unix_socket",
               (username, new_password()))
    result, _ = run_runbook(services, rotator, arn)
    output = REGISTRY.redact(result.stdout + result.stderr)
    assert result.returncode != 0, output
    assert "FAILED: rotate-secret" in result.stderr, output
    assert "3/4" not in result.stdout, "the script went on after the failure"


def test_awscurrent_moved_back_to_the_kept_password_is_refused(sm, db, services, admin, start_rotator):
    """Whoever may move AWSCURRENT back to the version a rotation kept must
    not have Revoke keep that old password alone (KeptPasswordProof.swift)."""
    rotator = start_rotator(ROTATION_STRATEGY="admin", KEEP_PREVIOUS_PASSWORD="true")
    username, arn = ed25519_account(sm, db, admin)
    rotate(sm, rotator, arn)
    labels = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next(v for v, stages in labels.items() if "AWSCURRENT" in stages)
    previous = next(v for v, stages in labels.items() if "AWSPREVIOUS" in stages)
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=previous,
                                   RemoveFromVersionId=current)
    # Else the newer version's AWSPENDING reads as a rotation in progress, refused first.
    if "AWSPENDING" in labels[current]:
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=current)
    before = (snapshot(sm, arn), db.auth_digest(username))
    message = refused(rotator, {"Revoke": {"SecretId": arn}}, "RevokeRefused")
    assert "not the account's primary" in message, message
    assert (snapshot(sm, arn), db.auth_digest(username)) == before, "Revoke changed something"
    assert methods(db, username) == ["ed25519", "ed25519", "unix_socket"], "a password was dropped"


def test_an_older_password_that_still_logs_in_is_reported(sm, db, services, admin, start_rotator):
    """Without KEEP_PREVIOUS_PASSWORD Revoke drops nothing; a second password
    someone put back by hand is caught by the after-check, not passed over."""
    rotator = start_rotator(ROTATION_STRATEGY="admin")
    username, arn = ed25519_account(sm, db, admin)
    rotate(sm, rotator, arn)
    current = secret_dict(sm, arn)["password"]
    previous = secret_dict(sm, arn, VersionStage="AWSPREVIOUS")["password"]
    db.execute("ALTER USER %s@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(%s) "
               "OR ed25519 USING PASSWORD(%s) OR unix_socket", (username, current, previous))
    message = refused(rotator, {"Revoke": {"SecretId": arn}}, "RevokeIncomplete")
    assert "AWSPREVIOUS" in message, message
