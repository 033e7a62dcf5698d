"""The runtime emulator behaves like Lambda, checked two ways.

1. AWS's own Python runtime client (awslambdaric) runs tiny handlers under it:
   if our Runtime API were off (headers, status codes, error shapes), AWS's
   client would misbehave here first.
2. Raw HTTP requests play the function's side, to pin details a well-behaved
   client never exercises (unknown request ids, long polling, serialisation).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import re
import sys
import time
import uuid
from typing import Any

import pytest

from harness import FIXTURES

TRACE_ID = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NEXT = "/2018-06-01/runtime/invocation/next"


def python_runtime(start_emulator, handler: str, **kwargs):
    return start_emulator([sys.executable, "-m", "awslambdaric", handler],
                          task_root=FIXTURES, **kwargs)


# ---------------------------------------------------------------------------
# With AWS's runtime client
# ---------------------------------------------------------------------------

def test_handler_result_reaches_the_invoker(start_emulator):
    emulator = python_runtime(start_emulator, "handlers.echo", timeout=10)

    ok, body = emulator.invoke({"hello": "world", "n": 1})

    assert ok
    assert body["event"] == {"hello": "world", "n": 1}
    assert UUID.match(body["request_id"])
    assert body["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:function"
    # awslambdaric derives this from Lambda-Runtime-Deadline-Ms.
    assert 0 < body["remaining_ms"] <= 10_000
    env = body["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"] == f"127.0.0.1:{emulator.port}"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "function"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/function"
    assert re.match(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["LAMBDA_TASK_ROOT"] == str(FIXTURES)
    assert body["cwd"] == str(FIXTURES)
    assert env["_HANDLER"] == "bootstrap"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_provided.al2"
    assert env["TZ"] == ":UTC"
    assert env["LANG"] == "en_US.UTF-8"
    # awslambdaric copies Lambda-Runtime-Trace-Id here.
    assert TRACE_ID.match(env["_X_AMZN_TRACE_ID"])

    ok, second = emulator.invoke({"n": 2})
    assert ok and second["event"] == {"n": 2}
    assert second["pid"] == body["pid"], "a warm invoke must reuse the process"
    assert second["request_id"] != body["request_id"]
    state = emulator.state()
    assert state["cold_starts"] == 1
    assert state["invocations"] == 2
    assert state["pid"] == body["pid"]
    assert state["last_init_ms"] is not None and state["last_init_ms"] > 0
    assert state["last_init_error"] is None


def test_handler_exception_becomes_a_function_error(start_emulator):
    emulator = python_runtime(start_emulator, "handlers.fail", timeout=10)

    ok, body = emulator.invoke({"reason": "bad-input-42"})

    assert not ok
    assert body["errorType"] == "ValueError"
    assert "bad-input-42" in body["errorMessage"]
    # A handled error leaves the process alive for the next invoke.
    assert emulator.state()["pid"] is not None
    assert emulator.state()["cold_starts"] == 1


def test_process_exit_is_an_exit_error_and_the_next_invoke_cold_starts(start_emulator):
    emulator = python_runtime(start_emulator, "handlers.exit_if_asked", timeout=10)
    ok, first = emulator.invoke({"exit": False})
    assert ok

    ok, body = emulator.invoke({"exit": True})

    assert not ok
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 1" in body["errorMessage"]
    assert emulator.state()["pid"] is None

    ok, again = emulator.invoke({"exit": False})
    assert ok
    assert again["pid"] != first["pid"]
    assert emulator.state()["cold_starts"] == 2


def test_overrunning_the_timeout_kills_the_function(start_emulator):
    emulator = python_runtime(start_emulator, "handlers.sleep_if_asked", timeout=2, eager=True)
    ok, warm = emulator.invoke({})
    assert ok
    pid = warm["pid"]

    started = time.monotonic()
    ok, body = emulator.invoke({"sleep": 600})
    elapsed = time.monotonic() - started

    assert not ok
    assert body["errorType"] == "Sandbox.Timedout"
    assert "timed out after 2.00 seconds" in body["errorMessage"]
    assert 1.9 <= elapsed < 20
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # SIGKILLed and reaped
    ok, after = emulator.invoke({})
    assert ok and after["pid"] != pid
    assert emulator.state()["cold_starts"] == 2


def test_init_failure_is_reported_to_the_invoke(start_emulator):
    emulator = python_runtime(start_emulator, "broken_import.handler", timeout=10)

    ok, body = emulator.invoke({})

    assert not ok
    assert body["errorType"] == "RuntimeError"
    assert "configuration missing at import time" in body["errorMessage"]
    state = emulator.state()
    assert state["last_init_error"]["errorType"] == "RuntimeError"
    assert state["pid"] is None, "Lambda discards a sandbox whose init failed"


def test_function_output_goes_to_the_log_not_the_terminal(start_emulator, capfd):
    emulator = python_runtime(start_emulator, "handlers.print_marker", timeout=10)
    marker = uuid.uuid4().hex

    ok, _ = emulator.invoke({"marker": marker})

    assert ok
    emulator.close()
    log = emulator.log_path.read_text()
    assert f"marker-line {marker}" in log
    assert "START RequestId:" in log and "REPORT RequestId:" in log
    captured = capfd.readouterr()
    assert marker not in captured.out and marker not in captured.err


# Lambda's log-level filter (harness/lambda_logs.py cites AWS's rule): each
# line below, and the settings under which Lambda sends it to CloudWatch.
NOW = "2026-12-01T00:00:00.000Z"
FILTERED_LINES = {
    "debug": json.dumps({"level": "DEBUG", "timestamp": NOW, "message": "m-debug"}),
    "info": json.dumps({"level": "INFO", "timestamp": NOW, "message": "m-info"}),
    "warn": json.dumps({"level": "WARN", "timestamp": NOW, "message": "m-warn"}),
    "lower-case-error": json.dumps({"level": "error", "timestamp": NOW, "message": "m-lower-case-error"}),
    "fatal": json.dumps({"level": "FATAL", "timestamp": "2026-12-01T00:00:00+01:00", "message": "m-fatal"}),
    "no-level": json.dumps({"timestamp": NOW, "message": "m-no-level"}),
    "bad-level": json.dumps({"level": "LOUD", "timestamp": NOW, "message": "m-bad-level"}),
    "error-no-timestamp": json.dumps({"level": "ERROR", "message": "m-error-no-timestamp"}),
    "error-bad-timestamp": json.dumps({"level": "ERROR", "timestamp": "yesterday", "message": "m-error-bad-timestamp"}),
    "error-impossible-day": json.dumps({"level": "ERROR", "timestamp": "2026-13-45T00:00:00Z",
                                        "message": "m-error-impossible-day"}),
    "plain-text": "m-plain-text ERROR in words only",
    "json-array": json.dumps(["m-json-array", "ERROR"]),
}
EVERY = set(FILTERED_LINES)
AT_INFO = EVERY - {"debug"}
AT_WARN = {"warn", "lower-case-error", "fatal"}


@pytest.mark.parametrize("env, kept", [
    pytest.param({}, EVERY, id="text-format-keeps-everything"),
    pytest.param({"AWS_LAMBDA_LOG_LEVEL": "ERROR"}, EVERY, id="text-format-ignores-the-level"),
    pytest.param({"AWS_LAMBDA_LOG_FORMAT": "JSON"}, AT_INFO, id="json-defaults-to-info"),
    pytest.param({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "TRACE"}, EVERY, id="json-trace"),
    pytest.param({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"}, AT_WARN, id="json-warn"),
    pytest.param({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "ERROR"},
                 {"lower-case-error", "fatal"}, id="json-error"),
    pytest.param({"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "FATAL"}, {"fatal"}, id="json-fatal"),
])
def test_the_log_holds_what_lambdas_level_filter_keeps(start_emulator, env, kept):
    emulator = python_runtime(start_emulator, "handlers.print_lines", timeout=10,
                              env={**os.environ, **env})

    ok, body = emulator.invoke({"lines": list(FILTERED_LINES.values())})

    assert ok and body == {"printed": len(FILTERED_LINES)}
    # Read at once: the answer waits until the lines written before it are in the log.
    log = emulator.log_path.read_text()
    found = {name for name in FILTERED_LINES if f"m-{name}" in log}
    assert found == kept, f"kept {sorted(found)}, Lambda keeps {sorted(kept)}"
    assert "START RequestId:" in log and "END RequestId:" in log, "the platform's lines are never filtered"


def test_a_line_longer_than_the_pipe_reaches_the_log_whole(start_emulator):
    """The filter judges whole lines: one the pipe delivers in many pieces is kept or dropped whole."""
    emulator = python_runtime(start_emulator, "handlers.print_lines", timeout=10,
                              env={**os.environ, "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"})
    long_kept = json.dumps({"level": "WARN", "timestamp": NOW, "message": "k" * 300_000})
    long_dropped = json.dumps({"level": "INFO", "timestamp": NOW, "message": "d" * 300_000})

    ok, _ = emulator.invoke({"lines": [long_dropped, long_kept]})

    assert ok
    lines = emulator.log_path.read_text().splitlines()
    assert long_kept in lines, "the long WARN line is not in the log whole"
    assert not any("ddd" in line for line in lines), "a piece of the dropped INFO line reached the log"


# ---------------------------------------------------------------------------
# Raw Runtime API: the test plays the function; the spawned process just sleeps
# ---------------------------------------------------------------------------

class RawRuntime:
    def __init__(self, emulator):
        self.emulator = emulator
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.emulator.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def background(self, function, *args) -> concurrent.futures.Future:
        return self.pool.submit(function, *args)

    def next(self) -> concurrent.futures.Future:
        return self.background(self.request, "GET", NEXT)

    def invoke(self, payload: Any) -> concurrent.futures.Future:
        return self.background(self.emulator.invoke, payload)


@pytest.fixture
def raw(start_emulator):
    emulator = start_emulator(["sleep", "3600"], eager=True, timeout=30)
    runtime = RawRuntime(emulator)
    yield runtime
    runtime.pool.shutdown(wait=False, cancel_futures=True)


def test_next_delivers_the_event_with_lambda_headers(raw):
    invocation = raw.invoke({"question": "six times seven"})

    status, headers, body = raw.next().result(timeout=30)
    now_ms = time.time() * 1000

    assert status == 200
    assert json.loads(body) == {"question": "six times seven"}
    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    assert UUID.match(request_id)
    deadline = int(headers["Lambda-Runtime-Deadline-Ms"])
    assert now_ms < deadline <= now_ms + 30_000 + 1_000
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == \
        "arn:aws:lambda:us-east-1:123456789012:function:function"
    assert TRACE_ID.match(headers["Lambda-Runtime-Trace-Id"])

    status, _, _ = raw.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response",
                               json.dumps({"answer": 42}).encode())
    assert status == 202
    assert invocation.result(timeout=30) == (True, {"answer": 42})

    # Answering twice is refused like an unknown id.
    status, _, body = raw.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", b"{}")
    assert status == 400
    assert json.loads(body)["errorType"] == "InvalidRequestID"


@pytest.mark.parametrize("kind", ["response", "error"])
def test_unknown_request_id_is_rejected(raw, kind):
    status, _, body = raw.request(
        "POST", f"/2018-06-01/runtime/invocation/{uuid.uuid4()}/{kind}", b"{}")
    assert status == 400
    assert json.loads(body)["errorType"] == "InvalidRequestID"


def test_error_post_becomes_an_unhandled_function_error(raw):
    invocation = raw.background(
        raw.emulator.invoke_raw, json.dumps({"x": 1}).encode())
    _, headers, _ = raw.next().result(timeout=30)
    request_id = headers["Lambda-Runtime-Aws-Request-Id"]

    status, _, _ = raw.request(
        "POST", f"/2018-06-01/runtime/invocation/{request_id}/error",
        json.dumps({"errorMessage": "it broke", "errorType": "Custom.Failure"}).encode(),
        {"Lambda-Runtime-Function-Error-Type": "Custom.Failure"})

    assert status == 202
    status, invoke_headers, body = invocation.result(timeout=30)
    assert status == 200
    assert invoke_headers.get("X-Amz-Function-Error") == "Unhandled"
    assert json.loads(body) == {"errorMessage": "it broke", "errorType": "Custom.Failure"}


def wait_for_state(emulator, condition, what: str) -> dict:
    """Polls the emulator's state until `condition` holds (the timeout only ends a hung test)."""
    deadline = time.monotonic() + 60
    while not condition(state := emulator.state()):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)  # polling the state waited on
    return state


