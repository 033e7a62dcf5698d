"""The replicas scripts/services.sh starts (a replica and a reader of the TLS
server), and each server's general log as the oracle of where every login
and statement went.

The general log goes to a table (mysql.general_log), never a file: its
statements carry passwords (ALTER USER … IDENTIFIED BY), and it is emptied
when the test is done. Statements a replica applies by replication are in
its general log too, as user `<replication_slave>`: they are left out, so
what remains came from a client."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
import pytest

from harness import Services

# What changes an account: none of it may reach a replica or a reader from a client.
ACCOUNT_WRITE = re.compile(
    r"^\s*(ALTER\s+USER|SET\s+PASSWORD|CREATE\s+(OR\s+REPLACE\s+)?USER|DROP\s+USER|RENAME\s+USER|GRANT|REVOKE|"
    r"SET\s+DEFAULT\s+ROLE|CREATE\s+ROLE|DROP\s+ROLE|FLUSH\s+PRIVILEGES)\b", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    host: str
    port: int
    tls: bool = True  # False: the server without TLS, reached in plaintext


def replication_servers(services: Services) -> dict[str, Server]:
    """primary (the TLS server), replica and reader, as services.sh's env names them."""
    missing = [name for name in ("TEST_MARIADB_REPLICA_PORT", "TEST_MARIADB_READER_HOST",
                                 "TEST_MARIADB_READER_PORT") if not os.environ.get(name)]
    if missing:
        pytest.fail("the replicas are not running (unset: " + ", ".join(missing) + "); scripts/services.sh "
                    "starts them", pytrace=False)
    return {
        "primary": Server("primary", services.host, services.port),
        "replica": Server("replica", "127.0.0.1", int(os.environ["TEST_MARIADB_REPLICA_PORT"])),
        "reader": Server("reader", os.environ["TEST_MARIADB_READER_HOST"],
                         int(os.environ["TEST_MARIADB_READER_PORT"])),
    }


def connect_admin(services: Services, server: Server) -> pymysql.connections.Connection:
    """The services' admin on `server`, verifying its certificate (it names 127.0.0.1 and 127.0.0.2)."""
    tls = {"ssl_ca": services.ca, "ssl_verify_cert": True, "ssl_verify_identity": True} if server.tls else {}
    return pymysql.connect(host=server.host, port=server.port, user=services.admin_user,
                           password=services.admin_password, connect_timeout=10, autocommit=True, **tls)


def execute(services: Services, server: Server, sql: str, args: Any = None) -> list[tuple]:
    with connect_admin(services, server) as connection, connection.cursor() as cursor:
        # Kept out of the binlog: a replica must not replay the harness's own bookkeeping.
        cursor.execute("SET SESSION sql_log_bin = 0")
        cursor.execute(sql, args)
        return list(cursor.fetchall())


@dataclasses.dataclass(frozen=True)
class Entry:
    thread: int
    command: str
    argument: str


@dataclasses.dataclass(frozen=True)
class Login:
    user: str
    accepted: bool
    tls: bool
    position: int   # index of its first entry in the server's log: orders logins against markers


class GeneralLogs:
    """Every server's general log, on for the life of the object (a context manager)."""

    def __init__(self, services: Services, servers: dict[str, Server]):
        self.services = services
        self.servers = servers

    def __enter__(self) -> GeneralLogs:
        for server in self.servers.values():
            execute(self.services, server, "SET GLOBAL general_log = OFF")
            execute(self.services, server, "SET GLOBAL log_output = 'TABLE'")
            execute(self.services, server, "TRUNCATE TABLE mysql.general_log")
            execute(self.services, server, "SET GLOBAL general_log = ON")
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers.values():
            execute(self.services, server, "SET GLOBAL general_log = OFF")
            execute(self.services, server, "TRUNCATE TABLE mysql.general_log")  # it holds passwords

    def entries(self, name: str) -> list[Entry]:
        """The server's log in the order written, without the reading session's own lines."""
        with connect_admin(self.services, self.servers[name]) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT CONNECTION_ID()")
            (own,) = cursor.fetchone()
            cursor.execute("SELECT thread_id, command_type, argument, user_host FROM mysql.general_log")
            rows = cursor.fetchall()
        return [Entry(int(thread), str(command), _text(argument))
                for thread, command, argument, user_host in rows
                if int(thread) != own and "<replication_slave>" not in _text(user_host)]

    def logins(self, name: str, user: str) -> list[Login]:
        """`user`'s logins on the server, refused ones included, in order."""
        entries = self.entries(name)
        logins = []
        for index, entry in enumerate(entries):
            if entry.command == "Connect" and entry.argument.startswith(f"{user}@"):
                thread = [other for other in entries if other.thread == entry.thread and other.command == "Connect"]
                denied = any(other.argument.startswith("Access denied") for other in thread)
                logins.append(Login(user, not denied, "using SSL/TLS" in entry.argument, index))
        return logins

    def account_writes(self, name: str, users: list[str] | None = None) -> list[str]:
        """The verbs (never the text: it holds passwords) of statements that change an
        account, on the server; those naming one of `users` only, when given."""
        found = []
        for entry in self.entries(name):
            if entry.command not in ("Query", "Execute"):
                continue
            match = ACCOUNT_WRITE.match(entry.argument)
            if match and (users is None or any(user in entry.argument for user in users)):
                found.append(" ".join(match.group(1).upper().split()))
        return found

    def position_of(self, name: str, statement: str) -> int:
        """Where `statement` (the harness's, e.g. a marker) is in the server's log; the
        log only grows, so positions from different reads compare."""
        for index, entry in enumerate(self.entries(name)):
            if entry.command == "Query" and entry.argument.strip() == statement:
                return index
        raise AssertionError(f"{statement!r} is not in the {name}'s general log")


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


@contextlib.contextmanager
def replication_paused(services: Services, server: Server) -> Iterator[Callable[[], None]]:
    """STOP SLAVE SQL_THREAD on `server` (it still receives the binlog, applies nothing);
    yields `resume`, which starts it again and is called at the end whatever happened."""
    execute(services, server, "STOP SLAVE SQL_THREAD")
    resumed = False

    def resume() -> None:
        nonlocal resumed
        if not resumed:
            execute(services, server, "START SLAVE SQL_THREAD")
            resumed = True

    try:
        yield resume
    finally:
        resume()


def wait_for_replica(services: Services, server: Server, timeout: float = 120.0) -> None:
    """Until `server` has applied everything the primary wrote (MASTER_POS_WAIT on the primary's position)."""
    primary = replication_servers(services)["primary"]
    (status,) = [row for row in execute(services, primary, "SHOW MASTER STATUS")]
    file, position = status[0], status[1]
    (result,) = execute(services, server, "SELECT MASTER_POS_WAIT(%s, %s, %s)", (file, position, timeout))
    assert result[0] is not None and result[0] >= 0, f"the {server.name} did not catch up (SQL thread stopped?)"


def poll(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Polls `condition` until it holds; the timeout only ends a hung test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)  # polling the state waited on, not a sleep as synchronisation
