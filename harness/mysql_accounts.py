"""A fake MySQL 8.0 server that keeps accounts with a primary and a secondary
password, for the dual-password statements no server here can run.

It models only what the MySQL reference manual says of the statements the
function sends (ALTER USER, "Password Management: Dual Password Support"):

* ``ALTER USER 'u'@'h' IDENTIFIED WITH p BY 'new' RETAIN CURRENT PASSWORD``:
  the primary becomes the secondary (the old secondary is discarded), 'new'
  the primary. Without RETAIN the secondary is left as it is.
* ``ALTER USER 'u'@'h' DISCARD OLD PASSWORD``: no secondary.
* ``ALTER USER CURRENT_USER() IDENTIFIED BY 'new' REPLACE 'cur' [RETAIN …]``:
  'cur' must be the primary (error 3891 otherwise); RETAIN needs
  APPLICATION_PASSWORD_ADMIN (error 1227 otherwise).
* ALTER USER of another account needs CREATE USER (error 1227).
* A plugin change (``IDENTIFIED WITH`` another plugin): refused with RETAIN
  CURRENT PASSWORD (error 3894); ``ALTER USER CURRENT_USER()`` takes only
  ``IDENTIFIED BY`` (a syntax error otherwise); an account that names
  itself needs CREATE USER to change its own plugin (error 1227).

``version`` is what the greeting says (8.0.36, 8.4.3, 9.0.1): the function
chooses its statements by it.

``sha2=True`` runs ``caching_sha2_password`` as the manual describes it for
accounts on that plugin (the greeting names it, as MySQL 8.4's default):
the fast path (a SHA-256 scramble) only for a password in the server's
cache, otherwise "perform full authentication", where the client sends the
password itself; this server accepts it only inside TLS, records whether
each full authentication was, and caches the password. A password change
empties the account's cache entries, as MySQL's does.

SHOW CREATE USER prints the primary's real hash for mysql_native_password
(the function compares AWSCURRENT's with it before it retains) and a
placeholder for the salted plugins. Both passwords log in
(mysql_native_password's scramble is checked against each), whatever plugin
SHOW CREATE USER names: logins here prove which
passwords the statements left, not the plugin's wire protocol. TLS only when
given a certificate (``tls=``): the self strategy's statement carries the
current password (REPLACE) and goes only over verified TLS. Otherwise the
function runs with REQUIRE_TLS=false and the secrets' ssl false, and
mysql_native_password is a challenge-response login it allows outside TLS.
Every statement is recorded; nothing is printed.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field

from . import mysql_wire as wire
from .fakes import caching_sha2_scramble
from .loopback import LoopbackServer
from .scripted_mysql import native_scramble


@dataclass
class FakeAccount:
    user: str
    host: str
    primary: str
    secondary: str | None = None
    plugin: str = "caching_sha2_password"
    privileges: list[str] = field(default_factory=list)  # e.g. "CREATE USER", "APPLICATION_PASSWORD_ADMIN"

    @property
    def name(self) -> str:
        return f"`{self.user}`@`{self.host}`"


class SQLError(Exception):
    def __init__(self, code: int, state: str, message: str):
        super().__init__(message)
        self.code, self.state, self.message = code, state, message


_STRING = r"'((?:[^'\\]|\\.|'')*)'"


def _stored_hash(account: FakeAccount) -> str:
    """The primary's hash as SHOW CREATE USER prints it: mysql_native_password's
    real one (the function proves AWSCURRENT against it); a salted plugin's a
    placeholder, as the function cannot compute those."""
    if account.plugin == "mysql_native_password":
        twice = hashlib.sha1(hashlib.sha1(account.primary.encode()).digest()).hexdigest().upper()
        return "*" + twice
    return "$A$005$fakehashfakehash"
_ACCOUNT = _STRING + "@" + _STRING


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m.group(1), m.group(1)),
                  text).replace("''", "'")


class FakeMySQLAccounts(LoopbackServer):
    VERSION = "8.0.36-fake-accounts"

    def __init__(self, accounts: list[FakeAccount], tls: tuple[str, str] | None = None,
                 version: str = VERSION, sha2: bool = False) -> None:
        """`tls`: a certificate and key to offer TLS with (the test CA's server
        certificate, which names 127.0.0.1), so a session can be verified TLS."""
        self.version = version
        self.sha2 = sha2
        self.sha2_cache: set[tuple[str, str]] = set()  # (user, password) a full authentication proved
        self.full_authentications: list[tuple[str, bool]] = []  # (user, inside TLS)
        self.accounts = {(a.user, a.host): a for a in accounts}
        self.tls_context: ssl.SSLContext | None = None
        if tls:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*tls)
        self.statements: list[tuple[str, str]] = []  # (session user, statement)
        self.lock = threading.Lock()
        self._start()

    # -- what the tests ask -------------------------------------------------

    def account(self, user: str, host: str = "%") -> FakeAccount:
        with self.lock:
            return self.accounts[(user, host)]

    def logs_in(self, user: str, password: str, host: str = "%") -> bool:
        account = self.account(user, host)
        return password in (account.primary, account.secondary)

    def sent(self) -> list[str]:
        with self.lock:
            return [statement for _, statement in self.statements]

    # -- the protocol ---------------------------------------------------------

    def _ok(self, channel: socket.socket, sequence: int) -> None:
        wire.send_packet(channel, sequence, wire.ok_packet())

    def _error(self, channel: socket.socket, sequence: int, error: SQLError) -> None:
        wire.send_packet(channel, sequence, wire.error_packet(error.code, error.state, error.message))

    def _handle(self, channel: socket.socket) -> None:
        nonce = os.urandom(20).replace(b"\x00", b"\x01")
        capabilities = wire.BASE_CAPABILITIES | (wire.CLIENT_SSL if self.tls_context else 0)
        greeting_plugin = "caching_sha2_password" if self.sha2 else "mysql_native_password"
        wire.send_packet(channel, 0, wire.greeting(self.version, nonce, greeting_plugin, capabilities,
                                                   connection_id=9, charset=wire.UTF8))
        sequence, response = wire.read_packet(channel)
        inside_tls = False
        if self.tls_context and wire.asks_for_tls(response):
            channel = self.tls_context.wrap_socket(channel, server_side=True)
            inside_tls = True
            sequence, response = wire.read_packet(channel)
        login = wire.parse_login(response)
        user, answer = login.username, login.auth_data
        with self.lock:
            matches = [a for a in self.accounts.values() if a.user == user]
        if self.sha2 and matches and matches[0].plugin == "caching_sha2_password":
            account, sequence = self._sha2_login(channel, matches[0], login.plugin, answer, nonce, sequence,
                                                 inside_tls)
        else:
            if (login.plugin or "mysql_native_password") != "mysql_native_password":
                wire.send_packet(channel, sequence + 1,
                                 wire.auth_switch("mysql_native_password", nonce + b"\x00"))
                sequence, answer = wire.read_packet(channel)
            with self.lock:
                account = next((a for a in matches
                                if answer in (native_scramble(a.primary, nonce),
                                              native_scramble(a.secondary, nonce) if a.secondary else None)),
                               None)
        if account is None:
            self._error(channel, sequence + 1, SQLError(1045, "28000", f"Access denied for user '{user}'"))
            return
        refusal = self._login_refusal(account)
        if refusal:
            self._error(channel, sequence + 1, refusal)
            return
        self._ok(channel, sequence + 1)
        while True:
            _, packet = wire.read_packet(channel)
            if not packet or packet[0] == wire.COM_QUIT:
                return
            if packet[0] != wire.COM_QUERY:  # COM_PING and the like
                self._ok(channel, 1)
                continue
            statement = packet[1:].decode("utf-8", "replace")
            with self.lock:
                self.statements.append((account.user, statement))
            try:
                table = self._table(account, statement)
                answer_rows = None if table else self._execute(account, statement)
            except SQLError as error:
                self._error(channel, 1, error)
                continue
            if table:
                wire.send_rows(channel, *table, charset=wire.UTF8, column_length=1024)
            elif answer_rows is None:
                self._ok(channel, 1)
            else:
                wire.send_result_set(channel, *answer_rows, charset=wire.UTF8, column_length=1024)

    def _table(self, session: FakeAccount, statement: str) -> tuple[list[str], list[list[str]]] | None:
        """A result set of several columns for `statement`, or None to run it through `_execute`."""
        return None

    def _login_refusal(self, account: FakeAccount) -> SQLError | None:
        """Why the server refuses `account` whatever its password; none here (harness/upgrade_servers.py has some)."""
        return None

    def _sha2_login(self, channel: socket.socket, account: FakeAccount, plugin: str | None, answer: bytes,
                    nonce: bytes, sequence: int, inside_tls: bool) -> tuple[FakeAccount | None, int]:
        """caching_sha2_password: the fast path for a cached password, else full authentication."""
        if plugin != "caching_sha2_password":
            wire.send_packet(channel, sequence + 1, wire.auth_switch("caching_sha2_password", nonce + b"\x00"))
            sequence, answer = wire.read_packet(channel)
        with self.lock:
            passwords = [p for p in (account.primary, account.secondary) if p]
            cached = [p for p in passwords if (account.user, p) in self.sha2_cache]
        if any(answer == caching_sha2_scramble(p, nonce) for p in cached):
            wire.send_packet(channel, sequence + 1, b"\x01\x03")  # fast authentication succeeded
            return account, sequence + 1
        wire.send_packet(channel, sequence + 1, b"\x01\x04")  # perform full authentication
        sequence, answer = wire.read_packet(channel)
        with self.lock:
            self.full_authentications.append((account.user, inside_tls))
        if not inside_tls:
            return None, sequence  # a public key request, or an RSA payload: never read here
        password = answer.rstrip(b"\x00").decode("utf-8", "replace")
        if password not in passwords:
            return None, sequence
        with self.lock:
            self.sha2_cache.add((account.user, password))
        return account, sequence

    # -- the statements -----------------------------------------------------

    def _target(self, session: FakeAccount, text: str) -> FakeAccount:
        if text == "CURRENT_USER()":
            return session
        match = re.fullmatch(_ACCOUNT, text)
        if not match:
            raise SQLError(1064, "42000", "You have an error in your SQL syntax")
        key = (_unescape(match.group(1)), _unescape(match.group(2)))
        if key not in self.accounts:
            raise SQLError(1396, "HY000", "Operation ALTER USER failed")
        return self.accounts[key]

    def _execute(self, session: FakeAccount, statement: str) -> tuple[str, list[str]] | None:
        text = statement.strip()
        upper = text.upper()
        if upper in ("SELECT NOW()", "SELECT 1"):
            return ("x", ["1"])
        # The admin's first query also reads init_connect; this server has none
        # (one column: the rotation reads a missing second one as empty).
        if upper in ("SELECT CURRENT_USER()", "SELECT CURRENT_USER(), @@GLOBAL.INIT_CONNECT"):
            return ("CURRENT_USER()", [f"{session.user}@{session.host}"])
        if upper == "SHOW GRANTS":
            return ("Grants", [f"GRANT USAGE ON *.* TO {session.name}"]
                    + [f"GRANT {p} ON *.* TO {session.name}" for p in session.privileges])
        if upper.startswith("SHOW CREATE USER "):
            with self.lock:
                target = self._target(session, text[len("SHOW CREATE USER "):])
            if target is not session and "CREATE USER" not in session.privileges:
                raise SQLError(1227, "42000", "Access denied; you need the SELECT privilege on mysql")
            return ("CREATE USER", [
                (f"CREATE USER {target.name} IDENTIFIED WITH '{target.plugin}' AS '{_stored_hash(target)}' "
                 "REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT "
                 "PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT")])
        match = re.fullmatch(r"ALTER USER (\S+@\S+|CURRENT_USER\(\)) DISCARD OLD PASSWORD", text, re.IGNORECASE)
        if match:
            with self.lock:
                target = self._target(session, match.group(1))
                self._require(session, target, retain=False)
                target.secondary = None
                self.sha2_cache = {entry for entry in self.sha2_cache if entry[0] != target.user}
            return None
        match = re.fullmatch(
            r"ALTER USER (\S+@\S+|CURRENT_USER\(\)) IDENTIFIED (?:WITH (\w+) )?BY " + _STRING
            + r"(?: REPLACE " + _STRING + r")?( RETAIN CURRENT PASSWORD)?", text, re.IGNORECASE | re.DOTALL)
        if match:
            with self.lock:
                target = self._target(session, match.group(1))
                retain = match.group(5) is not None
                self._require(session, target, retain=retain)
                changes_plugin = bool(match.group(2)) and match.group(2).lower() != target.plugin
                if match.group(2) and match.group(1).upper() == "CURRENT_USER()":
                    raise SQLError(1064, "42000", "You have an error in your SQL syntax near 'WITH'")
                if changes_plugin and retain:
                    raise SQLError(3894, "HY000", "Current password can not be retained: the plugin changes")
                if changes_plugin and target is session and "CREATE USER" not in session.privileges:
                    raise SQLError(1227, "42000", "Access denied; you need the CREATE USER privilege")
                if match.group(4) is not None and _unescape(match.group(4)) != target.primary:
                    raise SQLError(3891, "HY000", "Incorrect current password")
                if target is session and match.group(4) is None:
                    raise SQLError(3892, "HY000", "Current password needs to be specified in the REPLACE clause")
                if retain:
                    target.secondary = target.primary
                target.primary = _unescape(match.group(3))
                self.sha2_cache = {entry for entry in self.sha2_cache if entry[0] != target.user}
                if match.group(2):
                    target.plugin = match.group(2).lower()
            return None
        if upper.startswith(("SET ", "SELECT @@")):
            return None
        raise SQLError(1064, "42000", "You have an error in your SQL syntax (fake server)")

    @staticmethod
    def _require(session: FakeAccount, target: FakeAccount, *, retain: bool) -> None:
        if target is not session and "CREATE USER" not in session.privileges:
            raise SQLError(1227, "42000", "Access denied; you need the CREATE USER privilege")
        if target is session and retain and "APPLICATION_PASSWORD_ADMIN" not in session.privileges \
                and "CREATE USER" not in session.privileges:
            raise SQLError(1227, "42000", "Access denied; you need the APPLICATION_PASSWORD_ADMIN privilege")
