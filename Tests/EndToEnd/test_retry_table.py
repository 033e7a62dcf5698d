"""The committed retry table is botocore's own answer today.

Tests/SecretsManagerTests/RetryTableTests.swift checks the Swift classifier
against harness/oracles/retry_table.json row by row; this regenerates the
table from the installed botocore, so a botocore that changed its standard
retry rules (or a hand-edited table) fails here.
"""

from __future__ import annotations

import json

from harness.oracles import retry_table


def load_oracle():
    return retry_table


def test_committed_table_is_what_botocore_answers_now() -> None:
    oracle = load_oracle()
    committed = json.loads(oracle.TABLE_PATH.read_text())
    fresh = oracle.table()
    assert oracle.comparable(committed) == oracle.comparable(fresh), (
        "botocore's standard retry rules differ from harness/oracles/retry_table.json: "
        "regenerate it (python3 -m harness.oracles.retry_table --write) and align "
        "Sources/AWSCore/RetryPolicy.swift"
    )


def test_table_has_the_cases_the_issue_names() -> None:
    rows = json.loads(load_oracle().TABLE_PATH.read_text())
    transport = {row["curl_code"]: row["retryable"] for row in rows["transport_rows"]}
    # Connection resets at every phase, TLS handshake included, and timeouts.
    assert all(transport[code] for code in (7, 28, 35, 52, 55, 56))
    untyped = {row["status"]: row["retryable"] for row in rows["service_rows"] if row["type"] is None}
    assert [status for status, retry in sorted(untyped.items()) if retry] == [500, 502, 503, 504]
    throttled = {row["type"] for row in rows["service_rows"] if row["status"] == 400 and row["retryable"]}
    assert "ThrottlingException" in throttled and "ResourceNotFoundException" not in throttled
