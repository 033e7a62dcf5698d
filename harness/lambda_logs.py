"""Lambda's log-level filter, as the runtime emulator applies it to every line
the function writes.

AWS's rule ("Log-level filtering", Lambda developer guide,
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html):
filtering needs the JSON log format (with the text format nothing is
dropped); a line's level is its JSON object's "level" member; when that is
missing or invalid, or "timestamp" is not a valid RFC 3339 time, the line
counts as INFO; lines below the function's application log level are not
sent to CloudWatch Logs. A line that is not a JSON object (plain text) has
no level to read, so it counts as INFO too. The application log level is
INFO when the JSON format is set without one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def line_level(line: str) -> str:
    """The level Lambda gives one line of the function's output."""
    try:
        record = json.loads(line)
    except ValueError:
        return "INFO"
    if not isinstance(record, dict):
        return "INFO"
    given = record.get("level")
    timestamp = record.get("timestamp")
    if not isinstance(given, str) or given.upper() not in LEVELS:
        return "INFO"
    if not isinstance(timestamp, str) or RFC3339.match(timestamp) is None:
        return "INFO"
    try:
        datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:  # well formed, yet no such time (month 13, say)
        return "INFO"
    return given.upper()


def lambda_keeps(line: str, application_level: str) -> bool:
    """Whether Lambda sends the line on, at the given application log level (JSON format)."""
    return LEVELS.index(line_level(line)) >= LEVELS.index(application_level)


def application_level(environment: Mapping[str, str]) -> str | None:
    """The level the function's environment filters at, or None when nothing is filtered (text format)."""
    if environment.get("AWS_LAMBDA_LOG_FORMAT", "").upper() != "JSON":
        return None
    level = environment.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
    if level not in LEVELS:
        raise ValueError(f"AWS_LAMBDA_LOG_LEVEL {level!r} is none of {', '.join(LEVELS)}")
    return level
