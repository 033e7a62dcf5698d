"""RotateSecret as Secrets Manager runs it, for scripts that call `rotate-secret`
against moto (whose RotateSecret only stages AWSPENDING): stage the
rotation, then invoke the function's four steps through the Runtime API
emulator, and print RotateSecret's answer.

    python3 -m harness.rotate_through EMULATOR_URL SECRET_ID
"""

from __future__ import annotations

import json
import sys
import urllib.request

from harness.rotator import STEPS, event, start_rotation
from harness.services import Services


def invoke(url: str, payload: dict) -> None:
    request = urllib.request.Request(f"{url}/2015-03-31/functions/rotator/invocations",
                                     data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        failed = response.headers.get("X-Amz-Function-Error")
        body = response.read().decode("utf-8", "replace")
    if failed:
        raise SystemExit(f"{payload['Step']} failed: {body}")


def main(argv: list[str]) -> int:
    url, secret_id = argv
    sm = Services.from_environment().secrets_manager()
    arn = sm.describe_secret(SecretId=secret_id)["ARN"]
    token = start_rotation(sm, arn)
    for step in STEPS:
        invoke(url, event(arn, token, step))
    print(json.dumps({"ARN": arn, "VersionId": token}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
