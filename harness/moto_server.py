"""moto's Secrets Manager, made faithful enough to test a rotation function.

    python3 -m harness.moto_server --port PORT [--port-file FILE]

``--port 0`` picks a free port; the chosen one is written to ``--port-file``
(after the socket is listening), so callers never race for a port.

Why patch moto at all: moto 5's RotateSecret either needs its Lambda backend
(which runs functions in Docker) or, without a RotationLambdaARN, moves
AWSCURRENT at once to a version without a value; harness/moto_patches.py
makes it do what the service does, and closes the other gaps a rotation
function can observe. In front of moto sits harness/moto_faults.py, a WSGI
middleware with test-only /_harness endpoints: call counts and injected
faults (throttling, 5xx, dropped connections, held answers).

Nothing here logs request or response bodies: they carry secret values.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import make_server

from .moto_faults import HarnessMiddleware
from .moto_patches import apply_patches


def build_app() -> HarnessMiddleware:
    apply_patches()
    # Secrets Manager, and RDS for RDS-managed admin secrets, told apart by
    # the X-Amz-Target header and the signature's service.
    return HarnessMiddleware(create_backend_app("secretsmanager"), rds=create_backend_app("rds"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    # werkzeug logs one line per request; bodies never appear, but the noise
    # would bury the lines that matter in the service log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = make_server("127.0.0.1", args.port, build_app(), threaded=True)
    port = server.server_address[1]
    if args.port_file:
        tmp = f"{args.port_file}.tmp"
        with open(tmp, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, args.port_file)  # readers never see a half-written file
    print(f"moto Secrets Manager listening on 127.0.0.1:{port}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
