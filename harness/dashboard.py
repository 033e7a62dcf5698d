"""The template's CloudWatch dashboard, read from template.yaml as
CloudFormation would render it for given parameters: its widgets and the
metrics they plot. harness/render_dashboard.py draws it;
Tests/EndToEnd/test_fleet_dashboard.py checks its metrics against the
records the function writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from .rotator import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULTS = {
    "AWS::Region": "eu-west-1",
    "RotationFunctionLogGroup": "/aws/lambda/mysql-rotator",
}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    decoded, problems = decode_str(path.read_text())
    if problems:
        raise ValueError(f"{path} does not decode: {problems}")
    return decoded


def substitute(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for ${{{name}}}")
        return values[name]

    return re.sub(r"\$\{([^}!]+)\}", one, text)


def dashboard(template: dict[str, Any] | None = None, **parameters: str) -> dict[str, Any]:
    """The dashboard body, with the template's defaults for parameters not given."""
    template = template or load_template()
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    values.update(DEFAULTS)
    values.update(parameters)
    body = template["Resources"]["RotationDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return json.loads(substitute(body, values))


def widget_metrics(widget: dict[str, Any]) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric name, ((dimension, value), ...)) of each line a metric widget plots."""
    found = []
    for row in widget.get("properties", {}).get("metrics", []):
        fields = [item for item in row if not isinstance(item, dict)]
        namespace, name, rest = fields[0], fields[1], fields[2:]
        found.append((namespace, name, tuple(zip(rest[0::2], rest[1::2], strict=False))))
    return found


def alarm_metrics(template: dict[str, Any], namespace: str) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """The same for the fleet alarm's metric queries."""
    found = []
    for query in template["Resources"]["FleetCheckFailingAlarm"]["Properties"]["Metrics"]:
        metric = query.get("MetricStat", {}).get("Metric")
        if metric:
            dimensions = tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
            found.append((namespace, metric["MetricName"], dimensions))
    return found
