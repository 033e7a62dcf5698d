"""Logins as a second client sees them, for accounts with more than one
password (KEEP_PREVIOUS_PASSWORD, docs/password-only-rotation.md).

MariaDB tries an account's methods in order; for a second ed25519 method it
sends the client another auth switch, which pymysql refuses ("received
multiple auth switch requests"). The `mariadb` command-line client
(Connector/C, as an application would use) follows them, so it is the
oracle here. The password goes in MYSQL_PWD, never on a command line.
"""

from __future__ import annotations

import os
import subprocess

from . import Services


class LoginOracleError(RuntimeError):
    """The client failed for a reason other than a refused password."""


def cli_logs_in(services: Services, user: str, password: str) -> bool:
    """True if `password` logs in as `user` over verified TLS, False if refused."""
    env = dict(os.environ, MYSQL_PWD=password)
    result = subprocess.run(
        ["mariadb", "--no-defaults", f"--host={services.host}", f"--port={services.port}", f"--user={user}",
         f"--ssl-ca={services.ca}", "--ssl-verify-server-cert", "--batch", "--skip-column-names",
         "-e", "SELECT 1"],
        check=False, env=env, capture_output=True, text=True, timeout=30)
    if result.returncode == 0 and result.stdout.strip() == "1":
        return True
    # 1698: the refusal when the last method tried was unix_socket (`… OR unix_socket`).
    if "ERROR 1045" in result.stderr or "ERROR 1698" in result.stderr:
        return False
    # The client's own message names the user and host, never the password.
    raise LoginOracleError(f"mariadb client failed ({result.returncode}) for {user}: {result.stderr.strip()[:200]}")


def methods(db, user: str, host: str = "127.0.0.1") -> list[str]:
    """The plugins of the account's authentication methods, in order (no hashes)."""
    line = db.execute("SHOW CREATE USER %s@%s", (user, host))[0][0]
    identified = line.split(" IDENTIFIED ", 1)[1] if " IDENTIFIED " in line else ""
    if identified.startswith("BY PASSWORD"):
        return ["mysql_native_password"]
    identified = identified.removeprefix("VIA ").removeprefix("WITH ")
    plugins = []
    for part in identified.split(" OR "):
        plugins.append(part.split(" ", 1)[0].strip("'"))
    return plugins


def ensure_ed25519(db) -> None:
    if not db.execute("SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'"):
        db.execute("INSTALL SONAME 'auth_ed25519'")
