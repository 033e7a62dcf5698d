#!/usr/bin/env python3
"""Asks botocore which failed Secrets Manager calls its "standard" retry mode retries.

    python3 harness/oracles/retry_table.py            # print the table
    python3 -m harness.oracles.retry_table --write   # rewrite harness/oracles/retry_table.json

The committed JSON is the table the Swift classifier is tested against
(read by Tests/TestSupport/RetryOracle.swift for RetryPolicyTests and
RetryTableTests); Tests/EndToEnd/test_retry_table.py regenerates it with
the installed botocore and fails when botocore's answers have drifted from
the committed file.

Two kinds of rows:

* "service": an HTTP answer (status, JSON body with or without `__type`). It
  is parsed by botocore's own JSON-protocol parser with the real Secrets
  Manager service model, and the parsed response is given to
  botocore.retries.standard.StandardRetryConditions for every operation the
  function calls; the operations must agree (Secrets Manager models no
  retryable errors), so one row stands for all of them.
* "transport": a curl error code, mapped to the botocore exception that
  botocore's httpsession raises for the same event (the mapping below, with
  its reason, is this project's reading of botocore/httpsession.py), given to
  the same retry conditions as caught_exception.

Rows whose error code comes only from the `x-amzn-ErrorType` header are left
out: botocore's JSON 1.1 parser does not read that header, the Swift client
does (as the other SDKs do), and Secrets Manager always sends `__type`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import botocore
import botocore.exceptions as bex
import botocore.session
from botocore import parsers
from botocore.retries.standard import (
    RetryContext,
    StandardRetryConditions,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

TABLE_PATH = Path(__file__).with_suffix(".json")

OPERATIONS = ["DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage", "GetRandomPassword"]

STATUSES = [400, 403, 404, 408, 409, 413, 429, 500, 501, 502, 503, 504, 505, 507, 509]

# Secrets Manager's modeled errors, errors any AWS JSON service can answer,
# and every code botocore's own checkers name (read from the classes, so a
# code botocore adds is tested too).
SERVICE_CODES = [
    "ResourceNotFoundException", "InvalidParameterException", "InvalidRequestException", "LimitExceededException",
    "InternalServiceError", "EncryptionFailure", "DecryptionFailure", "ResourceExistsException",
    "MalformedPolicyDocumentException", "PreconditionNotMetException", "PublicPolicyException",
    "AccessDeniedException", "UnrecognizedClientException", "ValidationException", "IncompleteSignature",
    "ExpiredTokenException", "InvalidSignatureException", "ServiceUnavailable", "InternalFailure",
    "IDPCommunicationError", "SomethingNew",
]
CODES = sorted(
    set(SERVICE_CODES)
    | set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    | set(TransientRetryableChecker._TRANSIENT_ERROR_CODES)
)

ENDPOINT = "https://secretsmanager.us-east-1.amazonaws.com/"

# curl code, curl's name, the botocore exception for the same event, why.
TRANSPORT = [
    (1, "CURLE_UNSUPPORTED_PROTOCOL", lambda: ValueError("Invalid endpoint"),
     "botocore refuses an endpoint URL it cannot use with a ValueError before any request"),
    (3, "CURLE_URL_MALFORMAT", lambda: ValueError("Invalid endpoint"),
     "as above"),
    (5, "CURLE_COULDNT_RESOLVE_PROXY", lambda: bex.ProxyConnectionError(proxy_url="http://proxy", error="gaierror"),
     "urllib3 ProxyError"),
    (6, "CURLE_COULDNT_RESOLVE_HOST", lambda: bex.EndpointConnectionError(endpoint_url=ENDPOINT, error="gaierror"),
     "socket.gaierror"),
    (7, "CURLE_COULDNT_CONNECT", lambda: bex.EndpointConnectionError(endpoint_url=ENDPOINT, error="refused"),
     "urllib3 NewConnectionError (refused, reset or unreachable while connecting)"),
    (8, "CURLE_WEIRD_SERVER_REPLY", lambda: bex.ConnectionClosedError(endpoint_url=ENDPOINT),
     "urllib3 ProtocolError (a status line that is not HTTP)"),
    (18, "CURLE_PARTIAL_FILE", lambda: bex.ConnectionClosedError(endpoint_url=ENDPOINT),
     "urllib3 ProtocolError (IncompleteRead)"),
    (28, "CURLE_OPERATION_TIMEDOUT", lambda: bex.ReadTimeoutError(endpoint_url=ENDPOINT, error="timed out"),
     "urllib3 ReadTimeoutError; a connect-phase timeout is ConnectTimeoutError, retried alike"),
    (35, "CURLE_SSL_CONNECT_ERROR", lambda: bex.SSLError(endpoint_url=ENDPOINT, error="reset during handshake"),
     "urllib3 SSLError: the handshake failed, a connection reset during it included"),
    (52, "CURLE_GOT_NOTHING", lambda: bex.ConnectionClosedError(endpoint_url=ENDPOINT),
     "http.client RemoteDisconnected, a urllib3 ProtocolError"),
    (55, "CURLE_SEND_ERROR", lambda: bex.ConnectionClosedError(endpoint_url=ENDPOINT),
     "urllib3 ProtocolError (ConnectionResetError, BrokenPipeError while sending)"),
    (56, "CURLE_RECV_ERROR", lambda: bex.ConnectionClosedError(endpoint_url=ENDPOINT),
     "urllib3 ProtocolError (ConnectionResetError while reading)"),
    (58, "CURLE_SSL_CERTPROBLEM", lambda: bex.SSLError(endpoint_url=ENDPOINT, error="certificate problem"),
     "urllib3 SSLError"),
    (60, "CURLE_PEER_FAILED_VERIFICATION", lambda: bex.SSLError(endpoint_url=ENDPOINT, error="verify failed"),
     "urllib3 SSLError (certificate verify failed)"),
    (92, "CURLE_HTTP2_STREAM", lambda: bex.HTTPClientError(error="stream error"),
     "any other exception while sending becomes HTTPClientError"),
]


def _service_model():
    session = botocore.session.get_session()
    return session.get_service_model("secretsmanager")


def _retryable(context_kwargs: dict, operation_model) -> bool:
    context = RetryContext(attempt_number=1, operation_model=operation_model, **context_kwargs)
    return StandardRetryConditions(max_attempts=3).is_retryable(context)


class _HTTPResponse:
    def __init__(self, status: int):
        self.status_code = status


def _agreed(model, context_for) -> bool:
    answers = {name: _retryable(context_for(model.operation_model(name)), model.operation_model(name))
               for name in OPERATIONS}
    if len(set(answers.values())) != 1:
        raise SystemExit(f"operations disagree: {answers}; the table format needs an operation column")
    return next(iter(answers.values()))


def service_rows(model) -> list[dict]:
    parser = parsers.create_parser(model.protocol)
    rows = []
    for status in STATUSES:
        for code in [None, *CODES]:
            body = ({"message": "m"} if code is None
                    else {"__type": f"com.amazonaws.secretsmanager#{code}", "message": "m"})
            raw = json.dumps(body).encode()

            def context_for(operation_model, raw=raw, status=status):
                parsed = parser.parse({"status_code": status, "headers": {}, "body": raw}, operation_model.output_shape)
                return {"parsed_response": parsed, "http_response": _HTTPResponse(status)}

            rows.append({"status": status, "type": code, "retryable": _agreed(model, context_for)})
    return rows


def transport_rows(model) -> list[dict]:
    rows = []
    for curl_code, curl_name, make, reason in TRANSPORT:
        exception = make()
        retryable = _agreed(model, lambda _op, exception=exception: {"caught_exception": exception})
        rows.append({
            "curl_code": curl_code, "curl_name": curl_name, "botocore_exception": type(exception).__name__,
            "why": reason, "retryable": retryable,
        })
    return rows


def table() -> dict:
    model = _service_model()
    return {
        "generated_by": "harness/oracles/retry_table.py",
        "botocore_version": botocore.__version__,
        "note": rows_note(),
        "service_rows": service_rows(model),
        "transport_rows": transport_rows(model),
    }


def rows_note() -> str:
    return ("status and __type of an error answer (type null: a body without __type); "
            "retryable: botocore StandardRetryConditions on attempt 1 of 3, the same for " + ", ".join(OPERATIONS))


def render(value: dict) -> str:
    # Rows one per line: a drift shows as a readable diff.
    lines = ["{"]
    keys = list(value)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        item = value[key]
        if isinstance(item, list):
            lines.append(f"  {json.dumps(key)}: [")
            lines += [f"    {json.dumps(row)}{',' if i < len(item) - 1 else ''}" for i, row in enumerate(item)]
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(item)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def comparable(value: dict) -> dict:
    """The table without the generator's version stamp, which may differ harmlessly."""
    return {key: item for key, item in value.items() if key != "botocore_version"}


def main(argv: list[str]) -> int:
    text = render(table())
    if argv[1:] == ["--write"]:
        TABLE_PATH.write_text(text)
        print(f"wrote {TABLE_PATH}")
    elif argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
