"""The template's dashboard and fleet alarm plot metrics the function really
writes: every metric line (namespace, name, dimensions and their values) of
RotationDashboard and FleetCheckFailingAlarm, rendered from template.yaml as
CloudFormation would for the defaults, is matched against the EMF records
the built function printed for a rotation, a failed step of each kind and a
fleet check. The log widget's query reads only fields those records have.
And the picture in docs/ is drawn from that same definition.
"""

from __future__ import annotations

import re
import uuid

from harness import STEPS, event, rotator_command, rotator_environment
from harness.accounts import create_account
from harness.dashboard import alarm_metrics, dashboard, load_template, widget_metrics
from harness.render_dashboard import render
from harness.rotation import run_step
from harness.rotator import emf_records


def emitted(log):
    """{(namespace, metric, frozenset((dimension, value), ...))} and the records, from EMF lines."""
    metrics, records = set(), emf_records(log)
    for record in records:
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, record[name]) for name in dimension_set)
                for metric in directive["Metrics"]:
                    metrics.add((directive["Namespace"], metric["Name"], dimensions))
    return metrics, records


def test_every_dashboard_and_alarm_metric_is_one_the_function_writes(sm, db, services, start_emulator):
    template = load_template()
    namespace = template["Parameters"]["MetricsNamespace"]["Default"]
    strategy = template["Parameters"]["RotationStrategy"]["Default"]
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    own = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    command, task_root = rotator_command()
    emulator = start_emulator(command, env=rotator_environment(services, ROTATION_STRATEGY=strategy,
                                                               METRICS_NAMESPACE=namespace),
                              task_root=task_root, timeout=60.0, function_name=name)
    account = create_account(sm, db, secret_prefix=f"e2e/{name}/ok", prefix="fl")
    token = sm.rotate_secret(SecretId=account.arn, RotationLambdaARN=own,
                             RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
    for step in STEPS:
        run_step(emulator, account.arn, token, step)
    # Each step failing once: a secret that does not exist.
    missing = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:e2e/{name}/missing-AbCdEf"
    for step in STEPS:
        ok, _ = emulator.invoke(event(missing, str(uuid.uuid4()), step))
        assert not ok
    broken = create_account(sm, db, secret_prefix=f"e2e/{name}/broken", prefix="fl", create_user=False)
    sm.rotate_secret(SecretId=broken.arn, RotationLambdaARN=own, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    ok, answer = emulator.invoke({"CheckAll": {}})
    assert ok and answer["checked"] == 2 and answer["failing"] == 1

    metrics, records = emitted(emulator.log_path)
    body = dashboard(template)
    plotted = [line for widget in body["widgets"] for line in widget_metrics(widget)]
    plotted += alarm_metrics(template, namespace)
    assert len(plotted) >= 17
    for plotted_namespace, metric, dimensions in plotted:
        key = (plotted_namespace, metric, frozenset(dimensions))
        assert key in metrics, f"the dashboard plots {key}, which the function never writes"

    # The log widget's query: its fields are members of the per-secret records.
    query = next(w["properties"]["query"] for w in body["widgets"] if w["type"] == "log")
    per_secret = [r for r in records if "SecretName" in r]
    assert {r["SecretName"] for r in per_secret} == {account.name, broken.name}
    fields = set(re.findall(r"\b([A-Z][A-Za-z]+)\b", query.split("|", 1)[1]))
    assert fields, query
    for field in fields:
        assert all(field in record for record in per_secret), f"the query reads {field}, which no record has"
    # The plugin widget's lines: every counted plugin written, zero or not.
    by_plugin = {r["Plugin"]: r["SecretsByPlugin"] for r in records if "SecretsByPlugin" in r}
    assert by_plugin["mysql_native_password"] == 1 and by_plugin["unknown"] == 1, by_plugin
    assert sum(by_plugin.values()) == 2, by_plugin
    failing = [r for r in per_secret if r["WouldFail"] == 1]
    assert [r["SecretName"] for r in failing] == [broken.name]
    assert failing[0]["FailedChecks"] == "login-current"


def test_the_picture_is_drawn_from_the_template(tmp_path):
    out = tmp_path / "dashboard.png"
    titles = render(out)
    assert titles == [widget["properties"]["title"] for widget in dashboard()["widgets"]]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
