"""Hostile MySQL look-alikes on loopback, for what no real server here does.

Each one plays a server (or someone on the path to one) that tries to get a
password out of the client in a form it can read:

* ``clear_password``: a greeting without TLS, then an auth switch to
  ``mysql_clear_password`` (or ``dialog``, which asks for the password as text).
* ``broken_tls``: a greeting that offers TLS; a client that asks for it gets
  a broken handshake (garbage instead of a ServerHello). A client that logs
  in without TLS gets the clear-password switch.
* ``untrusted_tls``: a greeting that offers TLS and a handshake that works,
  with a self-signed certificate no CA vouches for; inside it, the
  clear-password switch.
* ``sha2_full``: MySQL 8 without TLS. The greeting names
  ``caching_sha2_password``; whatever the client answers, the server says
  "perform full authentication", hands out its own RSA public key on request
  and decrypts what comes back.

Every packet the client sends is kept (after TLS, if any), and every RSA
payload decrypted, so a test can ask whether any password arrived in a
usable form. Nothing here prints what it received.
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from . import mysql_wire as wire
from .loopback import LoopbackServer

BEHAVIOURS = ("clear_password", "dialog", "broken_tls", "untrusted_tls", "sha2_full")


@dataclass
class Connection:
    """What one client connection did. Values stay in memory, never printed."""
    asked_for_tls: bool = False
    tls_established: bool = False
    username: str | None = None
    first_plugin: str | None = None
    packets: list[bytes] = field(default_factory=list)
    # Plaintext recovered from RSA payloads encrypted to this server's key.
    decrypted: list[bytes] = field(default_factory=list)
    asked_for_public_key: bool = False


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                       critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "hostile.pem", directory / "hostile-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Closed(Exception):
    pass


class HostileMySQL(LoopbackServer):
    CLIENT_GAVE_UP = LoopbackServer.CLIENT_GAVE_UP + (ValueError, IndexError, _Closed)
    def __init__(self, behaviour: str) -> None:
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviour = behaviour
        self.connections: list[Connection] = []
        self.lock = threading.Lock()
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.tls_context: ssl.SSLContext | None = None
        if behaviour == "untrusted_tls":
            self._tmp = tempfile.TemporaryDirectory()
            cert, key = _self_signed(Path(self._tmp.name))
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(cert, key)
        self._start()

    # -- what the tests ask -------------------------------------------------

    def snapshot(self) -> list[Connection]:
        with self.lock:
            return list(self.connections)

    def received_any(self, passwords: list[str]) -> bool:
        """True if any password arrived as text, in any packet or RSA payload."""
        needles = [password.encode() for password in passwords if password]
        for connection in self.snapshot():
            for blob in connection.packets + connection.decrypted:
                if any(needle in blob for needle in needles):
                    return True
        return False

    # -- the server -----------------------------------------------------------

    def _handle(self, raw: socket.socket) -> None:
        record = Connection()
        with self.lock:
            self.connections.append(record)
        channel = self._conversation(raw, record)
        if channel is not raw:
            channel.close()  # the TLS layer; the base closes the socket under it

    def _receive(self, channel: socket.socket, record: Connection) -> tuple[int, bytes]:
        sequence, payload = wire.read_packet(channel, _Closed)
        record.packets.append(payload)
        return sequence, payload

    def _deny(self, channel: socket.socket, sequence: int) -> None:
        wire.send_packet(channel, sequence, wire.access_denied("Access denied (hostile server)"))

    def _conversation(self, raw: socket.socket, record: Connection) -> socket.socket:
        nonce = os.urandom(20)
        offer_tls = self.behaviour in ("broken_tls", "untrusted_tls")
        plugin = "caching_sha2_password" if self.behaviour == "sha2_full" else "mysql_native_password"
        capabilities = wire.BASE_CAPABILITIES | (wire.CLIENT_SSL if offer_tls else 0)
        wire.send_packet(raw, 0, wire.greeting("8.0.36-hostile", nonce, plugin, capabilities))
        channel: socket.socket = raw
        sequence, response = self._receive(channel, record)
        if wire.asks_for_tls(response):
            record.asked_for_tls = True
            if self.behaviour == "broken_tls":
                raw.recv(4096)  # the ClientHello, answered with garbage
                raw.sendall(b"\x16\x03\x03\x00\x05garbage-not-a-server-hello")
                raise _Closed()
            assert self.tls_context is not None
            channel = self.tls_context.wrap_socket(raw, server_side=True)
            record.tls_established = True
            sequence, response = self._receive(channel, record)
        login = wire.parse_login(response)
        record.username, record.first_plugin = login.username, login.plugin
        sequence += 1

        if self.behaviour == "sha2_full":
            self._full_authentication(channel, record, nonce, sequence)
            return channel

        if self.behaviour == "dialog":
            # A password question (type 4), as PAM's dialog plugin asks it.
            wire.send_packet(channel, sequence, wire.auth_switch("dialog", b"\x04Password: "))
        else:
            wire.send_packet(channel, sequence, wire.auth_switch("mysql_clear_password"))
        sequence, _ = self._receive(channel, record)
        self._deny(channel, sequence + 1)
        return channel

    def _full_authentication(self, channel: socket.socket, record: Connection, nonce: bytes,
                             sequence: int) -> None:
        if record.first_plugin != "caching_sha2_password":
            wire.send_packet(channel, sequence, wire.auth_switch("caching_sha2_password", nonce + b"\x00"))
            sequence, _ = self._receive(channel, record)
            sequence += 1
        # "perform full authentication": the cache has no entry for this user.
        wire.send_packet(channel, sequence, b"\x01\x04")
        sequence, answer = self._receive(channel, record)
        if answer == b"\x02":
            record.asked_for_public_key = True
            pem = self.rsa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            wire.send_packet(channel, sequence + 1, b"\x01" + pem)
            sequence, answer = self._receive(channel, record)
        if len(answer) == self.rsa_key.key_size // 8:
            try:
                plain = self.rsa_key.decrypt(answer, padding.OAEP(
                    mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
                record.decrypted.append(bytes(b ^ nonce[i % len(nonce)] for i, b in enumerate(plain)))
            except ValueError:
                pass  # encrypted to some other key: this server cannot read it
        self._deny(channel, sequence + 1)
