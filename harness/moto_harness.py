"""A client for harness/moto_server.py's test-only /_harness endpoints:
injected faults and call counts."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class MotoHarness:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def _call(self, path: str, payload: dict | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.endpoint + path, data=data,
                                         method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def fault(self, operation: str, kind: str, count: int = 1, **extra: Any) -> None:
        """The next `count` calls of `operation` ("*": any) fail with `kind`
        (throttle, 5xx, drop, hold)."""
        self._call("/_harness/faults", {"operation": operation, "kind": kind, "count": count, **extra})

    def faults(self) -> list[dict[str, Any]]:
        """The rules, each with "injected": how many faults it has caused."""
        return self._call("/_harness/faults")

    def reset(self) -> int:
        """Clears pending faults and releases held answers; returns how many faults were injected."""
        injected = sum(rule["injected"] for rule in self.faults())
        self._call("/_harness/faults/reset", {})
        return injected

    def reset_calls(self) -> None:
        self._call("/_harness/calls/reset", {})

    def calls(self) -> dict[str, int]:
        """Calls seen since the last reset_calls, by operation."""
        return self._call("/_harness/calls")

    def held(self) -> int:
        return self._call("/_harness/held")["held"]

    def backdate(self, secret_id: str, seconds: int) -> None:
        """The secret's dates and its versions' creation dates `seconds` earlier."""
        self._call("/_harness/backdate", {"SecretId": secret_id, "seconds": seconds})
