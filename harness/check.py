"""Send a preflight check event to the function through the Runtime API
emulator and print its report; run by scripts/check.sh and `scripts/demo.sh check`.

    python3 -m harness.check [--json] SECRET_ID [STRATEGY]
    python3 -m harness.check [--json] --all [NAME_PREFIX]

SECRET_ID checks one secret (`{"Check": ...}`); --all checks every secret
whose rotation function is this one (`{"CheckAll": ...}`): the emulator's
arn:aws:lambda:REGION:123456789012:function:FUNCTION_NAME (default "rotator",
the ARN the local services' secrets name). A table is printed; --json prints
the raw report instead.

The function runs with this process's environment (AWS_REGION, credentials,
SECRETS_MANAGER_ENDPOINT, DB_CA_BUNDLE, ROTATION_STRATEGY, ...), exactly as
the deployed one would with its configuration. Exit status: 0 when every
check passed, 1 when one failed (or, with --all, a secret was not checked
or listing stopped early), 2 when the check itself could not run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .emulator import Emulator
from .rotator import rotator_command


def invoke(payload: dict, env: dict[str, str], log_path: Path, timeout: float = 30) -> tuple[bool, Any]:
    command, task_root = rotator_command(env.get("ROTATOR_COMMAND"))
    with Emulator(command, env=env, log_path=log_path, timeout=timeout, task_root=task_root,
                  function_name=env.get("FUNCTION_NAME", "rotator")) as emulator:
        return emulator.invoke(payload)


def run_check(secret_id: str, strategy: str | None, env: dict[str, str], log_path: Path,
              timeout: float = 30) -> tuple[bool, dict]:
    """(function succeeded, body): the report, or the function's error."""
    request = {"SecretId": secret_id}
    if strategy:
        request["Strategy"] = strategy
    return invoke({"Check": request}, env, log_path, timeout)


def run_check_all(prefix: str | None, env: dict[str, str], log_path: Path,
                  timeout: float = 60) -> tuple[bool, dict]:
    request = {"NamePrefix": prefix} if prefix else {}
    return invoke({"CheckAll": request}, env, log_path, timeout)


def table(rows: list[list[str]], headers: list[str], widths: list[int]) -> str:
    """Columns padded to the widest cell, the last ones wrapped at `widths` (0: no limit)."""
    cells = [headers] + rows
    sizes = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    sizes = [min(size, width) if width else size for size, width in zip(sizes, widths, strict=False)]
    lines = []
    for index, row in enumerate(cells):
        parts = [cell if len(cell) <= size else cell[:size - 1] + "…" for cell, size in zip(row, sizes, strict=False)]
        lines.append("  ".join(part.ljust(size) for part, size in zip(parts, sizes, strict=False)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * size for size in sizes))
    return "\n".join(lines)


def single_table(report: dict) -> str:
    rows = [[check["name"], "ok" if check["ok"] else "FAIL", check["detail"]] for check in report["checks"]]
    text = [f"{report['SecretId']} ({report['Strategy']}): {'ok' if report['ok'] else 'FAILS'}", "",
            table(rows, ["check", "ok", "detail"], [0, 0, 100])]
    if report.get("advice"):
        text += ["", "advice:"] + [f"  - {advice}" for advice in report["advice"]]
    return "\n".join(text)


def last_rotation(entry: dict) -> str:
    if entry.get("lastRotatedDate") is None:
        return "never"
    return f"{entry['lastRotatedDate'][:10]} ({entry['daysSinceLastRotation']} d ago)"


def fleet_table(report: dict) -> str:
    state = {"ok": "ok", "failing": "FAIL", "notChecked": "not checked"}
    rows = [[entry["Name"], state[entry["status"]],
             ", ".join(entry["failed"]) if entry["status"] != "notChecked" else entry.get("notChecked", ""),
             last_rotation(entry)]
            for entry in report["secrets"]]
    summary = (f"{report['checked']} checked, {report['failing']} failing, {report['notChecked']} not checked"
               f" ({report['FunctionArn']}, {report['durationMs']} ms)")
    if report.get("notListed"):
        summary += f"\nnot listed: {report['notListed']}"
    if not rows:
        return f"no secret names this function as its rotation function; {summary}"
    text = [table(rows, ["secret", "ok", "what failed", "last rotation"], [60, 0, 60, 0]), "", summary]
    advice = [(entry["Name"], line) for entry in report["secrets"] for line in entry.get("advice", [])]
    if advice:
        text += ["", "advice:"] + [f"  {name}: {line}" for name, line in advice]
    return "\n".join(text)


def main(argv: list[str]) -> int:
    raw = "--json" in argv
    args = [arg for arg in argv if arg != "--json"]
    fleet = bool(args) and args[0] == "--all"
    if fleet:
        args = args[1:]
    if len(args) > (1 if fleet else 2) or (not fleet and not args) or any(a.startswith("--") for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    env = dict(os.environ)
    env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    log_path = Path(tempfile.gettempdir()) / "rotator-check.log"
    timeout = float(env.get("CHECK_TIMEOUT", "60" if fleet else "30"))
    if fleet:
        ok, body = run_check_all(args[0] if args else None, env, log_path, timeout=timeout)
    else:
        ok, body = run_check(args[0], args[1] if len(args) > 1 else None, env, log_path, timeout=timeout)
    if not ok:
        print(json.dumps(body, indent=2))
        print(f"the check could not run; the function's log is {log_path}", file=sys.stderr)
        return 2
    if raw:
        print(json.dumps(body, indent=2))
    else:
        print(fleet_table(body) if fleet else single_table(body))
    if fleet:
        return 0 if body["failing"] == 0 and body["complete"] else 1
    return 0 if body.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
