"""template.yaml's alerts for what the failure rule and the errors alarm
cannot hear, rendered as CloudFormation would: invocations that never ran
(throttled, dropped asynchronous invokes, a schedule EventBridge could not
deliver), the scheduled fleet check run once (no asynchronous retries), the
topic letting every alarm that names it publish, and the dashboard opening
on two weeks with each secret's latest verdict. The failure rule's events
are test_template_deploy.py's; the dashboard's metrics, test_fleet_dashboard.py's.
"""

from __future__ import annotations

import re

import pytest

from harness.dashboard import dashboard
from harness.template import Rendered, load_template, stand_ins

EMAIL = {"NotificationEmail": "dba@example.com"}
NO_SCHEDULE = {"FleetCheckSchedule": ""}
NO_METRICS = {"MetricsNamespace": ""}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


def alarms(template: dict, parameters: dict) -> dict[str, dict]:
    rendered = Rendered(template, parameters)
    assert rendered.refusals() == []
    return rendered.resources("AWS::CloudWatch::Alarm")


def metric_queries(alarm: dict) -> dict[str, tuple[str, str, list]]:
    return {query["Id"]: (query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"],
                          query["MetricStat"]["Metric"]["Dimensions"])
            for query in alarm["Metrics"] if "MetricStat" in query}


def test_a_throttled_or_dropped_invocation_raises_the_not_run_alarm(template):
    alarm = alarms(template, EMAIL)["RotationFunctionNotRunAlarm"]
    function = [{"Name": "FunctionName", "Value": stand_ins()["RotationFunction"]}]
    assert metric_queries(alarm) == {
        "throttled": ("AWS/Lambda", "Throttles", function),
        "dropped": ("AWS/Lambda", "AsyncEventsDropped", function),
    }
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            assert (query["MetricStat"]["Stat"], query["ReturnData"]) == ("Sum", False)
    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    # A period with throttles and no async invoke at all still alarms: FILL, not a bare sum.
    assert expression["Expression"] == "FILL(throttled, 0) + FILL(dropped, 0)" and expression["ReturnData"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (
        1, "GreaterThanOrEqualToThreshold", "notBreaching")
    assert alarm["AlarmActions"] == [stand_ins()["NotificationTopic"]]
    # Without anywhere to send it the alarm still exists, in the console.
    assert "AlarmActions" not in alarms(template, {})["RotationFunctionNotRunAlarm"]


def test_a_schedule_eventbridge_could_not_deliver_raises_an_alarm(template):
    alarm = alarms(template, EMAIL)["FleetCheckNotDeliveredAlarm"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Dimensions"]) == (
        "AWS/Events", "FailedInvocations", [{"Name": "RuleName", "Value": stand_ins()["FleetCheckRule"]}])
    assert alarm["AlarmActions"] == [stand_ins()["NotificationTopic"]]
    assert "FleetCheckNotDeliveredAlarm" not in alarms(template, {**EMAIL, **NO_SCHEDULE})


def test_the_scheduled_fleet_check_runs_once(template):
    configs = Rendered(template, {}).resources("AWS::Lambda::EventInvokeConfig")
    assert configs == {"FleetCheckInvokeConfig": {
        "FunctionName": stand_ins()["RotationFunction"], "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 3600}}
    # The rule invokes the function itself (the unqualified ARN: $LATEST), which the setting covers.
    (target,) = Rendered(template, {}).resources("AWS::Events::Rule")["FleetCheckRule"]["Targets"]
    assert target["Arn"] == stand_ins()["RotationFunction.Arn"]
    assert Rendered(template, NO_SCHEDULE).resources("AWS::Lambda::EventInvokeConfig") == {}


@pytest.mark.parametrize("parameters", [
    pytest.param(EMAIL, id="everything"),
    pytest.param({**EMAIL, **NO_SCHEDULE}, id="no-schedule"),
    pytest.param({**EMAIL, **NO_METRICS}, id="no-metrics"),
])
def test_every_alarm_that_names_the_topic_may_publish_to_it(template, parameters):
    rendered = Rendered(template, parameters)
    topic = stand_ins()["NotificationTopic"]
    (policy,) = rendered.resources("AWS::SNS::TopicPolicy").values()
    allowed = set()
    for statement in policy["PolicyDocument"]["Statement"]:
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}:
            sources = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
            allowed |= set(sources if isinstance(sources, list) else [sources])
    publishing = {name for name, alarm in rendered.resources("AWS::CloudWatch::Alarm").items()
                  if topic in alarm.get("AlarmActions", [])}
    assert {"RotationFunctionErrorsAlarm", "RotationFunctionNotRunAlarm"} <= publishing
    assert allowed == {stand_ins()[f"{name}.Arn"] for name in publishing}, \
        "the topic's policy and the alarms that publish to it differ"


def test_an_overdue_rotation_is_the_fleet_alarms(template):
    """A rotation Secrets Manager never ran leaves no Lambda metric: the fleet
    check's rotation-overdue verdict (a WouldFail) is what raises it."""
    alarm = alarms(template, EMAIL)["FleetCheckFailingAlarm"]
    assert "overdue" in alarm["AlarmDescription"]
    assert {metric for _, metric, _ in metric_queries(alarm).values()} == {"SecretsFailing", "SecretsNotChecked"}


def test_the_dashboard_opens_on_two_weeks_and_lists_each_secrets_latest_verdict():
    body = dashboard()
    assert body["start"] == "-P14D"
    (table,) = [widget for widget in body["widgets"] if widget["type"] == "log"]
    stages = [stage.strip() for stage in table["properties"]["query"].split("|")]
    # Each secret's latest record first, then those whose latest verdict fails:
    # a secret fixed since an older run is not listed.
    stats = next(index for index, stage in enumerate(stages) if stage.startswith("stats "))
    assert "by SecretName" in stages[stats]
    for field, alias in (("WouldFail", "wouldFail"), ("NotChecked", "notChecked")):
        assert f"latest({field}) as {alias}" in stages[stats]
    after = stages[stats + 1:]
    assert after[0] == "filter wouldFail = 1 or notChecked = 1", after
    assert not any(re.search(r"\bWouldFail\s*=", stage) for stage in stages[:stats]), \
        "filtering on WouldFail before taking each secret's latest record lists secrets fixed since"
