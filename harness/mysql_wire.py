"""The few packets of the MySQL client/server protocol that the harness's
fake servers speak (harness/fakes.py, hostile.py, scripted_mysql.py,
mysql_accounts.py): framing, the greeting, the client's login answer, OK,
error, auth switch and a one-column result set. Each server decides what to
say; this module only spells it as the protocol does.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from .loopback import read_exactly

CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000
# What every fake server offers; one that offers TLS adds CLIENT_SSL.
BASE_CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB
                     | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
                     | CLIENT_MULTI_RESULTS | CLIENT_PLUGIN_AUTH
                     | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)

COM_QUIT = 0x01
COM_QUERY = 0x03

# utf8mb4_general_ci and utf8_general_ci, the character sets a greeting or a column names.
UTF8MB4 = 45
UTF8 = 33


def send_packet(channel: socket.socket, sequence: int, payload: bytes) -> None:
    channel.sendall(struct.pack("<I", len(payload))[:3] + bytes([sequence & 0xFF]) + payload)


def read_packet(channel: socket.socket, closed: type[Exception] = ConnectionError) -> tuple[int, bytes]:
    """The next packet's sequence number and payload; `closed` when the client hangs up."""
    header = read_exactly(channel, 4, closed)
    return header[3], read_exactly(channel, int.from_bytes(header[:3], "little"), closed)


def greeting(version: str, nonce: bytes, plugin: str, capabilities: int = BASE_CAPABILITIES, *,
             connection_id: int = 7, charset: int = UTF8MB4) -> bytes:
    """A HandshakeV10 offering `plugin` with the 20-byte `nonce`."""
    return b"".join([
        b"\x0a", version.encode() + b"\x00", struct.pack("<I", connection_id), nonce[:8], b"\x00",
        struct.pack("<H", capabilities & 0xFFFF), bytes([charset]), struct.pack("<H", 2),
        struct.pack("<H", capabilities >> 16), bytes([21]), b"\x00" * 10,
        nonce[8:], b"\x00", plugin.encode() + b"\x00"])


def asks_for_tls(response: bytes) -> bool:
    """The client's answer is an SSLRequest (capabilities only), not a login."""
    return len(response) == 32 and bool(struct.unpack_from("<I", response)[0] & CLIENT_SSL)


@dataclass
class LoginAnswer:
    """A HandshakeResponse41, as far as the fake servers read it. Values stay in memory, never printed."""
    username: str
    auth_data: bytes
    database: str | None = None
    plugin: str | None = None


def parse_login(response: bytes) -> LoginAnswer:
    capabilities = struct.unpack_from("<I", response)[0]
    offset = 32
    end = response.index(b"\x00", offset)
    answer = LoginAnswer(username=response[offset:end].decode(errors="replace"), auth_data=b"")
    offset = end + 1
    length = response[offset]  # the answers here are short: a one-byte length, encoded or not
    answer.auth_data = response[offset + 1:offset + 1 + length]
    offset += 1 + length
    if capabilities & CLIENT_CONNECT_WITH_DB and offset < len(response):
        end = response.index(b"\x00", offset)
        answer.database = response[offset:end].decode(errors="replace")
        offset = end + 1
    if capabilities & CLIENT_PLUGIN_AUTH and offset < len(response):
        end = response.index(b"\x00", offset)
        answer.plugin = response[offset:end].decode(errors="replace")
    return answer


def ok_packet() -> bytes:
    return b"\x00\x00\x00\x02\x00\x00\x00"


def error_packet(code: int, state: str, message: str) -> bytes:
    return b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + message.encode()


def access_denied(message: str) -> bytes:
    return error_packet(1045, "28000", message)


def auth_switch(plugin: str, data: bytes = b"") -> bytes:
    """An AuthSwitchRequest to `plugin` with its data as given (a nonce and its NUL, a question, nothing)."""
    return b"\xfe" + plugin.encode() + b"\x00" + data


def lenenc(data: bytes) -> bytes:
    """A length-encoded string (a one-byte length, or 0xfc and two bytes from 251 on)."""
    assert len(data) < 1 << 16
    return (bytes([len(data)]) if len(data) < 251 else b"\xfc" + struct.pack("<H", len(data))) + data


def send_result_set(channel: socket.socket, column: str, rows: list[str], *, charset: int = UTF8MB4,
                    column_length: int = 255) -> None:
    """A text result set of one string column, in packets 1 on (the answer to a query)."""
    send_rows(channel, [column], [[row] for row in rows], charset=charset, column_length=column_length)


def send_rows(channel: socket.socket, columns: list[str], rows: list[list[str]], *, charset: int = UTF8MB4,
              column_length: int = 255) -> None:
    """A text result set of string columns, in packets 1 on (the answer to a query)."""
    eof = b"\xfe\x00\x00\x02\x00"
    definitions = []
    for column in columns:
        definition = b"".join(lenenc(part) for part in (b"def", b"", b"", b"", column.encode(), b""))
        definition += b"\x0c" + struct.pack("<HIBHB", charset, column_length, 0xFD, 0, 0) + b"\x00\x00"
        definitions.append(definition)
    packets = ([bytes([len(columns)]), *definitions, eof]
               + [b"".join(lenenc(value.encode()) for value in row) for row in rows] + [eof])
    for sequence, payload in enumerate(packets, start=1):
        send_packet(channel, sequence, payload)
