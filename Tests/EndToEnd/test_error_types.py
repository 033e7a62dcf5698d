"""Every errorType of the README's errors table is produced by the built
binary end to end and asserted exactly (not as one of several) somewhere in
this suite; the first test cross-checks the table against the suite's own
source. The rest produce the types no other module does: each breaks one
real part (moto, RDS's endpoint, the invocation's deadline, the Runtime API)
and expects exactly one errorType.

The Runtime API cases need a Runtime API that misbehaves, which the
emulator never does: a fake one here (FakeRuntimeAPI) serves one event and
records what the function posts."""

from __future__ import annotations

import ast
import http.server
import json
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from harness import event, rotator_command, rotator_environment, start_rotation
from harness.contract import ERRORS_PAGE, readme_error_table
from harness.rotation import describe_failure, rotate, run_step
from harness.runtime_api_server import send_json
from harness.secrets import REGISTRY, new_password, snapshot, unique

E2E_DIR = Path(__file__).resolve().parent

# Produced only by a bug (an error without a description), which no
# end-to-end test can provoke in a correct binary; LambdaRuntimeClientTests
# checks how it is reported.
# Runtime.UnhandledError: only a bug produces it. InvalidHost: only a host in
# RDS's answer reaches the connection layer's check (a secret's own host is
# refused as InvalidSecret), and moto's RDS makes no hostile endpoint names;
# Tests/MariaDBTests/HostCheckTests.swift proves it against the connection layer.
NOT_END_TO_END = {"Runtime.UnhandledError", "InvalidHost"}


def exactly_asserted(path: Path) -> set[str]:
    """The string constants of a test module, except members of a tuple, list
    or set on the right of `in` (an errorType accepted as one of several)."""
    tree = ast.parse(path.read_text("utf-8"))
    one_of_several: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Set)
                and any(isinstance(target, ast.Name) and target.id == "NOT_END_TO_END" for target in node.targets)):
            one_of_several.update(id(element) for element in node.value.elts)  # the exemptions themselves
        if isinstance(node, ast.Compare):
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(comparator, (ast.Tuple, ast.List, ast.Set)):
                    one_of_several.update(id(element) for element in comparator.elts)
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in one_of_several}


def test_every_error_type_in_the_readme_is_asserted_exactly_by_some_end_to_end_test():
    names = {name for row, _ in readme_error_table(ERRORS_PAGE.read_text("utf-8")) for name in row}
    found: set[str] = set()
    for path in E2E_DIR.glob("test_*.py"):
        found |= exactly_asserted(path)
    missing = sorted(names - found - NOT_END_TO_END)
    assert not missing, f"errorTypes of the README no end-to-end test asserts exactly: {missing}"
    assert NOT_END_TO_END <= names, "an exemption names an errorType the README no longer has"
    tested = NOT_END_TO_END & found
    assert not tested, f"now tested end to end, drop the exemption: {sorted(tested)}"


def test_the_cross_check_sees_one_of_several_as_not_exact(tmp_path):
    module = tmp_path / "test_x.py"
    module.write_text('def test_x(body):\n    assert body["errorType"] in ("A", "B")\n'
                      '    assert body["errorType"] == "C"\n')
    assert exactly_asserted(module) >= {"C"} and not exactly_asserted(module) & {"A", "B"}


# ---------------------------------------------------------------------------
# Rotation steps
# ---------------------------------------------------------------------------

def test_a_token_that_is_neither_pending_nor_current_is_version_not_pending(sm, db, rotator, make_account):
    account = make_account()
    first = rotate(sm, rotator, account.arn)
    rotate(sm, rotator, account.arn)  # the first rotation's version is now AWSPREVIOUS
    before = snapshot(sm, account.arn)

    ok, body = rotator.invoke(event(account.arn, first, "setSecret"))

    assert not ok and body["errorType"] == "VersionNotPending", describe_failure("setSecret", body)
    assert first in body["errorMessage"], "the error does not name the version"
    assert snapshot(sm, account.arn) == before, "something changed"


def test_an_unreachable_database_is_database_error(sm, db, rotator, make_account):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    account = make_account(extra={"port": closed}, create_user=False)
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "DatabaseError", describe_failure("setSecret", body)
    assert "unreachable" in body["errorMessage"] and str(closed) in body["errorMessage"]


def test_an_answer_that_is_not_the_services_json_is_secrets_manager_invalid_response(
        sm, rotator, make_account, moto):
    account = make_account()
    token = start_rotation(sm, account.arn)
    before = snapshot(sm, account.arn)
    moto.fault("DescribeSecret", "garbage", 10)

    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))
    moto.reset()

    assert not ok and body["errorType"] == "SecretsManagerInvalidResponse", describe_failure("createSecret", body)
    assert snapshot(sm, account.arn) == before, "something changed"
    run_step(rotator, account.arn, token, "createSecret")  # the process keeps serving


def test_no_time_left_for_secrets_manager_is_secrets_manager_deadline_exceeded(sm, start_rotator, make_account):
    # 0.4 s is less than the client's 0.5 s safety margin from the start: no
    # request is sent, whatever the machine's speed.
    account = make_account()
    token = start_rotation(sm, account.arn)
    rotator = start_rotator(timeout=0.4)

    ok, body = rotator.invoke(event(account.arn, token, "createSecret"))

    assert not ok and body["errorType"] == "SecretsManagerDeadlineExceeded", describe_failure("createSecret", body)


