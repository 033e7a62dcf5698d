"""Slow servers and a Check that reveals nothing, end to end through the
built zip, the Lambda emulator, moto and the real MariaDB.

A database that sends a byte a second keeps every per-read timeout happy;
only the conversation's wall-clock limit (Sources/MariaDB/ConversationLimit.swift)
ends it. Each case proves the invocation answered with the row that names the
slow server, that the process then serves the next invocation, and that no
thread of the slow conversation is left: the function process's thread count
(/proc/<pid>/task) returns to what it was when idle.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest

from harness.accounts import create_account, create_rotation_admin
from harness.fleet import assert_silent, attach, check_all, function_arn, start_fleet_function
from harness.hung import TrickleServer
from harness.preflight import by_name, check, failed
from harness.rotation import rotate
from harness.secrets import REGISTRY


def threads(emulator):
    return len(os.listdir(f"/proc/{emulator.state()['pid']}/task"))


def eventually(condition, what, bound=15.0):
    """Polls `condition` until it holds; fails after `bound` seconds."""
    give_up = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < give_up, what
        time.sleep(0.05)


def trickling(sm, db, server, prefix, **extra):
    return create_account(sm, db, secret_prefix=prefix, prefix="sl", create_user=False,
                          extra={"host": "127.0.0.1", "port": server.port, **extra})


@pytest.mark.parametrize("stage, require_tls", [("greeting", "true"), ("greeting", "false"), ("tls", "true")])
def test_a_trickling_server_ends_one_check_and_leaves_no_thread(stage, require_tls, sm, db, make_account,
                                                                 start_rotator):
    healthy = make_account()
    emulator = start_rotator(timeout=8.0, REQUIRE_TLS=require_tls)
    rotate(sm, emulator, healthy.arn)
    assert check(emulator, healthy.arn)["ok"] is True
    idle = threads(emulator)

    with TrickleServer(stage) as server:
        slow = trickling(sm, db, server, f"e2e/slow-{stage}")
        report = check(emulator, slow.arn)  # an answer, not the invocation's timeout
        assert server.accepted >= 1, "the trickling server was never reached"
        assert report["ok"] is False
        assert "login-current" in failed(report), failed(report)
        # The first conversation (the TLS probe) was cut at its limit; the
        # login after it had no time left, and says so.
        assert "the conversation's time ran out" in by_name(report, "tls")["detail"], by_name(report, "tls")
        assert "not enough time left" in by_name(report, "login-current")["detail"]
        # The client hung up on the trickle: every connection it opened is closed.
        eventually(lambda: server.open_connections == 0, "a connection to the trickling server is still open")

    after = check(emulator, healthy.arn)
    assert after["ok"] is True, failed(after)
    eventually(lambda: threads(emulator) <= idle, f"threads stayed above the idle {idle}")
    assert emulator.state()["cold_starts"] == 1, "the process was replaced instead of serving on"
    assert_silent(after, emulator)


def test_check_all_reaches_the_healthy_secret_behind_four_trickling_ones(sm, db, services, start_emulator):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    prefix = f"e2e/{name}"
    with TrickleServer("greeting") as server:
        slow = [trickling(sm, db, server, f"{prefix}/00-trickle-{index}") for index in range(4)]
        healthy = create_account(sm, db, secret_prefix=f"{prefix}/10-healthy", prefix="sl")
        for account in [*slow, healthy]:
            attach(sm, account.arn, function_arn(name))
        emulator = start_fleet_function(start_emulator, services, name, timeout=20.0)
        assert check(emulator, healthy.arn)["checks"], "no warm-up report"
        idle = threads(emulator)

        # Four workers, all taken first by the trickling secrets (name order).
        answer = check_all(emulator, NamePrefix=prefix, Concurrency=4)
        assert server.accepted >= 4, "not every trickling secret reached its server"
        eventually(lambda: server.open_connections == 0, "a connection to the trickling server is still open")

    entries = {entry["SecretId"]: entry for entry in answer["secrets"]}
    assert len(entries) == 5
    assert entries[healthy.arn]["status"] != "notChecked", entries[healthy.arn]
    assert "login-current" not in entries[healthy.arn]["failed"], entries[healthy.arn]
    for account in slow:
        entry = entries[account.arn]
        assert entry["status"] == "notChecked" and entry["ok"] is False, entry
        assert "cap of" in entry["notChecked"] and "per secret" in entry["notChecked"], entry
    assert answer["complete"] is False and answer["listingComplete"] is True
    eventually(lambda: threads(emulator) <= idle, f"threads stayed above the idle {idle}")
    # The process serves on: the next invocation is answered by the same process.
    assert check(emulator, healthy.arn)["checks"]
    assert emulator.state()["cold_starts"] == 1
    assert_silent(answer, emulator)


def test_listing_that_runs_out_of_time_answers_in_part(sm, db, services, start_emulator, moto):
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    emulator = start_fleet_function(start_emulator, services, name, timeout=8.0)
    moto.fault("ListSecrets", "hold", count=1, seconds=30)
    try:
        ok, answer = emulator.invoke({"CheckAll": {"NamePrefix": f"e2e/{name}"}})
    finally:
        moto.reset()
    # An answer, not a failed invocation: what was listed (nothing), and why not the rest.
    assert ok, answer
    assert answer["listingComplete"] is False and answer["complete"] is False
    assert "ListSecrets stopped after 0 pages" in answer["notListed"], answer["notListed"]
    assert answer["secrets"] == [] and answer["checked"] == 0


# What the admin needed to look the account up before Check stopped asking.
LOOKUP_GRANTS = ["CREATE USER ON *.*", "SELECT ON mysql.*"]


def test_a_refused_login_names_no_other_account(sm, db, start_rotator):
    """A caller who may invoke Check names an account they do not hold, with
    a guessed password and the admin as masterarn: the report says the login
    was refused and nothing about the account the server does have."""
    admin = create_rotation_admin(sm, db, LOOKUP_GRANTS)
    REGISTRY.add(admin.password)
    username = f"sock{uuid.uuid4().hex[:6]}"
    db.execute("CREATE USER %s@'localhost' IDENTIFIED VIA unix_socket", (username,))
    try:
        guessed = create_account(sm, db, username, prefix="sl", create_user=False,
                                 extra={"host": "127.0.0.1", "masterarn": admin.arn})
        emulator = start_rotator(ROTATION_STRATEGY="admin")
        report = check(emulator, guessed.arn)
    finally:
        db.execute("DROP USER IF EXISTS %s@'localhost'", (username,))
    login = by_name(report, "login-current")
    assert login["ok"] is False and "refused" in login["detail"], login
    text = json.dumps(report)
    assert "localhost" not in text and "unix_socket" not in text, "the report describes the other account"
    assert not [c for c in report["checks"] if c["name"] == "authentication"], report["checks"]
    assert_silent(report, emulator)
