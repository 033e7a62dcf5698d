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

Every packet is kept in memory and nothing is printed.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
from dataclasses import dataclass, field

from .hostile import BASE_CAPABILITIES, CLIENT_CONNECT_WITH_DB, CLIENT_SSL
from .loopback import LoopbackServer, read_exactly

COM_QUIT = 0x01
COM_QUERY = 0x03


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
                 current_user: str = "app@%", infile_path: str | None = None) -> None:
        self.version = version
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
        self._greet(channel, session.nonce)
        sequence, response = self._receive(channel, session)
        if len(response) == 32 and struct.unpack_from("<I", response)[0] & CLIENT_SSL:
            session.asked_for_tls = True  # not on offer; a client that insists gets nothing
            raise _Closed()
        self._parse_login(response, session)
        if not self.accept_logins:
            self._send(channel, sequence + 1, b"\xff" + struct.pack("<H", 1045) + b"#28000"
                       + b"Access denied (scripted server)")
            return
        session.logged_in = True
        self._ok(channel, sequence + 1)
        while True:
            _, packet = self._receive(channel, session)
            if not packet or packet[0] == COM_QUIT:
                return
            if packet[0] != COM_QUERY:
                self._ok(channel, 1)
                continue
            query = packet[1:]
            session.queries.append(query)
            self._answer(channel, session, query)

    @staticmethod
    def _nonce() -> bytes:
        # No NUL bytes: the greeting carries the nonce's second part NUL-terminated.
        return bytes((byte % 94) + 33 for byte in os.urandom(20))

    @staticmethod
    def _send(channel: socket.socket, sequence: int, payload: bytes) -> None:
        channel.sendall(struct.pack("<I", len(payload))[:3] + bytes([sequence & 0xFF]) + payload)

    def _receive(self, channel: socket.socket, session: Session) -> tuple[int, bytes]:
        header = read_exactly(channel, 4, _Closed)
        payload = read_exactly(channel, int.from_bytes(header[:3], "little"), _Closed)
        session.packets.append(payload)
        return header[3], payload

    def _greet(self, channel: socket.socket, nonce: bytes) -> None:
        capabilities = BASE_CAPABILITIES  # no CLIENT_SSL
        self._send(channel, 0, b"".join([
            b"\x0a", self.version.encode() + b"\x00", struct.pack("<I", 7), nonce[:8], b"\x00",
            struct.pack("<H", capabilities & 0xFFFF), b"\x2d", struct.pack("<H", 2),
            struct.pack("<H", capabilities >> 16), bytes([21]), b"\x00" * 10,
            nonce[8:], b"\x00", b"mysql_native_password\x00"]))

    @staticmethod
    def _parse_login(response: bytes, session: Session) -> None:
        capabilities = struct.unpack_from("<I", response)[0]
        offset = 32
        end = response.index(b"\x00", offset)
        session.username = response[offset:end].decode(errors="replace")
        offset = end + 1
        length = response[offset]  # a 20-byte scramble: a one-byte length
        session.scramble = response[offset + 1:offset + 1 + length]
        offset += 1 + length
        if capabilities & CLIENT_CONNECT_WITH_DB and offset < len(response):
            end = response.index(b"\x00", offset)
            session.database = response[offset:end].decode(errors="replace")
        # The plugin's name follows; nothing here needs it.

    def _ok(self, channel: socket.socket, sequence: int) -> None:
        self._send(channel, sequence, b"\x00\x00\x00\x02\x00\x00\x00")

    def _rows(self, channel: socket.socket, column: str, rows: list[str]) -> None:
        def lenenc(data: bytes) -> bytes:
            return bytes([len(data)]) + data  # short values only
        eof = b"\xfe\x00\x00\x02\x00"
        definition = b"".join([lenenc(b"def"), lenenc(b""), lenenc(b""), lenenc(b""),
                               lenenc(column.encode()), lenenc(b""), b"\x0c",
                               struct.pack("<HIBHB", 45, 255, 0xFD, 0, 0), b"\x00\x00"])
        packets = [b"\x01", definition, eof] + [lenenc(row.encode()) for row in rows] + [eof]
        for sequence, payload in enumerate(packets, start=1):
            self._send(channel, sequence, payload)

    def _answer(self, channel: socket.socket, session: Session, query: bytes) -> None:
        text = query.upper()
        if text.startswith(b"SELECT CURRENT_USER()"):
            self._rows(channel, "CURRENT_USER()", [self.current_user])
        elif text.startswith(b"SHOW GRANTS"):
            self._rows(channel, "Grants", ["GRANT USAGE ON *.* TO `app`@`%`"])
        elif text.startswith(b"SHOW CREATE USER"):
            # One mysql_native_password method, as a plain account prints it (the hash is of no password).
            self._rows(channel, "CREATE USER for app@%",
                       ["CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*0000000000000000000000000000000000000000'"])
        elif self.infile_path and text.startswith((b"SET PASSWORD", b"ALTER USER")):
            # "Send me this file", as LOAD DATA LOCAL INFILE would make a server ask.
            self._send(channel, 1, b"\xfb" + self.infile_path.encode())
            sequence, reply = self._receive(channel, session)
            session.infile_replies.append(reply)
            # A client that sent the file ends it with an empty packet.
            while reply:
                sequence, reply = self._receive(channel, session)
                session.infile_replies.append(reply)
            self._send(channel, sequence + 1, b"\xff" + struct.pack("<H", 1148) + b"#42000"
                       + b"The used command is not allowed (scripted server)")
        else:
            self._ok(channel, 1)
