"""A TCP listener that accepts connections and never says a word: a database
that hangs after the handshake's TCP part (a stuck server, a half-open
proxy). The fleet check must not wait for it past its deadline."""

from __future__ import annotations

import socket

from .loopback import LoopbackServer


class HungServer(LoopbackServer):
    def __init__(self) -> None:
        self.accepted = 0
        self._start()

    def _handle(self, connection: socket.socket) -> None:
        self.accepted += 1
        # Held open, silent, until the test closes the server; later clients
        # wait in the listen backlog, connected and unanswered too.
        self.stopping.wait()

    def __enter__(self) -> HungServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
