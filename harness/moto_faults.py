"""The test-only WSGI middleware in front of moto (harness/moto_server.py):
call counts and injected faults.

Its endpoints (harness.MotoHarness is their client):

    GET  /_harness/calls         JSON {operation: count} of calls seen
    POST /_harness/calls/reset
    POST /_harness/faults        {"operation": "PutSecretValue"|"*",
                                  "kind": "throttle"|"5xx"|"drop"|"hold"|"lose"|"garbage", "count": N}
    GET  /_harness/faults        the rules, each with "injected": how many it has caused
    POST /_harness/faults/reset  (also releases held responses)
    GET  /_harness/held          JSON {"held": N}: responses held right now
    GET  /_harness/traces        JSON [[operation, X-Amzn-Trace-Id or null], ...] of
                                 the calls seen (the last 1000)
    POST /_harness/traces/reset
    POST /_harness/backdate      {"SecretId": ARN, "seconds": N}: the secret's dates and its
                                 versions' creation dates N seconds earlier (moto_patches.backdate)

"hold" performs the operation, then holds its answer (until faults/reset, or
"seconds", default 30): a test can kill the client while the service has
already done what the client will never hear about. "lose" performs the
operation, then drops the connection without an answer: the client's retry
meets the effect of its own first attempt. "garbage" answers 200 with a
body that is not the service's JSON, without performing the operation.

Nothing here logs request or response bodies: they carry secret values.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

AMZ_JSON = "application/x-amz-json-1.1"

StartResponse = Callable[..., Any]


class DropConnection(ConnectionAbortedError):
    """Raised after the socket is shut; werkzeug treats it as a dropped client."""


class HarnessMiddleware:
    FAULT_KINDS = ("throttle", "5xx", "drop", "hold", "lose", "garbage")

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]],
                 rds: Callable[[dict, StartResponse], Iterable[bytes]] | None = None):
        self.app = app
        # RDS (Query protocol, no X-Amz-Target) shares the port; moto's
        # backends are per process, so a secret RDS manages is visible to both.
        self.rds = rds
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}
        self.traces: list[tuple[str, str | None]] = []
        self.faults: list[dict[str, Any]] = []
        self.held = 0
        # Replaced on every reset, so a reset releases exactly the responses held before it.
        self.release = threading.Event()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_harness/"):
            return self.control(environ, start_response, path)

        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.split(".", 1)[1] if target.startswith("secretsmanager.") else ""
        if not operation:
            if self.rds is not None and "/rds/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
                return self.rds(environ, start_response)
            return self.app(environ, start_response)

        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            self.traces = self.traces[-999:] + [(operation, environ.get("HTTP_X_AMZN_TRACE_ID"))]
            fault = self.take_fault(operation)
        if fault and fault["kind"] == "hold":
            return self.hold(fault, environ, start_response)
        if fault and fault["kind"] == "lose":
            # The operation is done; its answer never leaves.
            for _ in self.app(environ, lambda *args: None):
                pass
            self.drop(environ)
        if fault:
            return self.inject(fault["kind"], environ, start_response)
        return self.app(environ, self.like_the_service(start_response))

    def hold(self, rule: dict[str, Any], environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        # The whole answer is produced (the operation done) before the wait.
        captured: list[Any] = []
        body = b"".join(self.app(environ, lambda *args: captured.append(args)))
        with self.lock:
            self.held += 1
            release = self.release
        try:
            release.wait(rule["seconds"])
        finally:
            with self.lock:
                self.held -= 1
        self.like_the_service(start_response)(*captured[0])
        return [body]

    def take_fault(self, operation: str) -> dict[str, Any] | None:
        for rule in self.faults:
            if rule["operation"] in ("*", operation) and rule["count"] > 0:
                rule["count"] -= 1
                rule["injected"] += 1
                return rule
        return None

    @staticmethod
    def like_the_service(start_response: StartResponse) -> StartResponse:
        # moto answers ResourceNotFoundException with 404 and labels its JSON
        # text/html; the service uses 400 for every client error and the
        # AWS JSON 1.1 media type.
        def wrapped(status: str, headers: list, exc_info: Any = None) -> Any:
            if status.startswith("404"):
                status = "400 Bad Request"
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.append(("Content-Type", AMZ_JSON))
            return start_response(status, headers, exc_info)

        return wrapped

    def inject(self, kind: str, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        # Reading the body first keeps werkzeug from parsing it as a next request.
        _read_body(environ)
        if kind == "drop":
            self.drop(environ)
        if kind == "garbage":
            start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "25")])
            return [b"<html>not the API</html>\n"]
        if kind == "throttle":
            return _json(start_response, "400 Bad Request",
                         {"__type": "ThrottlingException", "message": "Rate exceeded"}, AMZ_JSON)
        return _json(start_response, "500 Internal Server Error",
                     {"__type": "InternalServiceError",
                      "message": "An error occurred on the server side."}, AMZ_JSON)

    @staticmethod
    def drop(environ: dict) -> None:
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise DropConnection("fault injected: connection dropped")

    def control(self, environ: dict, start_response: StartResponse, path: str) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        body = _read_body(environ)
        with self.lock:
            if method == "GET" and path == "/_harness/calls":
                return _json(start_response, "200 OK", dict(self.calls))
            if method == "POST" and path == "/_harness/calls/reset":
                self.calls.clear()
                return _json(start_response, "200 OK", {})
            if method == "GET" and path == "/_harness/faults":
                return _json(start_response, "200 OK", [dict(rule) for rule in self.faults])
            if method == "GET" and path == "/_harness/traces":
                return _json(start_response, "200 OK", [list(trace) for trace in self.traces])
            if method == "POST" and path == "/_harness/traces/reset":
                self.traces.clear()
                return _json(start_response, "200 OK", {})
            if method == "GET" and path == "/_harness/held":
                return _json(start_response, "200 OK", {"held": self.held})
            if method == "POST" and path == "/_harness/faults/reset":
                self.faults.clear()
                self.release.set()
                self.release = threading.Event()
                return _json(start_response, "200 OK", {})
            if method == "POST" and path == "/_harness/backdate":
                return self.backdate(body, start_response)
            if method == "POST" and path == "/_harness/faults":
                try:
                    rule = self.parse_fault(body)
                except ValueError as error:
                    return _json(start_response, "400 Bad Request", {"error": str(error)})
                self.faults.append(rule)
                return _json(start_response, "200 OK", rule)
        return _json(start_response, "404 Not Found", {"error": f"no such endpoint: {method} {path}"})

    @staticmethod
    def backdate(body: bytes, start_response: StartResponse) -> Iterable[bytes]:
        from .moto_patches import backdate

        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError as error:
            return _json(start_response, "400 Bad Request", {"error": f"body is not JSON: {error}"})
        secret_id, seconds = request.get("SecretId"), request.get("seconds")
        if not isinstance(secret_id, str) or not isinstance(seconds, int) or isinstance(seconds, bool):
            return _json(start_response, "400 Bad Request",
                         {"error": "SecretId must be a string and seconds an integer"})
        if not backdate(secret_id, seconds):
            return _json(start_response, "404 Not Found", {"error": "no such secret"})
        return _json(start_response, "200 OK", {})

    def parse_fault(self, body: bytes) -> dict[str, Any]:
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError as error:
            raise ValueError(f"body is not JSON: {error}") from None
        operation, kind, count = request.get("operation"), request.get("kind"), request.get("count", 1)
        if not isinstance(operation, str) or not operation:
            raise ValueError("operation must be an operation name or '*'")
        if kind not in self.FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(self.FAULT_KINDS)}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        seconds = request.get("seconds", 30)
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds <= 300:
            raise ValueError("seconds must be a number in (0, 300]")
        return {"operation": operation, "kind": kind, "count": count, "seconds": seconds, "injected": 0}


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _json(start_response: StartResponse, status: str, payload: Any,
          content_type: str = "application/json") -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
