"""Fake MySQL 8.0 / 8.4 / 9.0 servers for the upgrade-readiness check
(docs/mysql-upgrade.md): harness/mysql_accounts.py's accounts, reporting the
version they are given and answering which authentication plugins are
active, as the MySQL reference manual describes each release:

* 8.0.x: caching_sha2_password, sha256_password and mysql_native_password.
* 8.4: mysql_native_password only when started with
  ``mysql_native_password=ON`` (``native_enabled``).
* 9.0: no mysql_native_password at all.

An account on a plugin the server has not loaded is refused at login
(error 1524, "Plugin 'mysql_native_password' is not loaded"). Logins
otherwise check mysql_native_password's scramble (harness/mysql_accounts.py):
these servers prove what the check reports per version, not the plugins'
wire protocols.
"""

from __future__ import annotations

from .mysql_accounts import FakeAccount, FakeMySQLAccounts, SQLError


class FakeMySQLRelease(FakeMySQLAccounts):
    def __init__(self, version: str, accounts: list[FakeAccount], *, native_enabled: bool = False,
                 tls: tuple[str, str] | None = None) -> None:
        release = tuple(int(part) for part in version.split("-")[0].split(".")[:2])
        self.native_loaded = release < (8, 4) or (release < (9, 0) and native_enabled)
        super().__init__(accounts, tls=tls, version=version)

    def active_plugins(self) -> list[str]:
        plugins = ["caching_sha2_password", "sha256_password"]
        return plugins + (["mysql_native_password"] if self.native_loaded else [])

    def _login_refusal(self, account: FakeAccount) -> SQLError | None:
        if account.plugin in self.active_plugins():
            return None
        return SQLError(1524, "HY000", f"Plugin '{account.plugin}' is not loaded")

    def _execute(self, session: FakeAccount, statement: str) -> tuple[str, list[str]] | None:
        if "INFORMATION_SCHEMA.PLUGINS" in statement.upper():
            return ("PLUGIN_NAME", self.active_plugins())
        return super()._execute(session, statement)
