"""Slow databases: a TCP listener that accepts connections and never says a
word (a stuck server, a half-open proxy), and one that answers a byte at a
time (TrickleServer). Neither may hold a check past its deadline."""

from __future__ import annotations

import socket
import struct
import threading

from .loopback import LoopbackServer
from .mysql_wire import BASE_CAPABILITIES, CLIENT_SSL, greeting, read_packet


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


class TrickleServer:
    """A MySQL server that answers, but one byte every `interval` seconds:
    each read the client makes gets a byte well inside any per-read timeout,
    and the conversation never ends. `stage` is where it trickles:

    - "greeting": the HandshakeV10 itself (before any TLS, so the client's
      TLS setting makes no difference);
    - "tls": a greeting offering TLS at once, then, after the client's
      SSLRequest, the TLS handshake's first record (a header announcing 16 KiB,
      then its body) byte by byte.

    Every connection is served on a thread of its own, so several secrets
    pointing here each meet the trickle, not a queue. `open_connections`
    counts the clients still connected: a client that gave up has hung up."""

    def __init__(self, stage: str = "greeting", interval: float = 1.0) -> None:
        if stage not in ("greeting", "tls"):
            raise ValueError(f"unknown stage {stage!r}")
        self.stage = stage
        self.interval = interval
        self.accepted = 0
        self.open_connections = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with self.lock:
                self.accepted += 1
                self.open_connections += 1
            threading.Thread(target=self._converse, args=(connection,), daemon=True).start()

    def _converse(self, connection: socket.socket) -> None:
        try:
            with connection:
                connection.settimeout(10)
                if self.stage == "greeting":
                    self._trickle(connection, self._framed_greeting(BASE_CAPABILITIES))
                else:
                    connection.sendall(self._framed_greeting(BASE_CAPABILITIES | CLIENT_SSL))
                    read_packet(connection)  # the SSLRequest
                    self._trickle(connection, b"\x16\x03\x03\x40\x00" + b"\x02" * 0x4000)
        except (OSError, ConnectionError):
            pass  # the client hung up: what this server is here to see
        finally:
            with self.lock:
                self.open_connections -= 1

    @staticmethod
    def _framed_greeting(capabilities: int) -> bytes:
        payload = greeting("10.11.6-MariaDB", b"n" * 20, "mysql_native_password", capabilities)
        return struct.pack("<I", len(payload))[:3] + b"\x00" + payload

    def _trickle(self, connection: socket.socket, data: bytes) -> None:
        for byte in data:
            connection.sendall(bytes([byte]))
            if self.stopping.wait(self.interval):
                return
        self.stopping.wait()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        self.listener.close()

    def __enter__(self) -> TrickleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
