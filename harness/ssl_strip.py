"""Someone on the path who strips TLS: a loopback TCP proxy in front of a real
MariaDB that clears CLIENT_SSL in the server's greeting and relays the rest
unchanged, as an attacker between the function and a TLS-capable server
would, to make it log in and send its statements in plaintext.

    with SSLStrippingProxy("127.0.0.1", mariadb_tls_port) as proxy:
        ... the function's secret names 127.0.0.1:proxy.port ...
        proxy.snapshot()     # one Relayed per connection, in order

Per connection it records only the shape of what the client sent after the
greeting: each packet's sequence number, first byte (0x03 is COM_QUERY in
the command phase) and length, and the user name of a login. Never the
content: the packets carry password scrambles and statements with
passwords, and nothing here prints what it relayed.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

from . import mysql_wire as wire
from .loopback import LoopbackServer, read_exactly


@dataclass
class Packet:
    sequence: int
    first_byte: int | None  # None for an empty payload
    length: int


@dataclass
class Relayed:
    """One client connection, as far as the tests ask. Values stay in memory."""
    greeting_offered_tls: bool = False
    stripped: bool = False
    username: str | None = None
    client_packets: list[Packet] = field(default_factory=list)

    @property
    def client_sent_anything(self) -> bool:
        return bool(self.client_packets)

    @property
    def queries(self) -> int:
        """COM_QUERY packets: a command (sequence 0) whose first byte is 0x03, after the login."""
        return sum(1 for packet in self.client_packets[1:]
                   if packet.sequence == 0 and packet.first_byte == wire.COM_QUERY)


def strip_tls(greeting: bytes) -> bytes:
    """The HandshakeV10 `greeting` with CLIENT_SSL cleared in its lower capability flags."""
    version_end = greeting.index(b"\x00", 1)
    flags_at = version_end + 1 + 4 + 8 + 1  # NUL, connection id, nonce part 1, filler
    (flags,) = struct.unpack_from("<H", greeting, flags_at)
    return greeting[:flags_at] + struct.pack("<H", flags & ~wire.CLIENT_SSL) + greeting[flags_at + 2:]


class SSLStrippingProxy(LoopbackServer):
    CLIENT_GAVE_UP = LoopbackServer.CLIENT_GAVE_UP + (ValueError,)

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.connections: list[Relayed] = []
        self.lock = threading.Lock()
        self._start()

    def snapshot(self) -> list[Relayed]:
        with self.lock:
            return list(self.connections)

    def __enter__(self) -> SSLStrippingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        # One thread per connection: a client may hold one session open while it opens another.
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        relayed = Relayed()
        with self.lock:
            self.connections.append(relayed)
        with client, socket.create_connection(self.upstream, timeout=10) as server:
            client.settimeout(10)
            try:
                sequence, greeting = wire.read_packet(server)
                relayed.greeting_offered_tls = bool(self._flags(greeting) & wire.CLIENT_SSL)
                stripped = strip_tls(greeting)
                relayed.stripped = stripped != greeting
                wire.send_packet(client, sequence, stripped)
                downstream = threading.Thread(target=self._copy, args=(server, client), daemon=True)
                downstream.start()
                self._client_to_server(client, server, relayed)
            except self.CLIENT_GAVE_UP:
                pass  # what the client did so far is recorded
            finally:
                for end in (client, server):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

    @staticmethod
    def _flags(greeting: bytes) -> int:
        version_end = greeting.index(b"\x00", 1)
        return struct.unpack_from("<H", greeting, version_end + 1 + 4 + 8 + 1)[0]

    def _client_to_server(self, client: socket.socket, server: socket.socket, relayed: Relayed) -> None:
        while True:
            header = read_exactly(client, 4)
            payload = read_exactly(client, int.from_bytes(header[:3], "little"))
            packet = Packet(header[3], payload[0] if payload else None, len(payload))
            with self.lock:
                if not relayed.client_packets and len(payload) > 32:
                    relayed.username = payload[32:payload.index(b"\x00", 32)].decode(errors="replace")
                relayed.client_packets.append(packet)
            server.sendall(header + payload)

    @staticmethod
    def _copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass
