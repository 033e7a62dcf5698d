"""The fleet check (issue 22), end to end: `{"CheckAll": {...}}` sent through
the Lambda emulator to the built binary, against moto and the real MariaDB.

The function runs under a function name of its own, so its ARN (the
Runtime API's Lambda-Runtime-Invoked-Function-Arn) is this test's alone:
the secrets the rest of the suite leaves in moto name another function and
must be left out, as must the other function's and the unrotated secrets
made here. Every case proves that no version or value changed and that no
password reached the answer or the log.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

from harness import REPO_ROOT, rotator_command, rotator_environment
from harness.accounts import create_account
from harness.fleet import (
    assert_silent,
    attach,
    by_secret_name,
    check_all,
    function_arn,
    start_fleet_function,
)
from harness.hung import HungServer
from harness.loopback import closed_port
from harness.rotation import run_step
from harness.secrets import REGISTRY, snapshot


def test_thirty_secrets_three_broken_exactly_those_flagged_nothing_changed(
        sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    own, other = function_arn(name), function_arn(name + "-other")
    prefix = f"e2e/{name}"
    ours = [create_account(sm, db, secret_prefix=f"{prefix}/ours", prefix="fl") for _ in range(27)]
    wrong_password = create_account(sm, db, secret_prefix=f"{prefix}/wrong-password", prefix="fl",
                                    create_user=False)
    db.create_user(wrong_password.username, REGISTRY.new_password())
    unreachable = create_account(sm, db, secret_prefix=f"{prefix}/unreachable", prefix="fl",
                                 extra={"port": closed_port()}, create_user=False)
    disabled = create_account(sm, db, secret_prefix=f"{prefix}/disabled", prefix="fl")
    for account in [*ours, wrong_password, unreachable, disabled]:
        attach(sm, account.arn, own)
    sm.cancel_rotate_secret(SecretId=disabled.arn)
    others = [create_account(sm, db, secret_prefix=f"{prefix}/other-function", prefix="fl", create_user=False)
              for _ in range(3)]
    for account in others:
        attach(sm, account.arn, other)
    unrotated = [create_account(sm, db, secret_prefix=f"{prefix}/no-rotation", prefix="fl", create_user=False)
                 for _ in range(3)]

    emulator = start_fleet_function(start_emulator, services, name)
    # One of ours rotated for real first, so it has a LastRotatedDate.
    token = sm.rotate_secret(SecretId=ours[0].arn, RotationLambdaARN=own)["VersionId"]
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        run_step(emulator, ours[0].arn, token, step)

    everything = [*ours, wrong_password, unreachable, disabled, *others, *unrotated]
    before = {account.arn: snapshot(sm, account.arn) for account in everything}
    digests = {account.username: db.auth_digest(account.username) for account in [*ours, disabled]}

    answer = check_all(emulator)

    expected = {account.arn for account in [*ours, wrong_password, unreachable, disabled]}
    assert {entry["SecretId"] for entry in answer["secrets"]} == expected, "not exactly this function's 30"
    assert len(answer["secrets"]) == 30
    assert (answer["checked"], answer["failing"], answer["notChecked"]) == (30, 3, 0)
    assert answer["complete"] is True and answer["FunctionArn"] == own
    entries = {entry["SecretId"]: entry for entry in answer["secrets"]}
    assert entries[wrong_password.arn]["failed"] == ["login-current"]
    assert entries[unreachable.arn]["failed"] == ["tcp"]
    assert entries[disabled.arn]["failed"] == ["rotation-enabled"]
    for broken in (wrong_password, unreachable, disabled):
        entry = entries[broken.arn]
        assert entry["ok"] is False and entry["status"] == "failing"
        assert [problem["name"] for problem in entry["problems"]] == entry["failed"]
    assert "rotate-secret" in " ".join(entries[disabled.arn]["advice"])
    healthy = [entries[account.arn] for account in ours]
    assert all(entry["ok"] is True and entry["failed"] == [] for entry in healthy), \
        [entry["failed"] for entry in healthy if not entry["ok"]]
    assert entries[ours[0].arn]["daysSinceLastRotation"] == 0
    assert entries[ours[0].arn]["lastRotatedDate"].endswith("Z")
    assert entries[ours[1].arn]["daysSinceLastRotation"] is None, "never rotated, yet a rotation age"

    after = {account.arn: snapshot(sm, account.arn) for account in everything}
    assert after == before, "the fleet check changed a version, stage or value"
    assert {user: db.auth_digest(user) for user in digests} == digests, "a password changed in the database"
    assert_silent(answer, emulator)
    log = emulator.log_path.read_text(errors="replace")
    assert "fleet check done" in log and "failing=3" in log

    # The filter: only names under the prefix given.
    narrowed = check_all(emulator, NamePrefix=f"{prefix}/wrong-password")
    assert [entry["SecretId"] for entry in narrowed["secrets"]] == [wrong_password.arn]


def test_stuck_pending_overdue_and_never_rotated_are_named_with_their_commands(
        sm, db, services, start_emulator, moto):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    own = function_arn(name)
    prefix = f"e2e/{name}"
    emulator = start_fleet_function(start_emulator, services, name)

    # Stuck: a rotation started two days ago that never finished.
    stuck = create_account(sm, db, secret_prefix=f"{prefix}/stuck", prefix="fl")
    pending = sm.rotate_secret(SecretId=stuck.arn, RotationLambdaARN=own,
                               RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
    moto.backdate(stuck.arn, 2 * 86400)
    # Overdue: rotated for real, then (backdated) three days ago on a daily schedule.
    overdue = create_account(sm, db, secret_prefix=f"{prefix}/overdue", prefix="fl")
    token = sm.rotate_secret(SecretId=overdue.arn, RotationLambdaARN=own,
                             RotationRules={"AutomaticallyAfterDays": 1})["VersionId"]
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        run_step(emulator, overdue.arn, token, step)
    moto.backdate(overdue.arn, 3 * 86400)
    # Never rotated: rotation on for three days, every day, and no rotation yet.
    never = create_account(sm, db, secret_prefix=f"{prefix}/never", prefix="fl")
    attach(sm, never.arn, own, days=1)
    moto.backdate(never.arn, 3 * 86400)

    answer = check_all(emulator)
    entries = by_secret_name(answer)
    assert len(entries) == 3 and answer["failing"] == 3

    stuck_entry = entries[stuck.name]
    assert "pending-too-long" in stuck_entry["failed"]
    clear = (f"aws secretsmanager update-secret-version-stage --secret-id {stuck.arn} "
             f"--version-stage AWSPENDING --remove-from-version-id {pending}")
    assert any(clear in advice for advice in stuck_entry["advice"]), stuck_entry["advice"]

    overdue_entry = entries[overdue.name]
    assert overdue_entry["failed"] == ["rotation-overdue"]
    assert overdue_entry["daysSinceLastRotation"] == 3
    assert any(advice.endswith(f"aws secretsmanager rotate-secret --secret-id {overdue.arn}")
               for advice in overdue_entry["advice"]), overdue_entry["advice"]

    never_entry = entries[never.name]
    assert never_entry["failed"] == ["rotation-never-succeeded"]
    assert any(advice.endswith(f"aws secretsmanager rotate-secret --secret-id {never.arn}")
               for advice in never_entry["advice"]), never_entry["advice"]
    assert_silent(answer, emulator)

    # The advice works: clearing AWSPENDING as it says clears both checks.
    sm.update_secret_version_stage(SecretId=stuck.arn, VersionStage="AWSPENDING",
                                   RemoveFromVersionId=pending)
    again = by_secret_name(check_all(emulator, NamePrefix=f"{prefix}/stuck"))
    assert again[stuck.name]["ok"] is True, again[stuck.name]["failed"]


def test_a_windowed_schedule_is_overdue_only_once_its_window_has_closed(
        sm, db, services, start_emulator, moto):
    """rate(1 day) with a 4-hour window: rotated 1 day 3 h ago is inside the
    window that is due now; 1 day 5 h ago, that window closed an hour ago
    (the old rule, schedule plus a day, called both on time)."""
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    own = function_arn(name)
    prefix = f"e2e/{name}"
    emulator = start_fleet_function(start_emulator, services, name)
    rules = {"ScheduleExpression": "rate(1 day)", "Duration": "4h"}
    accounts = {}
    for label, age in (("in-window", 27 * 3600), ("late", 29 * 3600)):
        account = create_account(sm, db, secret_prefix=f"{prefix}/{label}", prefix="fw")
        token = sm.rotate_secret(SecretId=account.arn, RotationLambdaARN=own, RotationRules=rules)["VersionId"]
        for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
            run_step(emulator, account.arn, token, step)
        moto.backdate(account.arn, age)
        assert sm.describe_secret(SecretId=account.arn)["RotationRules"] == rules
        accounts[label] = account

    entries = by_secret_name(check_all(emulator, NamePrefix=prefix))
    in_window, late = entries[accounts["in-window"].name], entries[accounts["late"].name]
    assert in_window["ok"] is True, in_window["failed"]
    assert late["failed"] == ["rotation-overdue"]
    (problem,) = late["problems"]
    assert "rate(1 day)" in problem["detail"] and "window of 4 h has closed" in problem["detail"], problem
    assert any(advice.endswith(f"aws secretsmanager rotate-secret --secret-id {accounts['late'].arn}")
               for advice in late["advice"]), late["advice"]


def test_a_rotation_under_way_is_not_a_failure(sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    own = function_arn(name)
    account = create_account(sm, db, secret_prefix=f"e2e/{name}/rotating", prefix="fl")
    sm.rotate_secret(SecretId=account.arn, RotationLambdaARN=own, RotationRules={"AutomaticallyAfterDays": 30})
    emulator = start_fleet_function(start_emulator, services, name)
    entry = check_all(emulator)["secrets"][0]
    assert entry["ok"] is True, entry["failed"]


def hung_and_healthy(sm, db, hung, name):
    """One secret whose database never answers and four healthy ones after it
    (name order), all rotated by the function `name`."""
    prefix = f"e2e/{name}"
    stuck = create_account(sm, db, secret_prefix=f"{prefix}/00-hung", prefix="fl", create_user=False,
                           extra={"port": hung.port})
    healthy = [create_account(sm, db, secret_prefix=f"{prefix}/10-healthy", prefix="fl") for _ in range(4)]
    for account in [stuck, *healthy]:
        attach(sm, account.arn, function_arn(name))
    return stuck, healthy


def test_a_hung_database_does_not_hold_the_answer_past_the_deadline(sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    with HungServer() as hung:
        # Checked first (name order), on the only worker: it takes its cap
        # (the fleet's time shared by five rounds, at least 4 s), no more, and
        # the healthy secret after it is still reached.
        stuck, healthy = hung_and_healthy(sm, db, hung, name)
        emulator = start_fleet_function(start_emulator, services, name, timeout=9.0)
        ok, answer = emulator.invoke({"CheckAll": {"Concurrency": 1}})
        # An answer at all, not Lambda's timeout: the check stopped at its deadline.
        assert ok, f"no answer before the deadline: {answer}"
        assert hung.accepted >= 1, "the hung server was never reached"
    entries = {entry["SecretId"]: entry for entry in answer["secrets"]}
    assert len(entries) == 5
    assert entries[stuck.arn]["ok"] is False
    assert entries[stuck.arn]["status"] == "notChecked", entries[stuck.arn]
    assert "cap of 4 s per secret" in entries[stuck.arn]["notChecked"], entries[stuck.arn]
    # The first healthy one starts when the hung one reaches its cap, with time to spare.
    first = answer["secrets"][1]  # name order: the hung one, then the healthy ones
    assert first["SecretId"] in {account.arn for account in healthy}
    assert first["status"] != "notChecked" and "login-current" not in first["failed"], first
    for entry in answer["secrets"][2:]:
        if entry["status"] == "notChecked":
            assert "time ran out" in entry["notChecked"], entry
    assert answer["complete"] is False and answer["notChecked"] >= 1
    assert answer["checked"] + answer["notChecked"] == 5
    assert_silent(answer, emulator)


def test_check_script_prints_the_fleet_and_one_secret_as_tables(sm, db, services, tmp_path):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    prefix = f"e2e/{name}"
    good = create_account(sm, db, secret_prefix=f"{prefix}/good", prefix="fl")
    bad = create_account(sm, db, secret_prefix=f"{prefix}/bad", prefix="fl", create_user=False)
    for account in (good, bad):
        attach(sm, account.arn, function_arn(name))
    command, _ = rotator_command()
    env = {**rotator_environment(services), "FUNCTION_NAME": name, "ROTATOR_COMMAND": command[0],
           "TMPDIR": str(tmp_path)}
    REGISTRY.log_files.add(tmp_path / "rotator-check.log")  # the session's leak scan reads it

    def script(*args):
        return subprocess.run([sys.executable, "-m", "harness.check", *args], env=env, capture_output=True,
                              text=True, timeout=120, cwd=REPO_ROOT)

    fleet = script("--all", prefix)
    assert fleet.returncode == 1, fleet.stderr
    lines = fleet.stdout.splitlines()
    assert lines[0].split() == ["secret", "ok", "what", "failed", "last", "rotation"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:4]}
    assert rows[good.name] == ["ok", "never"]
    assert rows[bad.name] == ["FAIL", "login-current", "never"]
    assert "2 checked, 1 failing, 0 not checked" in fleet.stdout

    raw = script("--json", "--all", prefix)
    assert json.loads(raw.stdout)["failing"] == 1

    single = script(good.arn)
    assert single.returncode == 0, single.stderr
    assert single.stdout.splitlines()[0] == f"{good.arn} (self): ok"
    assert any(line.split()[:2] == ["login-current", "ok"] for line in single.stdout.splitlines())
    for output in (fleet.stdout, raw.stdout, single.stdout):
        assert REGISTRY.redact(output) == output, "a password in the script's output"


def test_a_bad_fleet_event_is_named_and_the_function_keeps_serving(sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    emulator = start_fleet_function(start_emulator, services, name)
    for request, key in (([], "CheckAll"), ({"Concurrency": 99}, "CheckAll.Concurrency"),
                         ({"NamePrefix": 7}, "CheckAll.NamePrefix"), ({"Prefix": "a"}, "CheckAll.Prefix")):
        ok, body = emulator.invoke({"CheckAll": request})
        assert not ok and body["errorType"] == "InvalidEvent", body
        assert f"'{key}'" in body["errorMessage"], body
    account = create_account(sm, db, secret_prefix=f"e2e/{name}/one", prefix="fl")
    attach(sm, account.arn, function_arn(name))
    answer = check_all(emulator)
    assert [entry["SecretId"] for entry in answer["secrets"]] == [account.arn]


def test_a_hung_database_stalls_only_its_own_worker(sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    with HungServer() as hung:
        stuck, healthy = hung_and_healthy(sm, db, hung, name)
        emulator = start_fleet_function(start_emulator, services, name, timeout=10.0)
        # Two workers: one waits on the hung server, the other checks the rest.
        answer = check_all(emulator, Concurrency=2)
    entries = {entry["SecretId"]: entry for entry in answer["secrets"]}
    assert entries[stuck.arn]["ok"] is False
    assert [entries[account.arn]["status"] for account in healthy] == ["ok"] * 4
    assert answer["checked"] >= 4
