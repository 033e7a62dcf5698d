#!/usr/bin/env python3
"""A Lambda Runtime API (2018-06-01) emulator that runs one function process.

    python3 scripts/runtime_emulator.py --port P [--timeout SECONDS] [--log FILE]
        [--eager] [--port-file FILE] [--task-root DIR] -- COMMAND ARGS...

It plays both sides of one Lambda sandbox, standard library only:

* the Runtime API that a custom runtime (our ``bootstrap``) polls, as AWS
  documents it: ``GET /2018-06-01/runtime/invocation/next``,
  ``POST .../invocation/{id}/response``, ``POST .../invocation/{id}/error``
  and ``POST /2018-06-01/runtime/init/error``;
* the invoke side of AWS's Runtime Interface Emulator:
  ``POST /2015-03-31/functions/function/invocations`` blocks until the
  function answers, fails, times out (then it is SIGKILLed) or exits.

Invocations are served one at a time. The function process is started on the
first invoke (a cold start), or at once with ``--eager``, and started again on
the invoke after it died. Its stdout and stderr are appended to ``--log``
(discarded without it): never to our terminal, because a rotation function's
output is exactly what must be checked for leaked secrets, and the emulator
itself never writes event or response bodies anywhere.

Test-only control endpoints:

    GET  /_emulator/state   {"pid", "cold_starts", "invocations",
                             "last_init_ms", "last_init_error", "last_trace_id"}
    POST /_emulator/kill    SIGKILL the function now (crash tests)
    POST /_emulator/stop    kill the function and exit

``--port 0`` picks a free port and writes it to ``--port-file`` once listening.
"""

from __future__ import annotations

import argparse
import datetime
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

API_PREFIX = "/2018-06-01"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit
ACCOUNT_ID = "123456789012"

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/[^/]+/invocations$")
RESULT_PATH = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _describe_exit(returncode: int) -> str:
    # Lambda's wording (its agent is written in Go): "exit status 1", "signal: killed".
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            return f"signal: {-returncode}"
        return "signal: " + {"SIGKILL": "killed", "SIGTERM": "terminated",
                             "SIGSEGV": "segmentation fault", "SIGABRT": "aborted"}.get(
            name, name.lower())
    return f"exit status {returncode}"


class Invocation:
    """One invoke request, from the caller's POST until it has a result."""

    def __init__(self, body: bytes, generation: int):
        self.request_id = str(uuid.uuid4())
        self.body = body
        self.generation = generation  # the function process it was queued for
        self.received_at = time.monotonic()
        self.dispatched_at: float | None = None
        self.ok = False
        self.result: bytes | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    def finish(self, ok: bool, body: bytes) -> bool:
        """Record the result; the first one wins (a late answer after a timeout loses)."""
        if self.done:
            return False
        self.ok, self.result = ok, body
        return True