def test_no_time_left_for_the_database_is_deadline_exceeded(sm, db, rotator, start_rotator, make_account):
    # 1.9 s: Secrets Manager's calls fit (its margin is 0.5 s), but the
    # database needs 1 s beyond its own 1 s margin, which can never be left.
    account = make_account()
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    before = db.auth_digest(account.username)
    short = start_rotator(timeout=1.9)

    ok, body = short.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "DeadlineExceeded", describe_failure("setSecret", body)
    assert db.auth_digest(account.username) == before, "the password changed"


def test_rds_that_cannot_be_reached_is_rds_error(sm, db, start_rotator, make_account):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    admin_arn = sm.create_secret(
        Name="rds!db-" + str(uuid.uuid4()),
        SecretString=json.dumps({"username": unique("rdsadmin"), "password": new_password()}),
        Tags=[{"Key": "aws:rds:primaryDBInstanceArn",
               "Value": "arn:aws:rds:us-east-1:123456789012:db:unreachable-db"}])["ARN"]
    account = make_account(extra={"masterarn": admin_arn})
    rotator = start_rotator(ROTATION_STRATEGY="admin", AWS_ENDPOINT_URL_RDS=f"http://127.0.0.1:{closed}",
                            MAX_ATTEMPTS="1")
    token = start_rotation(sm, account.arn)
    run_step(rotator, account.arn, token, "createSecret")
    before = db.auth_digest(account.username)

    ok, body = rotator.invoke(event(account.arn, token, "setSecret"))

    assert not ok and body["errorType"] == "RDSError", describe_failure("setSecret", body)
    assert db.auth_digest(account.username) == before, "the password changed"


# ---------------------------------------------------------------------------
# The Runtime API misbehaving
# ---------------------------------------------------------------------------

class FakeRuntimeAPI:
    """Serves one event, optionally without the deadline header, and answers
    the function's response with `response_status`; records every post."""

    def __init__(self, event_body: dict, *, deadline: bool = True, response_status: int = 202):
        self.event_body = json.dumps(event_body).encode()
        self.deadline, self.response_status = deadline, response_status
        self.posts: list[tuple[str, Any]] = []
        self.served = threading.Event()
        self.error_posted = threading.Event()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if fake.served.is_set():
                    fake.error_posted.wait(60)  # one event only; hold the next poll
                    self.close_connection = True
                    return
                fake.served.set()
                headers = {"Lambda-Runtime-Aws-Request-Id": "req-1",
                           "Lambda-Runtime-Invoked-Function-Arn":
                               "arn:aws:lambda:us-east-1:123456789012:function:rotator"}
                if fake.deadline:
                    headers["Lambda-Runtime-Deadline-Ms"] = str(int(time.time() * 1000) + 60_000)
                send_json(self, 200, fake.event_body, headers)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = self.path.rsplit("/", 1)[-1]
                fake.posts.append((kind, json.loads(body or b"null")))
                if kind == "response" and fake.response_status != 202:
                    send_json(self, fake.response_status, json.dumps(
                        {"errorType": "RequestEntityTooLarge", "errorMessage": "too large"}).encode())
                    return
                send_json(self, 202, b"{}")
                if kind == "error":
                    fake.error_posted.set()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRuntimeAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.error_posted.set()
        self.server.shutdown()
        self.server.server_close()


def run_against(fake: FakeRuntimeAPI, services, log_dir: Path, name: str) -> list[tuple[str, Any]]:
    command, task_root = rotator_command()
    env = rotator_environment(services, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{fake.server.server_address[1]}",
                              AWS_LAMBDA_FUNCTION_NAME="rotator", LAMBDA_TASK_ROOT=str(task_root))
    log_path = log_dir / f"{name}.log"
    REGISTRY.log_files.add(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=task_root, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            assert fake.error_posted.wait(60), f"the function posted no error: {[kind for kind, _ in fake.posts]}"
            assert process.poll() is None, "the function process died"
        finally:
            process.kill()
            process.wait()
    return fake.posts


def test_an_invocation_without_a_deadline_is_runtime_invalid_invocation(services, log_dir):
    with FakeRuntimeAPI({"Check": {"SecretId": "e2e/none"}}, deadline=False) as fake:
        posts = run_against(fake, services, log_dir, "invalid-invocation")
    assert [kind for kind, _ in posts] == ["error"], posts
    assert posts[0][1]["errorType"] == "Runtime.InvalidInvocation", posts[0][1]


def test_a_refused_response_is_runtime_response_not_accepted(services, log_dir):
    with FakeRuntimeAPI({"Check": {"SecretId": "e2e/none"}}, response_status=413) as fake:
        posts = run_against(fake, services, log_dir, "response-not-accepted")
    assert [kind for kind, _ in posts] == ["response", "error"], [kind for kind, _ in posts]
    assert posts[1][1]["errorType"] == "Runtime.ResponseNotAccepted", posts[1][1]


@pytest.mark.parametrize("variable, value", [("PASSWORD_LENGTH", "many"), ("MAX_ATTEMPTS", "0")])
def test_a_bad_environment_variable_is_configuration_at_init(start_rotator, variable, value):
    rotator = start_rotator(**{variable: value})

    ok, body = rotator.invoke({"Check": {"SecretId": "e2e/none"}})

    assert not ok and body["errorType"] == "Configuration", body
    assert variable in body["errorMessage"], "the error does not name the variable"
