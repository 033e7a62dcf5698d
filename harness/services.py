"""The services scripts/services.sh starts, as the variables of its
STATE_DIR/env describe them (scripts/test.sh, bench.sh and demo.sh source it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import pymysql

SERVICE_VARIABLES = (
    "TEST_MARIADB_HOST", "TEST_MARIADB_PORT", "TEST_MARIADB_PLAIN_PORT",
    "TEST_MARIADB_ADMIN_USER", "TEST_MARIADB_ADMIN_PASSWORD", "TEST_MARIADB_CA",
    "TEST_MARIADB_WRONG_CA", "SECRETS_MANAGER_ENDPOINT", "TEST_STATE_DIR",
)


class ServicesMissing(RuntimeError):
    """The environment names no running services; the message lists what is unset."""


@dataclass(frozen=True)
class Services:
    host: str
    port: int           # the TLS server
    plain_port: int     # the server without TLS
    admin_user: str
    admin_password: str
    ca: str
    wrong_ca: str
    endpoint: str       # moto's Secrets Manager
    state_dir: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> Services:
        missing = [name for name in SERVICE_VARIABLES if not env.get(name)]
        if missing:
            raise ServicesMissing("services are not running (unset: " + ", ".join(missing) + ")")
        return cls(
            host=env["TEST_MARIADB_HOST"], port=int(env["TEST_MARIADB_PORT"]),
            plain_port=int(env["TEST_MARIADB_PLAIN_PORT"]),
            admin_user=env["TEST_MARIADB_ADMIN_USER"], admin_password=env["TEST_MARIADB_ADMIN_PASSWORD"],
            ca=env["TEST_MARIADB_CA"], wrong_ca=env["TEST_MARIADB_WRONG_CA"],
            endpoint=env["SECRETS_MANAGER_ENDPOINT"], state_dir=env["TEST_STATE_DIR"])

    def secrets_manager(self, **config: Any) -> Any:
        """A boto3 client for moto; `config` goes to botocore's Config (e.g. retries)."""
        env = os.environ
        return boto3.client(
            "secretsmanager", endpoint_url=self.endpoint, region_name=env.get("AWS_REGION", "us-east-1"),
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "testing"),
            config=botocore.config.Config(**config))

    def connect(self, user: str, password: str, **kwargs: Any) -> pymysql.connections.Connection:
        """pymysql to the TLS server, always verifying its certificate and name."""
        return pymysql.connect(
            host=self.host, port=self.port, user=user, password=password,
            ssl_ca=self.ca, ssl_verify_cert=True, ssl_verify_identity=True,
            connect_timeout=10, autocommit=True, **kwargs)

    def connect_admin(self) -> pymysql.connections.Connection:
        return self.connect(self.admin_user, self.admin_password)

    def connect_plain(self, user: str, password: str) -> pymysql.connections.Connection:
        """pymysql to the server without TLS."""
        return pymysql.connect(host=self.host, port=self.plain_port, user=user, password=password,
                               connect_timeout=10, autocommit=True)

    def connect_plain_admin(self) -> pymysql.connections.Connection:
        return self.connect_plain(self.admin_user, self.admin_password)


def run_sql(connection: pymysql.connections.Connection, statement: str, args: Any = None) -> list[tuple]:
    """The statement's rows, on a connection of the caller's."""
    with connection.cursor() as cursor:
        cursor.execute(statement, args)
        return list(cursor.fetchall())


class AdminConnection:
    """One admin connection kept open for a whole run: the benches read
    SHOW GLOBAL STATUS counters that a fresh connection per statement would move."""

    def __init__(self, services: Services) -> None:
        self.connection = services.connect_admin()

    def sql(self, statement: str, args: Any = None) -> list[tuple]:
        return run_sql(self.connection, statement, args)

    def close(self) -> None:
        self.connection.close()


def logs_in(services: Services, user: str, password: str) -> bool:
    """True if the password logs in, False if the server refuses it; other failures raise."""
    try:
        connection = services.connect(user, password)
    except pymysql.err.OperationalError as error:
        if error.args and error.args[0] == 1045:  # access denied
            return False
        raise
    with connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
