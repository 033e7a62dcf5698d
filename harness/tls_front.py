"""An HTTPS front for moto: what Secrets Manager looks like on the wire.

moto's server is plain HTTP and closes every connection; the real service
is HTTPS with keep-alive. This front terminates TLS with a certificate from
its own CA (made at start, in a directory the caller owns), keeps each
client connection alive, and forwards every request to moto over a fresh
plain connection. The function trusts it through AWS_CA_BUNDLE.

    front = TLSFront(upstream="http://127.0.0.1:5000", directory=tmp)
    front.start()            # front.url == "https://127.0.0.1:PORT", front.ca_path
    ...
    front.stop()

`names` sets the certificate's subject alternative names (default the
loopback address and localhost), so a test can make one that does not
match. Nothing here logs a request or response body: they carry secrets.
"""

from __future__ import annotations

import datetime
import http.client
import http.server
import ipaddress
import socket
import ssl
import threading
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# Headers that describe one hop, never forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "content-length"}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca_and_certificate(directory: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A CA and a server certificate it signed for `names`; returns (ca, cert, key) paths."""
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=2)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("mysql-rotator bench CA"))
               .issuer_name(_name("mysql-rotator bench CA")).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = directory / "front-ca.pem", directory / "front.pem", directory / "front-key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says otherwise
    server: _Server

    def setup(self) -> None:
        super().setup()
        # One write per response, sent at once: no Nagle wait behind a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _forward(self) -> None:
        with self.server.counts_lock:
            self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        upstream = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            status, reason = response.status, response.reason
            answer_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        except (OSError, http.client.HTTPException):
            # The upstream dropped the connection (a fault the harness injected): so does the front.
            self.close_connection = True
            return
        finally:
            upstream.close()
        head = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in answer_headers]
        head.append(f"Content-Length: {len(payload)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    upstream_host: str
    upstream_port: int
    context: ssl.SSLContext
    # What tests count: TLS handshakes completed, and requests forwarded.
    counts_lock = threading.Lock()
    handshakes = 0
    requests = 0

    def get_request(self):  # type: ignore[override]
        raw, address = self.socket.accept()
        # The handshake happens in the connection's own thread, not the accept loop.
        return self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address) -> None:  # type: ignore[override]
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            # A client that does not trust us hangs up here: that is the point of some tests.
            return
        with self.counts_lock:
            self.handshakes += 1
        super().finish_request(request, client_address)


class TLSFront:
    def __init__(self, upstream: str, directory: Path, names: list[str] | None = None, host: str = "127.0.0.1"):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.directory, self.names, self.host = Path(directory), names or ["127.0.0.1", "localhost"], host
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TLSFront:
        self.ca_path, cert, key = make_ca_and_certificate(self.directory, self.names)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = _Server((self.host, 0), _Handler)
        server.upstream_host, server.upstream_port, server.context = self.upstream_host, self.upstream_port, context
        server.counts_lock = threading.Lock()
        self._server = server
        self.port = server.server_address[1]
        self.url = f"https://{self.host}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name="tls-front", daemon=True)
        self._thread.start()
        return self

    def counts(self) -> tuple[int, int]:
        """(TLS handshakes completed, requests forwarded) so far."""
        assert self._server is not None
        with self._server.counts_lock:
            return self._server.handshakes, self._server.requests

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TLSFront:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
