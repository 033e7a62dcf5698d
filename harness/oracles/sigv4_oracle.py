#!/usr/bin/env python3
"""Signs requests with botocore's SigV4Auth, as an oracle for the Swift signer.

Reads a JSON array on stdin; each element is
  {"method", "url", "headers": [[name, value], ...], "body_base64",
   "access_key", "secret_key", "token" (or null), "region", "service",
   "epoch_seconds"}
and writes a JSON array of {"authorization", "x_amz_date", "security_token"}
in the same order. The clock is frozen per request the way botocore's own
tests freeze it, so the signature depends on nothing but the input.
"""

import base64
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(spec):
    when = datetime.datetime.fromtimestamp(spec["epoch_seconds"], tz=datetime.UTC)
    request = AWSRequest(
        method=spec["method"],
        url=spec["url"],
        data=base64.b64decode(spec["body_base64"]),
    )
    for name, value in spec["headers"]:
        request.headers[name] = value
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))
    signer = botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"])
    # botocore reads the time through get_current_datetime (naive UTC).
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when.replace(tzinfo=None)):
        signer.add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "x_amz_date": request.headers["X-Amz-Date"],
        "security_token": request.headers.get("X-Amz-Security-Token"),
    }


def main():
    specs = json.load(sys.stdin)
    json.dump([sign(spec) for spec in specs], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