class Sandbox:
    """The function process and the invocation state, behind one condition variable."""

    def __init__(self, args: argparse.Namespace, command: list[str], api_address: str):
        self.command = command
        self.timeout = args.timeout
        self.init_timeout = args.init_timeout
        self.function_name = args.function_name
        self.log_path = args.log
        self.env = self._function_environment(args, command, api_address)
        self.task_root = self.env["LAMBDA_TASK_ROOT"]
        region = self.env["AWS_REGION"]
        self.function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{self.function_name}"

        self.cond = threading.Condition()
        self.invoke_lock = threading.Lock()  # one invocation at a time, like one sandbox
        self.log_lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.generation = 0
        self.spawned_at = 0.0
        self.init_reported = False
        self.queued: Invocation | None = None   # waiting for the function's GET /next
        self.active: Invocation | None = None   # handed to the function, not answered yet
        self.pending_init_error: bytes | None = None
        self.last_trace_id: str | None = None  # the Lambda-Runtime-Trace-Id last handed out
        self.stopping = False
        self.cold_starts = 0
        self.invocations = 0
        self.last_init_ms: float | None = None
        self.last_init_error: dict[str, Any] | None = None

    # -- environment and process -------------------------------------------

    @staticmethod
    def _function_environment(args: argparse.Namespace, command: list[str],
                              api_address: str) -> dict[str, str]:
        executable = command[0]
        if os.sep not in executable:
            executable = shutil.which(executable) or executable
        task_root = os.path.abspath(args.task_root or os.path.dirname(os.path.abspath(executable)))
        env = dict(os.environ)
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        today = datetime.datetime.now(datetime.timezone.utc)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "AWS_LAMBDA_FUNCTION_NAME": args.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{args.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME":
                f"{today:%Y/%m/%d}/[$LATEST]{secrets.token_hex(16)}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION") or region,
            "LAMBDA_TASK_ROOT": task_root,
            "_HANDLER": "bootstrap",
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            # The caller's PATH, so test doubles find the same interpreters.
            "PATH": env.get("PATH") or "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        })
        return env

    def log(self, line: str) -> None:
        """Platform lines (START/END/REPORT...), never a payload."""
        if not self.log_path:
            return
        with self.log_lock, open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def spawn(self) -> None:
        """Start a new function process. Caller holds self.cond."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(
                self.command, cwd=self.task_root, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                # Own process group: a shell-script bootstrap and whatever it
                # started die together on SIGKILL.
                start_new_session=True,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.proc = proc
        self.generation += 1
        self.cold_starts += 1
        self.spawned_at = time.monotonic()
        self.init_reported = False
        threading.Thread(target=self._watch, args=(proc, self.generation), daemon=True).start()

    def _watch(self, proc: subprocess.Popen, generation: int) -> None:
        returncode = proc.wait()
        with self.cond:
            if self.proc is proc:
                self.proc = None
            for invocation in (self.queued, self.active):
                if invocation is not None and invocation.generation == generation:
                    invocation.finish(False, _error_body(
                        "Runtime.ExitError",
                        f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                        f"{_describe_exit(returncode)}"))
            if self.queued is not None and self.queued.done:
                self.queued = None
            if self.active is not None and self.active.done:
                self.active = None
            self.cond.notify_all()
        self.log(f"[emulator] function process {proc.pid} ended: {_describe_exit(returncode)}")

    def kill(self, proc: subprocess.Popen | None) -> int | None:
        """SIGKILL the process group and wait until its watcher has noted the exit."""
        if proc is None:
            return None
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        deadline = time.monotonic() + 5
        with self.cond:
            while self.proc is proc and time.monotonic() < deadline:
                self.cond.wait(0.1)
        return proc.pid

    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- invoke side ---------------------------------------------------------

    def invoke(self, body: bytes) -> tuple[bool, bytes]:
        with self.invoke_lock:
            return self._invoke(body)

    def _invoke(self, body: bytes) -> tuple[bool, bytes]:
        with self.cond:
            self.invocations += 1
            if self.pending_init_error is not None:
                error, self.pending_init_error = self.pending_init_error, None
                return False, error
            cold = not self._alive()
            if cold:
                try:
                    self.spawn()
                except OSError as error:
                    # What Lambda reports when the bootstrap cannot be executed.
                    return False, _error_body(
                        "Runtime.InvalidEntrypoint",
                        f"cannot start {self.command[0]}: {error.strerror or error}")
            invocation = Invocation(body, self.generation)
            self.queued = invocation
            self.cond.notify_all()
            # Time to be picked up: a process still initialising (just spawned,
            # or eager and not yet polling) gets Lambda's separate init budget
            # on top; after pickup the function has its timeout.
            initialising = cold or not self.init_reported
            pickup_budget = self.timeout + (self.init_timeout if initialising else 0)
            while not invocation.done:
                if invocation.dispatched_at is None:
                    limit = invocation.received_at + pickup_budget
                else:
                    limit = invocation.dispatched_at + self.timeout
                remaining = limit - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)

            timed_out_proc = None
            if not invocation.done:
                invocation.finish(False, _error_body(
                    "Sandbox.Timedout",
                    f"RequestId: {invocation.request_id} Error: Task timed out after "
                    f"{self.timeout:.2f} seconds"))
                self.log(f"{_now_iso()} {invocation.request_id} Task timed out after "
                         f"{self.timeout:.2f} seconds")
                if invocation.generation == self.generation:
                    timed_out_proc = self.proc
            if self.queued is invocation:
                self.queued = None
            if self.active is invocation:
                self.active = None
        if timed_out_proc is not None:
            self.kill(timed_out_proc)

        if invocation.dispatched_at is not None:
            duration_ms = (time.monotonic() - invocation.dispatched_at) * 1000
            self.log(f"END RequestId: {invocation.request_id}")
            report = f"REPORT RequestId: {invocation.request_id}\tDuration: {duration_ms:.2f} ms"
            if cold and self.last_init_ms is not None:
                report += f"\tInit Duration: {self.last_init_ms:.2f} ms"
            self.log(report)
        assert invocation.result is not None
        return invocation.ok, invocation.result

    # -- runtime side ----------------------------------------------------------

    def next_invocation(self) -> Invocation | None:
        """Long-poll for work; None tells the handler to drop the connection."""
        with self.cond:
            generation = self.generation
            if self._alive() and not self.init_reported:
                self.init_reported = True
                self.last_init_ms = (time.monotonic() - self.spawned_at) * 1000
            while True:
                # A poll left over from a killed process must not take the
                # next process's work.
                if self.stopping or generation != self.generation:
                    return None
                invocation = self.queued
                if invocation is not None and not invocation.done:
                    self.queued, self.active = None, invocation
                    invocation.dispatched_at = time.monotonic()
                    self.cond.notify_all()
                    self.log(f"START RequestId: {invocation.request_id} Version: $LATEST")
                    return invocation
                self.cond.wait()

    def answer(self, request_id: str, ok: bool, body: bytes) -> bool:
        with self.cond:
            invocation = self.active
            if invocation is None or invocation.request_id != request_id or invocation.done:
                return False
            invocation.finish(ok, body)
            self.active = None
            self.cond.notify_all()
            return True

    def init_error(self, body: bytes) -> subprocess.Popen | None:
        """Record an init failure for the waiting (or next) invoke; return the process to kill."""
        with self.cond:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                parsed = {"errorType": "Runtime.InitError", "errorMessage": ""}
                body = json.dumps(parsed).encode()
            self.last_init_error = {"errorType": parsed.get("errorType"),
                                    "errorMessage": parsed.get("errorMessage")}
            waiting = self.queued or self.active
            if waiting is not None and not waiting.done:
                waiting.finish(False, body)
                self.queued = self.active = None
            else:
                self.pending_init_error = body
            # Detached at once, so an invoke arriving while it is being killed
            # starts a fresh process instead of queueing for this one.
            proc, self.proc = self.proc, None
            self.cond.notify_all()
            return proc

    def state(self) -> dict[str, Any]:
        with self.cond:
            return {
                "pid": self.proc.pid if self._alive() else None,
                "cold_starts": self.cold_starts,
                "invocations": self.invocations,
                "last_init_ms": self.last_init_ms,
                "last_init_error": self.last_init_error,
                "last_trace_id": self.last_trace_id,
            }

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            proc = self.proc
            self.cond.notify_all()
        self.kill(proc)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _trace_id() -> str:
    return (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
            f"Parent={secrets.token_hex(8)};Sampled=0")


class Handler(http.server.BaseHTTPRequestHandler):
    # Runtime clients keep one connection open across polls.
    protocol_version = "HTTP/1.1"
    # Responses go out as headers, then body; with Nagle's algorithm the body
    # would wait ~40 ms for the client's delayed ACK, twice per invocation.
    # Lambda's own Runtime API (Go) sets TCP_NODELAY on every connection.
    disable_nagle_algorithm = True
    server: "EmulatorServer"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines are noise; payloads are never logged anywhere

    # -- plumbing --

    def _body(self) -> bytes | None:
        """The request body, or None (after a 413 reply) when it is over 6 MB."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            remaining = length
            while remaining > 0:  # drain it so the connection stays usable
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode())

    def _too_large(self, error_type: str) -> None:
        self._send(413, _error_body(
            error_type, f"Exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes)."))

    # -- routes --

    def do_GET(self) -> None:
        sandbox = self.server.sandbox
        if self.path == f"{API_PREFIX}/runtime/invocation/next":
            invocation = sandbox.next_invocation()
            if invocation is None:
                self.close_connection = True
                return
            assert invocation.dispatched_at is not None
            deadline_ms = int(time.time() * 1000 + sandbox.timeout * 1000)
            trace_id = _trace_id()
            with sandbox.cond:
                sandbox.last_trace_id = trace_id
            self._send(200, invocation.body, {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": sandbox.function_arn,
                "Lambda-Runtime-Trace-Id": trace_id,
            })
        elif self.path == "/_emulator/state":
            self._send_json(200, sandbox.state())
        else:
            self._send_json(404, {"errorMessage": "not found", "errorType": "NotFound"})

    def do_POST(self) -> None:
        sandbox = self.server.sandbox
        if INVOKE_PATH.match(self.path):
            body = self._body()
            if body is None:
                self._too_large("RequestEntityTooLargeException")
                return
            ok, result = sandbox.invoke(body)
            self._send(200, result, {} if ok else {"X-Amz-Function-Error": "Unhandled"})
            return

        match = RESULT_PATH.match(self.path)
        if match:
            request_id, kind = match.groups()
            body = self._body()
            if body is None:
                # The caller gets an error instead of the oversized answer.
                sandbox.answer(request_id, False, _error_body(
                    "Function.ResponseSizeTooLarge",
                    f"Response payload size exceeded maximum allowed payload size "
                    f"({MAX_PAYLOAD_BYTES} bytes)."))
                self._too_large("RequestEntityTooLarge")
                return
            if kind == "error":
                body = self._error_payload(body)
            if sandbox.answer(request_id, kind == "response", body):
                self._send_json(202, {"status": "OK"})
            else:
                self._send_json(400, {"errorMessage": f"Invalid request ID: {request_id}",
                                      "errorType": "InvalidRequestID"})
            return

        body = self._body() or b""
        if self.path == f"{API_PREFIX}/runtime/init/error":
            proc = sandbox.init_error(self._error_payload(body))
            # Lambda tears the sandbox down after a failed init. The caller is
            # usually that process, so the 202 may find nobody listening.
            sandbox.kill(proc)
            try:
                self._send_json(202, {"status": "OK"})
            except OSError:
                self.close_connection = True
        elif self.path == "/_emulator/kill":
            with sandbox.cond:
                proc = sandbox.proc
            self._send_json(200, {"killed": sandbox.kill(proc)})
        elif self.path == "/_emulator/stop":
            sandbox.stop()
            self._send_json(200, {"stopped": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        else:
            self._send_json(404, {"errorMessage": "not found", "errorType": "NotFound"})

    def _error_payload(self, body: bytes) -> bytes:
        """The function's error JSON; the header's type stands in for a missing body."""
        try:
            if isinstance(json.loads(body), dict):
                return body
        except ValueError:
            pass
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type") or "Runtime.Unknown"
        return _error_body(error_type, "")


class EmulatorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        options, command = argv[:split], argv[split + 1:]
    else:
        options, command = argv, []
    parser = argparse.ArgumentParser(
        usage="%(prog)s --port P [options] -- COMMAND ARGS...",
        description="Lambda Runtime API emulator running one function process.")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="function timeout in seconds (default 30)")
    parser.add_argument("--init-timeout", type=float, default=10.0,
                        help="extra seconds a cold start may take before its first poll (default 10)")
    parser.add_argument("--log", help="append the function's stdout/stderr here (default: discard)")
    parser.add_argument("--eager", action="store_true", help="start the function now, not on first invoke")
    parser.add_argument("--function-name", default="function")
    parser.add_argument("--task-root", help="LAMBDA_TASK_ROOT and working directory "
                                            "(default: the command's directory)")
    args = parser.parse_args(options)
    if not command:
        parser.error("a function command is required after --")

    server = EmulatorServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    server.sandbox = sandbox = Sandbox(args, command, f"127.0.0.1:{port}")
    if args.eager:
        with sandbox.cond:
            sandbox.spawn()
    if args.port_file:
        tmp = f"{args.port_file}.tmp"
        with open(tmp, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, args.port_file)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # A short poll interval makes /_emulator/stop return promptly.
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
