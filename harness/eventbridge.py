"""Event patterns matched as EventBridge matches them, through moto's EventBridge."""

from __future__ import annotations

import json
from typing import Any


def matches(clients: dict[str, Any], pattern: str, event: dict) -> bool:
    """A rule with the pattern, an SQS target, the event put on the bus, and
    whether the target received it. `clients` holds moto's "events" and "sqs"."""
    name = f"rule-{abs(hash((pattern, json.dumps(event, sort_keys=True))))}"
    queue_url = clients["sqs"].create_queue(QueueName=name)["QueueUrl"]
    attributes = clients["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    clients["events"].put_rule(Name=name, EventPattern=pattern, State="ENABLED")
    clients["events"].put_targets(Rule=name, Targets=[{"Id": "q", "Arn": attributes["QueueArn"]}])
    put = clients["events"].put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                                 "Detail": json.dumps(event["detail"]),
                                                 "Resources": event["resources"]}])
    assert put["FailedEntryCount"] == 0, put
    received = clients["sqs"].receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(received) <= 1
    if received:
        delivered = json.loads(received[0]["Body"])
        assert delivered["detail"] == event["detail"], "moto delivered another event"
    return bool(received)