def test_next_long_polls_until_an_invoke_arrives(raw):
    poll = raw.next()
    # The server holds the poll with nothing queued: it has not answered.
    wait_for_state(raw.emulator, lambda state: state["polls_waiting"] == 1, "the poll is held open")
    assert not poll.done(), "the poll was answered with nothing queued"

    invocation = raw.invoke({"late": True})
    status, headers, body = poll.result(timeout=30)

    assert status == 200 and json.loads(body) == {"late": True}
    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    raw.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", b'"done"')
    assert invocation.result(timeout=30) == (True, "done")


def test_invocations_are_served_one_at_a_time(raw):
    first = raw.invoke({"n": 1})
    _, headers, body = raw.next().result(timeout=30)
    assert json.loads(body) == {"n": 1}
    second = raw.invoke({"n": 2})

    # While the first is unanswered, the second is not handed out: it waits,
    # with the poll held open.
    poll = raw.next()
    wait_for_state(raw.emulator, lambda state: state["polls_waiting"] == 1 and state["invokes_in_flight"] == 2,
                   "the second invoke waiting behind the first, and the poll held open")
    assert not poll.done(), "the second invoke was handed out while the first was unanswered"

    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    raw.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", b'{"r": 1}')
    assert first.result(timeout=30) == (True, {"r": 1})
    _, headers, body = poll.result(timeout=30)
    assert json.loads(body) == {"n": 2}
    raw.request("POST", f"/2018-06-01/runtime/invocation/{headers['Lambda-Runtime-Aws-Request-Id']}/response",
                b'{"r": 2}')
    assert second.result(timeout=30) == (True, {"r": 2})


