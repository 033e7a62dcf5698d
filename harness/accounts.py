"""MariaDB accounts and their secrets in moto: the application users a
rotation changes, and the admin account of the admin and alternating
strategies, built from exactly the grants a test names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .database import Database
from .secrets import mariadb_secret, new_password, unique

# docs/strategies.md: what the admin account needs, the whole list.
ADMIN_STRATEGY_GRANTS = ("CREATE USER ON *.*",)
# The alternating strategy's (MariaDB), roles aside; enough for both strategies.
ALTERNATING_STRATEGY_GRANTS = (
    "CREATE USER ON *.*",
    "SELECT ON mysql.*",
    "ALL PRIVILEGES ON appdb.* WITH GRANT OPTION",
)
# The admin's grants by the strategy it serves.
STRATEGY_GRANTS = {"admin": ADMIN_STRATEGY_GRANTS, "alternating": ALTERNATING_STRATEGY_GRANTS}


@dataclass
class Account:
    username: str
    password: str          # the initial one
    arn: str
    name: str
    initial_version: str


def create_account(sm: Any, db: Database, username: str | None = None, *, prefix: str = "app",
                   secret_prefix: str = "e2e/secret", username_key: str = "username",
                   password_key: str = "password", extra: dict | None = None,
                   secret_string: str | None = None, drop: Iterable[str] = (),
                   create_user: bool = True) -> Account:
    """A user on `db`'s server (GRANT SELECT ON appdb.*) and its secret.

    `extra` adds or overrides secret keys, `drop` removes some, and
    `secret_string` replaces the whole value."""
    username = username or unique(prefix)
    password = new_password()
    if create_user:
        db.create_user(username, password)
    if secret_string is None:
        secret = mariadb_secret(db.services.host, db.services.port, username, password, dbname="appdb")
        for key, wanted in (("username", username_key), ("password", password_key)):
            secret[wanted] = secret.pop(key)
        secret.update(extra or {})
        for key in drop:
            secret.pop(key, None)
        secret_string = json.dumps(secret)
    created = sm.create_secret(Name=unique(secret_prefix), SecretString=secret_string)
    return Account(username, password, created["ARN"], created["Name"], created["VersionId"])


ROTATION_ADMIN = "rotation_admin"


@dataclass
class RotationAdmin:
    username: str
    password: str
    arn: str


def create_rotation_admin(sm: Any, db: Database, grants: Iterable[str]) -> RotationAdmin:
    """rotation_admin@127.0.0.1 holding exactly `grants` (each "PRIVILEGES ON object [WITH ...]",
    given "TO rotation_admin" as the docs' lists are), and its secret in moto.

    Built from nothing each time, so a module proves its documented grant list is
    sufficient on its own."""
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    drop_rotation_admin(db)
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (ROTATION_ADMIN, password))
    for grant in grants:
        privileges, _, option = grant.partition(" WITH ")
        db.execute(f"GRANT {privileges} TO %s@'127.0.0.1'" + (f" WITH {option}" if option else ""),
                   (ROTATION_ADMIN,))
    secret = mariadb_secret(db.services.host, db.services.port, ROTATION_ADMIN, password)
    created = sm.create_secret(Name=unique("e2e/rotation-admin"), SecretString=json.dumps(secret))
    return RotationAdmin(ROTATION_ADMIN, password, created["ARN"])


def drop_rotation_admin(db: Database) -> None:
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (ROTATION_ADMIN,))


def normalised_grants(db: Database, user: str, host: str = "127.0.0.1") -> list[str]:
    """SHOW GRANTS with the password hash cut out (it is secret, and differs
    between two users anyway) and the account written as <user>, sorted."""
    rows = db.execute("SHOW GRANTS FOR %s@%s", (user, host))
    quoted = "`" + user.replace("`", "``") + "`@`" + host + "`"
    lines = []
    for (line,) in rows:
        line = re.sub(r" IDENTIFIED BY PASSWORD '[^']*'", "", line)
        lines.append(line.replace(quoted, "<user>"))
    return sorted(lines)


def tls_requirement(db: Database, user: str, host: str = "127.0.0.1") -> tuple | None:
    rows = db.execute(
        "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = %s AND Host = %s",
        (user, host))
    return tuple(value.decode() if isinstance(value, bytes) else value for value in rows[0]) if rows else None


def user_exists(db: Database, user: str, host: str = "127.0.0.1") -> bool:
    return bool(db.execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", (user, host)))
