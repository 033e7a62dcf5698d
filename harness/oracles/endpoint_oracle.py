#!/usr/bin/env python3
"""Asks botocore where it sends requests, as an oracle for Endpoint.resolve.

For every service, region and flag combination in CASES, a client is built
the way an SDK user would build it (region, use_fips_endpoint,
use_dualstack_endpoint, the AWS_ENDPOINT_URL* environment variables) and one
request is made; a before-send hook records the URL botocore chose and
answers without touching the network. Errors botocore raises (FIPS with a
custom endpoint, …) are recorded as errors.

    harness/oracles/endpoint_oracle.py > Tests/AWSEndpointTests/botocore-endpoints.json

Tests/EndToEnd/test_endpoint_oracle.py regenerates the table from the
installed botocore and fails when it differs from the committed one.
"""

import json
import os
import sys
from typing import Any
from unittest import mock

import botocore
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

# botocore's service id and the operation used to provoke one request.
SERVICES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "secretsmanager": ("SECRETS_MANAGER", "list_secrets", {}),
    "rds": ("RDS", "describe_db_instances", {}),
}

# Every partition botocore knows, by named regions and by a region that only
# the partition's pattern matches (a region launched after this botocore).
REGIONS = [
    "us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1", "us-east-9",
    "cn-north-1", "cn-northwest-1",
    "us-gov-west-1", "us-gov-east-1",
    "us-iso-east-1", "us-iso-west-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1", "us-isof-east-1",
    "eusc-de-east-1",
]
FLAGS = [(False, False), (True, False), (False, True), (True, True)]
CUSTOM = "https://vpce-0abc.example.internal"
GENERIC = "https://generic.example.internal:8443"


def cases():
    for service in SERVICES:
        for region in REGIONS:
            for fips, dual_stack in FLAGS:
                yield {"service": service, "region": region, "fips": fips, "dualStack": dual_stack, "environment": {}}
        env_name = "AWS_ENDPOINT_URL_" + SERVICES[service][0]
        for environment in (
            {env_name: CUSTOM},
            {"AWS_ENDPOINT_URL": GENERIC},
            {env_name: CUSTOM, "AWS_ENDPOINT_URL": GENERIC},
            {env_name: CUSTOM, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        ):
            for fips, dual_stack in FLAGS:
                yield {"service": service, "region": "us-east-1", "fips": fips, "dualStack": dual_stack,
                       "environment": environment}


def resolve(case):
    service = case["service"]
    operation, arguments = SERVICES[service][1], SERVICES[service][2]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(case["environment"])
    clean.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "oracle", "AWS_CONFIG_FILE": os.devnull,
                  "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    seen = {}

    def capture(request, **_):
        seen["url"] = request.url
        return AWSResponse(request.url, 200, {}, None)

    with mock.patch.dict(os.environ, clean, clear=True):
        session = botocore.session.get_session()
        config = Config(use_fips_endpoint=case["fips"], use_dualstack_endpoint=case["dualStack"],
                        retries={"max_attempts": 1})
        try:
            client = session.create_client(service, region_name=case["region"], config=config)
            client.meta.events.register("before-send", capture)
            try:
                getattr(client, operation)(**arguments)
            except Exception:  # the empty answer does not parse; the URL is already known
                pass
        except Exception as error:  # botocore refused the configuration
            return {"error": type(error).__name__}
    if "url" not in seen:
        return {"error": "NoRequest"}
    url = seen["url"]
    # The URL without the operation's path: the endpoint.
    scheme, rest = url.split("://", 1)
    return {"url": scheme + "://" + rest.split("/", 1)[0]}


def table():
    return {"botocore": botocore.__version__, "cases": [dict(case, expected=resolve(case)) for case in cases()]}


def main():
    json.dump(table(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
