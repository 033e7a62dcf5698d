"""A MySQL look-alike on loopback that lets the client in, for what happens
after the login: no real server here is MySQL 8, and none answers a
statement with a LOCAL INFILE request.

* Its greeting offers no TLS and names ``mysql_native_password``; it
  reports the version it is given (``8.0.36``, ``10.11.6-MariaDB``, ...).
* ``accept_logins``: every login is let in (an OK packet), whatever the
  scramble; otherwise every login is refused (error 1045). Each login's
  user, database, nonce and scramble are kept, so a test can compute what
  ``mysql_native_password`` answer a given password makes for that nonce
  and ask whether it arrived (``received_scramble_of``).
* Queries: ``SELECT CURRENT_USER()`` answers ``current_user``; ``SHOW
  GRANTS`` and ``SHOW CREATE USER`` one line each; a statement that changes a password is answered with a
  LOCAL INFILE request for ``infile_path`` when set, else OK, as is
  everything else. What the client sends after a LOCAL INFILE request is
  kept apart (``infile_replies``): a client that refuses sends one empty
  packet, one that complies sends the file.
* ``forced_charset``: the session's character sets (``SELECT
  @@session.character_set_client, …``) are that one whatever the client
  sends (``SET NAMES`` is answered OK and changes nothing), as a server that
  forces one would answer.

Every packet is kept in memory and nothing is printed.
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import threading
from dataclasses import dataclass, field

from . import mysql_wire as wire
from .loopback import LoopbackServer


def native_scramble(password: str, nonce: bytes) -> bytes:
    """mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password)))."""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    mask = hashlib.sha1(nonce + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))


@dataclass
class Session:
    """One client connection. Values stay in memory, never printed."""
    nonce: bytes = b""
    username: str | None = None
    database: str | None = None
    scramble: bytes | None = None
    asked_for_tls: bool = False
    logged_in: bool = False
    packets: list[bytes] = field(default_factory=list)
    queries: list[bytes] = field(default_factory=list)
    infile_replies: list[bytes] = field(default_factory=list)


class _Closed(Exception):
    pass


class ScriptedMySQL(LoopbackServer):
    CLIENT_GAVE_UP = LoopbackServer.CLIENT_GAVE_UP + (ValueError, IndexError, _Closed)

    def __init__(self, version: str = "8.0.36", *, accept_logins: bool = True,
                 current_user: str = "app@%", infile_path: str | None = None,
                 tls: tuple[str, str] | None = None, forced_charset: str | None = None,
                 auth_switch: str | None = None) -> None:
        """`tls`: a certificate and key to offer TLS with (the test CA's server
        certificate names 127.0.0.1), for a server the function verifies.
        `auth_switch`: after the login packet, switch every login to that
        plugin (``parsec``, as MariaDB 11.6 does for a PARSEC account) and
        refuse it (1045) once the client answers."""
        self.version = version
        self.auth_switch = auth_switch
        self.forced_charset = forced_charset
        self.tls_context: ssl.SSLContext | None = None
        if tls:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*tls)
        self.accept_logins = accept_logins
        self.current_user = current_user
        self.infile_path = infile_path
        self.sessions: list[Session] = []
        self.lock = threading.Lock()
        self._start()

    # -- what the tests ask ---------------------------------------------------

    def snapshot(self) -> list[Session]:
        with self.lock:
            return list(self.sessions)

    def received_text(self, values: list[str]) -> bool:
        """True if any value arrived as text in any packet."""
        needles = [value.encode() for value in values if value]
        return any(needle in packet for session in self.snapshot() for packet in session.packets
                   for needle in needles)

    def received_scramble_of(self, password: str) -> bool:
        """True if some login answered its nonce with `password`'s native scramble."""
        return any(session.scramble is not None and session.scramble == native_scramble(password, session.nonce)
                   for session in self.snapshot())

    # -- the server -------------------------------------------------------------

    def _handle(self, channel: socket.socket) -> None:
        session = Session(nonce=self._nonce())
        with self.lock:
            self.sessions.append(session)
        # CLIENT_SSL in the greeting only when given a certificate.
        capabilities = wire.BASE_CAPABILITIES | (wire.CLIENT_SSL if self.tls_context else 0)
        wire.send_packet(channel, 0, wire.greeting(self.version, session.nonce, "mysql_native_password",
                                                   capabilities))
        sequence, response = self._receive(channel, session)
        if wire.asks_for_tls(response):
            session.asked_for_tls = True
            if not self.tls_context:
                raise _Closed()  # not on offer; a client that insists gets nothing
            channel = self.tls_context.wrap_socket(channel, server_side=True)
            sequence, response = self._receive(channel, session)
        login = wire.parse_login(response)
        session.username, session.scramble, session.database = login.username, login.auth_data, login.database
        if self.auth_switch:
            wire.send_packet(channel, sequence + 1, wire.auth_switch(self.auth_switch, session.nonce + b"\x00"))
            sequence, _ = self._receive(channel, session)
            wire.send_packet(channel, sequence + 1, wire.access_denied("Access denied (scripted server)"))
            return
        if not self.accept_logins:
            wire.send_packet(channel, sequence + 1, wire.access_denied("Access denied (scripted server)"))
            return
        session.logged_in = True
        self._ok(channel, sequence + 1)
        while True:
            _, packet = self._receive(channel, session)
            if not packet or packet[0] == wire.COM_QUIT:
                return
            if packet[0] != wire.COM_QUERY:
                self._ok(channel, 1)
                continue
            query = packet[1:]
            session.queries.append(query)
            self._answer(channel, session, query)

    @staticmethod
    def _nonce() -> bytes:
        # No NUL bytes: the greeting carries the nonce's second part NUL-terminated.
        return bytes((byte % 94) + 33 for byte in os.urandom(20))

    def _receive(self, channel: socket.socket, session: Session) -> tuple[int, bytes]:
        sequence, payload = wire.read_packet(channel, _Closed)
        session.packets.append(payload)
        return sequence, payload

    def _ok(self, channel: socket.socket, sequence: int) -> None:
        wire.send_packet(channel, sequence, wire.ok_packet())

    def _rows(self, channel: socket.socket, column: str, rows: list[str]) -> None:
        wire.send_result_set(channel, column, rows)

    def _answer(self, channel: socket.socket, session: Session, query: bytes) -> None:
        text = query.upper()
        if self.forced_charset and text.startswith(b"SELECT @@SESSION.CHARACTER_SET_CLIENT"):
            names = ["character_set_client", "character_set_connection", "character_set_results", "sql_mode"]
            wire.send_rows(channel, names, [[self.forced_charset] * 3 + ["STRICT_TRANS_TABLES"]])
        elif text.startswith(b"SELECT CURRENT_USER()"):
            self._rows(channel, "CURRENT_USER()", [self.current_user])
        elif text.startswith(b"SHOW GRANTS"):
            self._rows(channel, "Grants", ["GRANT USAGE ON *.* TO `app`@`%`"])
        elif text.startswith(b"SHOW CREATE USER"):
            # One mysql_native_password method, as a plain account prints it (the hash is of no password).
            self._rows(channel, "CREATE USER for app@%",
                       ["CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*0000000000000000000000000000000000000000'"])
        elif self.infile_path and text.startswith((b"SET PASSWORD", b"ALTER USER")):
            # "Send me this file", as LOAD DATA LOCAL INFILE would make a server ask.
            wire.send_packet(channel, 1, b"\xfb" + self.infile_path.encode())
            sequence, reply = self._receive(channel, session)
            session.infile_replies.append(reply)
            # A client that sent the file ends it with an empty packet.
            while reply:
                sequence, reply = self._receive(channel, session)
                session.infile_replies.append(reply)
            wire.send_packet(channel, sequence + 1, wire.error_packet(
                1148, "42000", "The used command is not allowed (scripted server)"))
        else:
            self._ok(channel, 1)
