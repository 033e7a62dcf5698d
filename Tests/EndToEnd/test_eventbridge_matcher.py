"""The matcher the template's rules are tested with (harness/eventbridge.py,
moto's EventBridge) against the matching rules the rules rely on, as
EventBridge's documentation states them
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html):
exact values (any of a list), nesting, every named field required, the
`resources` array, `wildcard`, `$or`.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from harness.eventbridge import matches

# The documentation's EC2 state-change event and its pattern.
EC2_DETAIL: dict[str, object] = {"instance-id": "i-1234567890abcdef0", "state": "terminated"}
EC2_EVENT: dict[str, object] = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "account": "111122223333",
    "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": EC2_DETAIL,
}
EC2_PATTERN = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "detail": {"state": ["terminated"]}}


@pytest.fixture(scope="module")
def aws():
    with mock_aws():
        yield {name: boto3.client(name, region_name="us-east-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for name in ("events", "sqs")}


def with_detail(**detail: object) -> dict:
    return {**EC2_EVENT, "detail": {**EC2_DETAIL, **detail}}


@pytest.mark.parametrize("pattern, event, expected", [
    pytest.param(EC2_PATTERN, EC2_EVENT, True, id="the-documented-example"),
    pytest.param({"source": ["aws.ec2", "aws.fargate"]}, EC2_EVENT, True, id="any-of-a-list"),
    pytest.param({"source": ["aws.fargate"]}, EC2_EVENT, False, id="exact-value-differs"),
    pytest.param({**EC2_PATTERN, "detail": {"state": ["running"]}}, EC2_EVENT, False, id="nested-value-differs"),
    pytest.param({**EC2_PATTERN, "detail": {"state": ["terminated"], "missing": ["x"]}}, EC2_EVENT, False,
                 id="every-named-field-required"),
    pytest.param({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}, EC2_EVENT,
                 True, id="resources-array-contains"),
    pytest.param({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-0"]}, EC2_EVENT, False,
                 id="resources-array-lacks"),
    pytest.param({"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
                 with_detail(EventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"), True,
                 id="wildcard-matches"),
    pytest.param({"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
                 with_detail(EventBusArn="arn:aws:events:us-west-2:123456789012:event-bus/myEventBus"), False,
                 id="wildcard-literal-part-differs"),
    pytest.param({"detail": {"$or": [{"state": ["running"]}, {"instance-id": ["i-1234567890abcdef0"]}]}},
                 EC2_EVENT, True, id="or-one-branch"),
    pytest.param({"detail": {"$or": [{"state": ["running"]}, {"instance-id": ["i-0"]}]}},
                 EC2_EVENT, False, id="or-no-branch"),
])
def test_the_matcher_follows_eventbridges_documented_rules(aws, pattern, event, expected):
    assert matches(aws, json.dumps(pattern), event) == expected
