"""Start harness/runtime_emulator.py in the background and talk to it.

    with Emulator(["./bootstrap"], env=env, log_path=log) as emulator:
        ok, body = emulator.invoke({"Step": "createSecret", ...})

Bodies are returned, never printed: they may carry secret values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Started as `python -m harness.runtime_emulator` from the checkout holding
# this package, so the emulator is this checkout's, whatever is installed.
EMULATOR_MODULE = f"{__package__}.runtime_emulator"
PACKAGE_PARENT = Path(__file__).resolve().parent.parent


class EmulatorError(RuntimeError):
    pass


class Emulator:
    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log_path: str | os.PathLike[str],
        timeout: float = 30.0,
        init_timeout: float = 10.0,
        eager: bool = False,
        task_root: str | os.PathLike[str] | None = None,
        function_name: str = "function",
        start_deadline: float = 15.0,
    ):
        self.log_path = Path(log_path)
        self.timeout = timeout
        self.init_timeout = init_timeout
        self._workdir = tempfile.TemporaryDirectory(prefix="emulator-")
        port_file = Path(self._workdir.name) / "port"
        # The emulator runs in PACKAGE_PARENT: the paths it is given are made
        # absolute here, against this process's working directory (a relative
        # command is the task root's when one is given, as in the sandbox).
        command = list(command)
        if task_root is None and command and os.sep in command[0] and not os.path.isabs(command[0]):
            command[0] = os.path.abspath(command[0])
        args = [
            sys.executable, "-m", EMULATOR_MODULE,
            "--port", "0", "--port-file", str(port_file),
            "--log", os.path.abspath(self.log_path),
            "--timeout", str(timeout), "--init-timeout", str(init_timeout),
            "--function-name", function_name,
        ]
        if eager:
            args.append("--eager")
        if task_root is not None:
            args += ["--task-root", os.path.abspath(task_root)]
        args += ["--", *command]

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # The emulator prints nothing itself; a crash traceback lands in the
            # log, not on the test's terminal.
            self.process = subprocess.Popen(
                args, env=dict(env if env is not None else os.environ), cwd=PACKAGE_PARENT,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.port = self._wait_for_port(port_file, start_deadline)
        except Exception:
            self.close()
            raise
        self.base_url = f"http://127.0.0.1:{self.port}"

    def _wait_for_port(self, port_file: Path, deadline_seconds: float) -> int:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(
                    f"runtime emulator exited with {self.process.returncode}; see {self.log_path}")
            if port_file.exists():
                return int(port_file.read_text())
            time.sleep(0.02)  # polling a readiness condition, bounded above
        raise EmulatorError(f"runtime emulator did not listen within {deadline_seconds} s")

    # -- HTTP --

    def _request(self, method: str, path: str, body: bytes | None = None,
                 timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def invoke_raw(self, payload: bytes) -> tuple[int, dict[str, str], bytes]:
        # The emulator itself bounds every invoke; the margin only guards
        # against the emulator hanging.
        limit = self.timeout * 2 + self.init_timeout + 30
        return self._request("POST", "/2015-03-31/functions/function/invocations",
                             payload, timeout=limit)

    def invoke(self, event: Any) -> tuple[bool, Any]:
        """(True, response) on success, (False, error JSON) on a function error."""
        status, headers, body = self.invoke_raw(json.dumps(event).encode())
        if status != 200:
            raise EmulatorError(f"invoke answered HTTP {status}")
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = {"unparsed": body.decode("utf-8", "replace")}
        failed = any(k.lower() == "x-amz-function-error" for k in headers)
        return not failed, parsed

    def state(self) -> dict[str, Any]:
        status, _, body = self._request("GET", "/_emulator/state")
        if status != 200:
            raise EmulatorError(f"state answered HTTP {status}")
        return json.loads(body)

    def kill(self) -> int | None:
        """SIGKILL the function process; returns its pid (None if none ran)."""
        status, _, body = self._request("POST", "/_emulator/kill", b"")
        if status != 200:
            raise EmulatorError(f"kill answered HTTP {status}")
        return json.loads(body)["killed"]

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self._request("POST", "/_emulator/stop", b"", timeout=10)
            except (OSError, urllib.error.URLError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        self._workdir.cleanup()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
