#!/usr/bin/env python3
"""moto's Secrets Manager, made faithful enough to test a rotation function.

    python3 scripts/moto_server.py --port PORT [--port-file FILE]

``--port 0`` picks a free port; the chosen one is written to ``--port-file``
(after the socket is listening), so callers never race for a port.

Why patch moto at all: moto 5's RotateSecret either needs its Lambda backend
(which runs functions in Docker) or, without a RotationLambdaARN, moves
AWSCURRENT at once to a version without a value. The real service only does the
first half synchronously: it adds a value-less AWSPENDING version and then
invokes the rotation function asynchronously. Our tests play the asynchronous
half themselves (four invokes through scripts/runtime_emulator.py), so here
RotateSecret does exactly that first half and nothing else.

The other patches close gaps, found by reading moto/secretsmanager/models.py,
between moto and the real service that a rotation function can observe:

* UpdateSecretVersionStage did not move the secret's default version, so a
  GetSecretValue without VersionId/VersionStage kept returning the old value
  after finishSecret. It also let a label sit on two versions at once.
* PutSecretValue to an AWSPENDING version that already holds a value silently
  replaced that value; the real service treats versions as immutable
  (same value: idempotent success, other value: ResourceExistsException).
* RotateSecret's "rotation still in progress" check was inverted: it refused
  the normal finished state (AWSPENDING and AWSCURRENT on one version) and
  accepted an unfinished rotation.
* DescribeSecret listed versions that have no labels left; the real service
  leaves such deprecated versions out of VersionIdsToStages.
* Errors came back as HTTP 404 for ResourceNotFoundException; the real service
  answers every client error with HTTP 400.

In front of moto sits a small WSGI middleware with test-only endpoints:

    GET  /_harness/calls         JSON {operation: count} of calls seen
    POST /_harness/calls/reset
    POST /_harness/faults        {"operation": "PutSecretValue"|"*",
                                  "kind": "throttle"|"5xx"|"drop"|"hold", "count": N}
    GET  /_harness/faults        the rules, each with "injected": how many it has caused
    POST /_harness/faults/reset  (also releases held responses)
    GET  /_harness/held          JSON {"held": N}: responses held right now

"hold" performs the operation, then holds its answer (until faults/reset, or
"seconds", default 30): a test can kill the client while the service has
already done what the client will never hear about.

Nothing here logs request or response bodies: they carry secret values.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import create_backend_app
from moto.secretsmanager import models
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceExistsException,
    SecretNotFoundException,
)
from moto.secretsmanager.models import (
    FakeSecret,
    OperationNotPermittedOnReplica,
    ReplicaSecret,
    SecretsManagerBackend,
)
from werkzeug.serving import make_server

AMZ_JSON = "application/x-amz-json-1.1"


# --------------------------------------------------------------------------
# Backend patches
# --------------------------------------------------------------------------

def _has_value(version: dict[str, Any]) -> bool:
    return "secret_string" in version or "secret_binary" in version


def _primary_secret(backend: SecretsManagerBackend, secret_id: str) -> FakeSecret:
    if not backend._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = backend.secrets[secret_id]
    if isinstance(secret, ReplicaSecret):
        raise OperationNotPermittedOnReplica
    return secret


def rotate_secret(
    self: SecretsManagerBackend,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    secret = _primary_secret(self, secret_id)
    if secret.is_deleted():
        raise InvalidRequestException(
            "You can't perform this operation on the secret because it was marked for deletion."
        )

    lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not lambda_arn:
        raise InvalidRequestException(
            "No Lambda rotation function ARN is associated with this secret."
        )
    if len(lambda_arn) > 2048:
        raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")

    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000."
        )
    if client_request_token:
        self._client_request_token_validator(client_request_token)

    # A rotation is unfinished while AWSPENDING sits on a version other than
    # AWSCURRENT's; the service then refuses to start another one, except for
    # a retry of that same rotation (same token), which is idempotent.
    unfinished = [
        version_id
        for version_id, version in secret.versions.items()
        if "AWSPENDING" in version["version_stages"]
        and "AWSCURRENT" not in version["version_stages"]
    ]
    if unfinished and client_request_token != unfinished[0]:
        raise InvalidRequestException(
            "A previous rotation isn't complete. That rotation will be reattempted."
        )

    new_version_id = client_request_token or str(uuid.uuid4())
    if rotate_immediately and not unfinished and secret.versions:
        if new_version_id in secret.versions:
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {new_version_id} because that value "
                f"is already in use for a version of secret {secret.arn}."
            )
        # The previous rotation left AWSPENDING on the current version; the new
        # stub takes it over, as the service does.
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        # No secret value: the rotation function's createSecret step adds it.
        secret.versions[new_version_id] = {
            "createdate": int(time.time()),
            "version_id": new_version_id,
            "version_stages": ["AWSPENDING"],
        }

    secret.rotation_requested = True
    secret.rotation_enabled = True
    secret.rotation_lambda_arn = lambda_arn
    if days is not None:
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400

    # Deliberately no invocation here: the tests drive the four steps.
    response: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if rotate_immediately:
        response["VersionId"] = new_version_id
    return json.dumps(response)


_original_check = SecretsManagerBackend._check_with_existing_secrets_and_versions


def check_with_existing_secrets_and_versions(
    self: SecretsManagerBackend,
    secret_name: str,
    client_request_token: str | None,
    secret_string: str | None,
    secret_binary: str | None,
    on_create: bool = False,
) -> FakeSecret | None:
    # moto lets any write reach an AWSPENDING version. Only the value-less stub
    # that RotateSecret made may be filled; a version with a value is immutable.
    existing = self.secrets.get(secret_name) if client_request_token else None
    if isinstance(existing, FakeSecret):
        version = existing.versions.get(client_request_token)
        if version is not None and _has_value(version):
            if (
                version.get("secret_string") == secret_string
                and version.get("secret_binary") == secret_binary
            ):
                return existing
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {client_request_token} because that "
                f"value is already in use for a version of secret {existing.arn}."
            )
    return _original_check(
        self, secret_name, client_request_token, secret_string, secret_binary, on_create
    )


def update_secret_version_stage(
    self: SecretsManagerBackend,
    secret_id: str,
    version_stage: str,
    remove_from_version_id: str | None,
    move_to_version_id: str | None,
) -> tuple[str, str]:
    secret = _primary_secret(self, secret_id)
    versions = secret.versions
    for version_id in (remove_from_version_id, move_to_version_id):
        if version_id and version_id not in versions:
            raise InvalidParameterException(f"Not a valid version: {version_id}")

    if remove_from_version_id and version_stage not in versions[remove_from_version_id]["version_stages"]:
        raise InvalidParameterException(
            f"Version stage {version_stage} not found in version {remove_from_version_id}"
        )

    holder = next(
        (vid for vid, v in versions.items() if version_stage in v["version_stages"]), None
    )
    if move_to_version_id and holder not in (None, move_to_version_id, remove_from_version_id):
        raise InvalidParameterException(
            f"The parameter RemoveFromVersionId can't be empty. Staging label {version_stage} "
            f"is currently attached to version {holder}, so you must explicitly reference "
            "that version in RemoveFromVersionId."
        )
    if version_stage == "AWSCURRENT" and remove_from_version_id and not move_to_version_id:
        raise InvalidParameterException(
            "You can't remove the staging label AWSCURRENT without moving it to another version."
        )

    if remove_from_version_id:
        versions[remove_from_version_id]["version_stages"].remove(version_stage)
    if move_to_version_id and version_stage not in versions[move_to_version_id]["version_stages"]:
        versions[move_to_version_id]["version_stages"].append(version_stage)

    moved_current = (
        version_stage == "AWSCURRENT"
        and move_to_version_id
        and remove_from_version_id
        and move_to_version_id != remove_from_version_id
    )
    if moved_current:
        # The service moves AWSPREVIOUS to the version AWSCURRENT left.
        secret.remove_version_stages_from_old_versions(["AWSPREVIOUS"])
        versions[remove_from_version_id]["version_stages"].append("AWSPREVIOUS")
        # GetSecretValue without version arguments reads the default version.
        secret.set_default_version_id(move_to_version_id)
    return secret.arn, secret.name


def reset_default_version(self: FakeSecret, secret_version: dict[str, Any], version_id: str) -> None:
    # moto replaced every label of the old current version with AWSPREVIOUS,
    # dropping e.g. the AWSPENDING that a finished rotation leaves there; the
    # service only moves AWSCURRENT and AWSPREVIOUS.
    self.remove_version_stages_from_old_versions(["AWSPREVIOUS"])
    old_id = self.default_version_id
    if old_id and old_id != version_id and old_id in self.versions:
        stages = self.versions[old_id]["version_stages"]
        if "AWSCURRENT" in stages:
            stages.remove("AWSCURRENT")
        stages.append("AWSPREVIOUS")
    self.versions[version_id] = secret_version
    self.default_version_id = version_id


def form_version_ids_to_stages(self: FakeSecret) -> dict[str, list[str]]:
    # Versions without labels are deprecated and not listed by the service.
    return {
        version_id: version["version_stages"]
        for version_id, version in self.versions.items()
        if version["version_stages"]
    }


def apply_patches() -> None:
    SecretsManagerBackend.rotate_secret = rotate_secret
    SecretsManagerBackend._check_with_existing_secrets_and_versions = (
        check_with_existing_secrets_and_versions
    )
    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage
    FakeSecret.reset_default_version = reset_default_version
    FakeSecret._form_version_ids_to_stages = form_version_ids_to_stages
    # Guard against a moto upgrade renaming what we patch.
    assert models.SecretsManagerBackend is SecretsManagerBackend


# --------------------------------------------------------------------------
# Test-only middleware: call counts and injected faults
# --------------------------------------------------------------------------

StartResponse = Callable[..., Any]


class DropConnection(ConnectionAbortedError):
    """Raised after the socket is shut; werkzeug treats it as a dropped client."""


class HarnessMiddleware:
    FAULT_KINDS = ("throttle", "5xx", "drop", "hold")

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]],
                 rds: Callable[[dict, StartResponse], Iterable[bytes]] | None = None):
        self.app = app
        # RDS (Query protocol, no X-Amz-Target) shares the port; moto's
        # backends are per process, so a secret RDS manages is visible to both.
        self.rds = rds
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}
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
            fault = self.take_fault(operation)
        if fault and fault["kind"] == "hold":
            return self.hold(fault, environ, start_response)
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
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise DropConnection("fault injected: connection dropped")
        if kind == "throttle":
            return _json(start_response, "400 Bad Request",
                         {"__type": "ThrottlingException", "message": "Rate exceeded"}, AMZ_JSON)
        return _json(start_response, "500 Internal Server Error",
                     {"__type": "InternalServiceError",
                      "message": "An error occurred on the server side."}, AMZ_JSON)

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
            if method == "GET" and path == "/_harness/held":
                return _json(start_response, "200 OK", {"held": self.held})
            if method == "POST" and path == "/_harness/faults/reset":
                self.faults.clear()
                self.release.set()
                self.release = threading.Event()
                return _json(start_response, "200 OK", {})
            if method == "POST" and path == "/_harness/faults":
                try:
                    rule = self.parse_fault(body)
                except ValueError as error:
                    return _json(start_response, "400 Bad Request", {"error": str(error)})
                self.faults.append(rule)
                return _json(start_response, "200 OK", rule)
        return _json(start_response, "404 Not Found", {"error": f"no such endpoint: {method} {path}"})

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


# --------------------------------------------------------------------------

def build_app() -> HarnessMiddleware:
    apply_patches()
    # Secrets Manager, and RDS for RDS-managed admin secrets, told apart by
    # the X-Amz-Target header and the signature's service.
    return HarnessMiddleware(create_backend_app("secretsmanager"), rds=create_backend_app("rds"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    # werkzeug logs one line per request; bodies never appear, but the noise
    # would bury the lines that matter in the service log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = make_server("127.0.0.1", args.port, build_app(), threaded=True)
    port = server.server_address[1]
    if args.port_file:
        tmp = f"{args.port_file}.tmp"
        with open(tmp, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, args.port_file)  # readers never see a half-written file
    print(f"moto Secrets Manager listening on 127.0.0.1:{port}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