def test_init_error_fails_the_pending_invoke_and_kills_the_process(raw):
    pid = raw.emulator.state()["pid"]
    assert pid is not None
    invocation = raw.invoke({"x": 1})

    # Wait until the invoke is queued, as a starting runtime would see it.
    wait_for_state(raw.emulator, lambda state: state["invocations"] >= 1, "the invoke is queued")
    status, _, _ = raw.request(
        "POST", "/2018-06-01/runtime/init/error",
        json.dumps({"errorMessage": "no config", "errorType": "Runtime.Custom"}).encode(),
        {"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"})

    assert status == 202
    ok, body = invocation.result(timeout=30)
    assert not ok
    assert body["errorType"] == "Runtime.Custom"
    state = raw.emulator.state()
    assert state["last_init_error"] == {"errorType": "Runtime.Custom", "errorMessage": "no config"}
    assert state["pid"] is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_oversized_payloads_are_refused(raw):
    too_big = b'"' + b"x" * (6 * 1024 * 1024) + b'"'

    status, _, body = raw.emulator.invoke_raw(too_big)

    assert status == 413
    assert raw.emulator.state()["invocations"] == 0

    invocation = raw.invoke({"small": True})
    _, headers, _ = raw.next().result(timeout=30)
    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    status, _, _ = raw.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", too_big)
    assert status == 413
    ok, body = invocation.result(timeout=30)
    assert not ok
    assert body["errorType"] == "Function.ResponseSizeTooLarge"


def test_kill_endpoint_kills_the_function(raw):
    pid = raw.emulator.state()["pid"]

    killed = raw.emulator.kill()

    assert killed == pid
    assert raw.emulator.state()["pid"] is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_missing_bootstrap_is_an_invalid_entrypoint(start_emulator, tmp_path):
    emulator = start_emulator([str(tmp_path / "no-such-bootstrap")], timeout=10)

    ok, body = emulator.invoke({})

    assert not ok
    assert body["errorType"] == "Runtime.InvalidEntrypoint"
    assert "no-such-bootstrap" in body["errorMessage"]
