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
import threading
from dataclasses import dataclass, field

from . import mysql_wire as wire
from .loopback import LoopbackServer


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

    def _authenticate(self, connection: socket.socket, login: Login) -> None:
        nonce = os.urandom(20)
        wire.send_packet(connection, 0, wire.greeting("8.0.36-fake", nonce, "mysql_native_password"))

        _, response = wire.read_packet(connection)
        answer = wire.parse_login(response)
        login.username, login.first_plugin = answer.username, answer.plugin

        login.switch_nonce = os.urandom(20)
        wire.send_packet(connection, 2, wire.auth_switch("caching_sha2_password", login.switch_nonce + b"\x00"))
        _, login.switch_answer = wire.read_packet(connection)
        wire.send_packet(connection, 4, wire.access_denied("Access denied (fake MySQL 8 server)"))
