"""The built binary's metrics records survive Lambda's log-level filter at
every LogLevel the template allows, in the JSON log format.

Lambda's documented rule ("Log-level filtering", Lambda developer guide): a
JSON line's level is its "level" member; when that is missing or invalid,
or "timestamp" is not valid RFC 3339, the line counts as INFO; lines below
the function's application log level are dropped. The function's own log
lines are filtered by the function (it writes nothing under the level), so
what reaches stdout is what the rule is applied to here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from harness.rotation import rotate

LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def lambda_keeps(line: str, application_level: str) -> bool:
    level = "INFO"
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if isinstance(record, dict):
        given = str(record.get("level", "")).upper()
        timestamp = record.get("timestamp")
        valid_time = isinstance(timestamp, str) and RFC3339.match(timestamp) is not None
        if given in LEVELS and valid_time and isinstance(timestamp, str):
            datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
            level = given
    return LEVELS.index(level) >= LEVELS.index(application_level)


@pytest.mark.parametrize("level", LEVELS)
def test_every_steps_metrics_survive_the_log_level(sm, start_rotator, make_account, level):
    account = make_account()
    rotator = start_rotator(AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_LOG_LEVEL=level)
    rotate(sm, rotator, account.arn)
    lines = [line for line in rotator.log_path.read_text("utf-8", errors="replace").splitlines()
             if line.startswith("{") and '"_aws"' in line]
    steps = [json.loads(line)["Step"] for line in lines]
    assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"], "not one record per step"
    dropped = [json.loads(line)["Step"] for line in lines if not lambda_keeps(line, level)]
    assert dropped == [], f"Lambda would drop the metrics of {dropped} at {level}"


def test_the_rule_drops_a_record_without_a_level_above_info():
    """Control: the shape the records had before (no level) is lost at WARN."""
    bare = json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Step": "setSecret"})
    assert lambda_keeps(bare, "INFO")
    assert not lambda_keeps(bare, "WARN")
    stamped = json.dumps({"level": "WARN", "timestamp": "2026-12-01T00:00:00.000Z", "_aws": {}})
    assert lambda_keeps(stamped, "WARN")
    assert not lambda_keeps(json.dumps({"level": "WARN", "timestamp": "now"}), "WARN")
