"""A TCP server on 127.0.0.1 that serves each connection in one background
thread, for the harness's fake servers (the MySQL ones speak through
harness/mysql_wire.py)."""

from __future__ import annotations

import socket
import struct
import threading


class LoopbackServer:
    """Subclasses implement `_handle(connection)`; a client that gives up
    midway ends only its own conversation."""

    # What a client that hangs up or sends garbage makes the conversation raise.
    CLIENT_GAVE_UP: tuple[type[BaseException], ...] = (OSError, ConnectionError, struct.error)

    def _start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue  # re-check stopping; accept() itself is the wait
            with connection:
                connection.settimeout(10)
                try:
                    self._handle(connection)
                except self.CLIENT_GAVE_UP:
                    pass  # what the client did so far is recorded

    def _handle(self, connection: socket.socket) -> None:
        raise NotImplementedError


def read_exactly(channel: socket.socket, count: int, closed: type[Exception] = ConnectionError) -> bytes:
    """`count` bytes from `channel`, or `closed` when the client hangs up first."""
    data = b""
    while len(data) < count:
        chunk = channel.recv(count - len(data))
        if not chunk:
            raise closed("client closed the connection")
        data += chunk
    return data


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago), for a
    database that refuses every connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
