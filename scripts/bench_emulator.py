#!/usr/bin/env python3
"""scripts/runtime_emulator.py with TCP_NODELAY on its sockets, for timing.

The stock emulator writes each HTTP response as two segments (headers, then
body). With Nagle's algorithm on, the body waits for the client's delayed ACK
of the headers, about 40 ms on Linux, twice per invocation (the event and the
202 to the result): some 80 ms per step that the function never spends and
that Lambda's own Runtime API (written in Go, which sets TCP_NODELAY on every
connection) does not add. Everything else is the stock emulator, unchanged.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runtime_emulator  # noqa: E402

runtime_emulator.Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    sys.exit(runtime_emulator.main(sys.argv[1:]))
