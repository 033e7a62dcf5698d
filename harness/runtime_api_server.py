"""The HTTP side of harness/runtime_emulator.py: the Runtime API a custom
runtime polls, the invoke endpoint of AWS's Runtime Interface Emulator, and
the test-only /_emulator endpoints, each turned into a call on the Sandbox.
"""

from __future__ import annotations

import http.server
import json
import re
import secrets
import threading
import time
from typing import Any

from .runtime_sandbox import Sandbox, error_body

API_PREFIX = "/2018-06-01"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/[^/]+/invocations$")
RESULT_PATH = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


def _trace_id() -> str:
    return (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
            f"Parent={secrets.token_hex(8)};Sampled=0")


def send_json(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None) -> None:
    """One reply with a JSON body, as the Runtime API sends them (also a fake Runtime API's, in the tests)."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    # Runtime clients keep one connection open across polls.
    protocol_version = "HTTP/1.1"
    # Responses go out as headers, then body; with Nagle's algorithm the body
    # would wait ~40 ms for the client's delayed ACK, twice per invocation.
    # Lambda's own Runtime API (Go) sets TCP_NODELAY on every connection.
    disable_nagle_algorithm = True
    server: EmulatorServer

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

    def _send_json(self, status: int, payload: Any) -> None:
        send_json(self, status, json.dumps(payload).encode())

    def _too_large(self, error_type: str) -> None:
        send_json(self, 413, error_body(
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
            send_json(self, 200, invocation.body, {
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
            send_json(self, 200, result, {} if ok else {"X-Amz-Function-Error": "Unhandled"})
            return

        match = RESULT_PATH.match(self.path)
        if match:
            request_id, kind = match.groups()
            body = self._body()
            if body is None:
                # The caller gets an error instead of the oversized answer.
                sandbox.answer(request_id, False, error_body(
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
        return error_body(error_type, "")


class EmulatorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox
