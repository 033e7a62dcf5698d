"""A fake MySQL 8 server, for what no server here can do.

MariaDB has no caching_sha2_password server plugin, so this server speaks
just enough of the MySQL protocol: a handshake offering
mysql_native_password, then an AuthSwitchRequest to caching_sha2_password.
Connector/C has no built-in caching_sha2_password; it answers the switch
with a 32-byte scramble only if it dlopened the plugin from
MARIADB_PLUGIN_DIR (bootstrap's default: the zip's lib/mariadb-plugin), and
the scramble is right only if the plugin ran (with the shipped libcrypto):
  SHA256(password) XOR SHA256(SHA256(SHA256(password)) || nonce).
The server then refuses the login, so nothing past authentication is needed.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
from dataclasses import dataclass, field

from .loopback import LoopbackServer, read_exactly

CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000
SERVER_CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB
                       | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
                       | CLIENT_MULTI_RESULTS | CLIENT_PLUGIN_AUTH
                       | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)


def caching_sha2_scramble(password: str, nonce: bytes) -> bytes:
    m1 = hashlib.sha256(password.encode()).digest()
    m3 = hashlib.sha256(hashlib.sha256(m1).digest() + nonce).digest()
    return bytes(a ^ b for a, b in zip(m1, m3, strict=True))


@dataclass
class Login:
    """What one client connection did; the answers stay in memory, never printed."""
    username: str | None = None
    first_plugin: str | None = None
    switch_nonce: bytes = b""
    switch_answer: bytes | None = None


@dataclass
class FakeMySQL8(LoopbackServer):
    logins: list[Login] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._start()

    def _handle(self, connection: socket.socket) -> None:
        login = Login()
        with self.lock:
            self.logins.append(login)
        self._authenticate(connection, login)

    @staticmethod
    def _send(connection: socket.socket, sequence: int, payload: bytes) -> None:
        connection.sendall(struct.pack("<I", len(payload))[:3] + bytes([sequence]) + payload)

    @staticmethod
    def _receive(connection: socket.socket) -> bytes:
        header = read_exactly(connection, 4)
        return read_exactly(connection, int.from_bytes(header[:3], "little"))

    def _authenticate(self, connection: socket.socket, login: Login) -> None:
        nonce = os.urandom(20)
        self._send(connection, 0, b"".join([
            b"\x0a", b"8.0.36-fake\x00", struct.pack("<I", 7), nonce[:8], b"\x00",
            struct.pack("<H", SERVER_CAPABILITIES & 0xFFFF), b"\x2d", struct.pack("<H", 2),
            struct.pack("<H", SERVER_CAPABILITIES >> 16), bytes([21]), b"\x00" * 10,
            nonce[8:], b"\x00", b"mysql_native_password\x00"]))

        response = self._receive(connection)
        capabilities = struct.unpack_from("<I", response)[0]
        offset = 32
        end = response.index(b"\x00", offset)
        login.username = response[offset:end].decode()
        offset = end + 1
        if capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA:
            length = response[offset]  # short answers: one-byte length-encoded integer
            offset += 1 + length
        else:
            offset += 1 + response[offset]
        if capabilities & CLIENT_CONNECT_WITH_DB:
            offset = response.index(b"\x00", offset) + 1
        if capabilities & CLIENT_PLUGIN_AUTH:
            end = response.index(b"\x00", offset)
            login.first_plugin = response[offset:end].decode()

        login.switch_nonce = os.urandom(20)
        self._send(connection, 2, b"\xfecaching_sha2_password\x00" + login.switch_nonce + b"\x00")
        login.switch_answer = self._receive(connection)
        self._send(connection, 4, b"\xff" + struct.pack("<H", 1045) + b"#28000"
                   + b"Access denied (fake MySQL 8 server)")

