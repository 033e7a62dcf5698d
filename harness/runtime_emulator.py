"""A Lambda Runtime API (2018-06-01) emulator that runs one function process.

    python3 -m harness.runtime_emulator --port P [--timeout SECONDS] [--log FILE]
        [--eager] [--port-file FILE] [--task-root DIR] -- COMMAND ARGS...

It plays both sides of one Lambda sandbox, standard library only
(runtime_sandbox.py holds the sandbox, runtime_api_server.py its HTTP side):

* the Runtime API that a custom runtime (our ``bootstrap``) polls, as AWS
  documents it: ``GET /2018-06-01/runtime/invocation/next``,
  ``POST .../invocation/{id}/response``, ``POST .../invocation/{id}/error``
  and ``POST /2018-06-01/runtime/init/error``;
* the invoke side of AWS's Runtime Interface Emulator:
  ``POST /2015-03-31/functions/function/invocations`` blocks until the
  function answers, fails, times out (then it is SIGKILLed) or exits.

Invocations are served one at a time. The function process is started on the
first invoke (a cold start), or at once with ``--eager``, and started again on
the invoke after it died. Its stdout and stderr are appended to ``--log``
(discarded without it): never to our terminal, because a rotation function's
output is exactly what must be checked for leaked secrets, and the emulator
itself never writes event or response bodies anywhere.

Test-only control endpoints:

    GET  /_emulator/state   {"pid", "cold_starts", "invocations",
                             "last_init_ms", "last_init_error", "last_trace_id"}
    POST /_emulator/kill    SIGKILL the function now (crash tests)
    POST /_emulator/stop    kill the function and exit

``--port 0`` picks a free port and writes it to ``--port-file`` once listening.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .runtime_api_server import EmulatorServer, Handler
from .runtime_sandbox import Sandbox


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        options, command = argv[:split], argv[split + 1:]
    else:
        options, command = argv, []
    parser = argparse.ArgumentParser(
        usage="%(prog)s --port P [options] -- COMMAND ARGS...",
        description="Lambda Runtime API emulator running one function process.")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="function timeout in seconds (default 30)")
    parser.add_argument("--init-timeout", type=float, default=10.0,
                        help="extra seconds a cold start may take before its first poll (default 10)")
    parser.add_argument("--log", help="append the function's stdout/stderr here (default: discard)")
    parser.add_argument("--eager", action="store_true", help="start the function now, not on first invoke")
    parser.add_argument("--function-name", default="function")
    parser.add_argument("--task-root", help="LAMBDA_TASK_ROOT and working directory "
                                            "(default: the command's directory)")
    args = parser.parse_args(options)
    if not command:
        parser.error("a function command is required after --")

    server = EmulatorServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    server.sandbox = sandbox = Sandbox(args, command, f"127.0.0.1:{port}")
    if args.eager:
        with sandbox.cond:
            sandbox.spawn()
    if args.port_file:
        tmp = f"{args.port_file}.tmp"
        with open(tmp, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, args.port_file)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # A short poll interval makes /_emulator/stop return promptly.
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
