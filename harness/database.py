"""The services scripts/test.sh started, and pymysql as an oracle against
them (independent of the product)."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest

from .secrets import REGISTRY, digest
from .services import Services, ServicesMissing, logs_in, run_sql


def services_from_environment() -> Services:
    """The services of STATE_DIR/env; fails the test (not errors) when they are not running."""
    try:
        services = Services.from_environment()
    except ServicesMissing as error:
        pytest.fail(f"{error}; run scripts/test.sh, or scripts/services.sh start DIR and source DIR/env",
                    pytrace=False)
    REGISTRY.add(services.admin_password)
    return services


class Database:
    """pymysql against the TLS server, always verifying its certificate."""

    def __init__(self, services: Services):
        self.services = services

    def connect(self, user: str, password: str, **kwargs: Any) -> pymysql.connections.Connection:
        return self.services.connect(user, password, **kwargs)

    def admin(self) -> pymysql.connections.Connection:
        return self.services.connect_admin()

    def can_login(self, user: str, password: str) -> bool:
        """True if the password logs in, False if refused; other failures raise."""
        return logs_in(self.services, user, password)

    def execute(self, sql: str, args: Any = None) -> list[tuple]:
        with self.admin() as connection:
            return run_sql(connection, sql, args)

    def create_user(self, user: str, password: str) -> None:
        self.execute("CREATE DATABASE IF NOT EXISTS appdb")
        self.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        self.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
        self.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (user,))

    def auth_digest(self, user: str) -> str | None:
        """A digest of the user's stored credentials, to tell whether they changed."""
        rows = self.execute("SHOW CREATE USER %s@'127.0.0.1'", (user,))
        return digest(rows[0][0])
