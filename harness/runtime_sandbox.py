"""One Lambda sandbox of harness/runtime_emulator.py: the function process
and the invocation waiting for it, behind one condition variable. The
invoke side (`invoke`) and the runtime side (`next_invocation`, `answer`,
`init_error`) meet here; runtime_api_server.py only turns HTTP into these
calls.

The function's stdout and stderr go to the log file through Lambda's
log-level filter (lambda_logs.py: in the JSON log format, lines under
AWS_LAMBDA_LOG_LEVEL never reach the log, as they never reach CloudWatch),
with the platform's START/END/REPORT lines; never an event or response body.
An invocation's answer is held back until every line the function wrote
before answering is in the log, so a test reads the log right after invoke.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid
from typing import Any

from .lambda_logs import application_level, lambda_keeps

ACCOUNT_ID = "123456789012"


def error_body(error_type: str, message: str) -> bytes:
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


class FunctionOutput:
    """One function process's stdout and stderr (a pipe): each whole line
    Lambda's filter keeps is appended to the log. A reader thread follows the
    pipe; `drain` takes what is in it now, for the moments a line must be in
    the log (an answer, an exit). Only the reader closes the pipe."""

    def __init__(self, fd: int, level: str | None, write: Any):
        self.fd = fd
        self.level = level
        self.write = write  # appends bytes to the log, under the sandbox's log lock
        self.lock = threading.Lock()
        self.pending = b""
        self.eof = False
        os.set_blocking(fd, False)
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        try:
            while not self.eof:
                select.select([self.fd], [], [])
                self.drain()
        finally:
            os.close(self.fd)

    def drain(self) -> None:
        with self.lock:
            while not self.eof:
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    self.eof = True
                    break
                self.pending += chunk
            lines = self.pending.split(b"\n")
            self.pending = lines.pop()
            if self.eof and self.pending:
                lines.append(self.pending)
                self.pending = b""
            kept = [line + b"\n" for line in lines
                    if self.level is None or lambda_keeps(line.decode("utf-8", "replace"), self.level)]
            if kept:
                self.write(b"".join(kept))


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
        self.output: FunctionOutput | None = None
        self.log_level = application_level(self.env)
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
        self.polls_waiting = 0  # /next requests held open with nothing to hand out
        self.invokes_in_flight = 0  # invokes received and not yet answered, the queued ones included
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
        today = datetime.datetime.now(datetime.UTC)
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

    def _append(self, data: bytes) -> None:
        if not self.log_path:
            return
        with self.log_lock, open(self.log_path, "ab") as handle:
            handle.write(data)

    def drain_output(self) -> None:
        """Every line the function has written so far, in the log (or dropped by the filter)."""
        output = self.output
        if output is not None:
            output.drain()

    def spawn(self) -> None:
        """Start a new function process. Caller holds self.cond."""
        if not self.log_path:
            stdout: int = subprocess.DEVNULL
        else:
            read_end, stdout = os.pipe()
        try:
            proc = subprocess.Popen(
                self.command, cwd=self.task_root, env=self.env,
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT,
                # Own process group: a shell-script bootstrap and whatever it
                # started die together on SIGKILL.
                start_new_session=True,
            )
        except OSError:
            if self.log_path:
                os.close(read_end)
            raise
        finally:
            if self.log_path:
                os.close(stdout)
        if self.log_path:
            self.output = FunctionOutput(read_end, self.log_level, self._append)
        self.proc = proc
        self.generation += 1
        self.cold_starts += 1
        self.spawned_at = time.monotonic()
        self.init_reported = False
        threading.Thread(target=self._watch, args=(proc, self.generation, self.output), daemon=True).start()

    def _watch(self, proc: subprocess.Popen, generation: int, output: FunctionOutput | None) -> None:
        returncode = proc.wait()
        if output is not None:
            output.drain()
        with self.cond:
            if self.proc is proc:
                self.proc = None
            for invocation in (self.queued, self.active):
                if invocation is not None and invocation.generation == generation:
                    invocation.finish(False, error_body(
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
        with self.cond:
            self.invokes_in_flight += 1
        try:
            with self.invoke_lock:
                return self._invoke(body)
        finally:
            with self.cond:
                self.invokes_in_flight -= 1

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
                    return False, error_body(
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
                invocation.finish(False, error_body(
                    "Sandbox.Timedout",
                    f"RequestId: {invocation.request_id} Error: Task timed out after "
                    f"{self.timeout:.2f} seconds"))
                self.drain_output()
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
                # Tests wait for this state instead of for a while.
                self.polls_waiting += 1
                try:
                    self.cond.wait()
                finally:
                    self.polls_waiting -= 1

    def answer(self, request_id: str, ok: bool, body: bytes) -> bool:
        # The lines written before answering reach the log before the answer
        # reaches the invoker.
        self.drain_output()
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
        self.drain_output()
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
                "pid": self.proc.pid if self.proc is not None and self._alive() else None,
                "cold_starts": self.cold_starts,
                "invocations": self.invocations,
                "polls_waiting": self.polls_waiting,
                "invokes_in_flight": self.invokes_in_flight,
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
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
