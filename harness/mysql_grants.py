"""A fake MySQL 8 server that also keeps each account's grants, for the
alternating strategy's copy of an account (harness/mysql_accounts.py has the
logins, passwords and ALTER USER … IDENTIFIED).

It models what the MySQL 8.4 reference manual says of the statements the
copy sends and of how SHOW GRANTS prints the result ("SHOW GRANTS
Statement", "Privilege Restriction Using Partial Revokes", with
``partial_revokes=ON``):

* ``GRANT privileges ON object TO account [WITH GRANT OPTION]`` adds the
  privileges to the account's line for that object; on ``*.*`` static and
  dynamic privileges sit on separate lines (``GRANT SELECT, INSERT ON *.*``,
  ``GRANT FLUSH_PRIVILEGES,SET_ANY_DEFINER ON *.*``). A privilege granted
  on a schema where it is partially revoked lifts the restriction.
* ``REVOKE privileges ON `db`.* FROM account`` of a privilege held on
  ``*.*`` is a partial revoke, printed as its own ``REVOKE … FROM`` line
  after the grants; on ``*.*`` it also drops the restrictions it had.
* SHOW GRANTS prints ``GRANT USAGE ON *.*`` when no static privilege is
  held globally, static privileges in the manual's order, dynamic ones in
  the order granted.
* ``CREATE USER``, ``ALTER USER … REQUIRE`` (kept as ``mysql.user``'s
  ``ssl_type``), ``ALTER USER … DEFAULT ROLE`` (no roles here: recorded
  only), ``SELECT 1 FROM mysql.user`` and the TLS columns.
* ``ALTER USER … IDENTIFIED WITH p BY '…'`` followed by the account's
  limits and password policies, as the copy sends it: the password part
  goes to harness/mysql_accounts.py, the rest is recorded only.

Another account's grants and changes need the session to hold CREATE USER.
Seed an account with ``grants={user: lines}``: SHOW GRANTS lines are valid
statements, run here in order, so reading them back proves the printing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .mysql_accounts import _STRING, FakeAccount, FakeMySQLAccounts, SQLError, _unescape

# The manual's order for static privileges in SHOW GRANTS.
STATIC_ORDER = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
    "REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
    "EXECUTE", "REPLICATION SLAVE", "REPLICATION CLIENT", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
    "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "CREATE ROLE", "DROP ROLE",
]

_NAME = r"(?:`((?:[^`]|``)*)`|'((?:[^'\\]|\\.|'')*)')"
_ACCOUNT = _NAME + "@" + _NAME
_HEX = r"X'([0-9A-Fa-f]*)'"
_WHERE = r" FROM mysql\.user WHERE User = " + _HEX + " AND Host = " + _HEX


def _dynamic(privilege: str) -> bool:
    # Dynamic privileges are single words with underscores; static ones never have one.
    return "_" in privilege


@dataclass
class Grants:
    """One account's grants: lines keyed by object (and, on `*.*`, static or dynamic), and partial revokes."""
    lines: dict[tuple[str, bool], list[str]] = field(default_factory=dict)
    options: set[tuple[str, bool]] = field(default_factory=set)
    restrictions: list[tuple[str, str]] = field(default_factory=list)  # (privilege, object)
    ssl_type: str = ""

    def holds(self, privilege: str, on: str) -> bool:
        return privilege in self.lines.get((on, _dynamic(privilege)), [])

    def printed(self, name: str) -> list[str]:
        def ordered(privileges: list[str]) -> list[str]:
            known = [p for p in STATIC_ORDER if p in privileges]
            return known + [p for p in privileges if p not in known]

        def line(key: tuple[str, bool]) -> str:
            what = ",".join(self.lines[key]) if key[1] else ", ".join(ordered(self.lines[key]))
            return f"GRANT {what} ON {key[0]} TO {name}" + (" WITH GRANT OPTION" if key in self.options else "")

        out = [line(("*.*", False)) if self.lines.get(("*.*", False)) else f"GRANT USAGE ON *.* TO {name}"]
        if self.lines.get(("*.*", True)):
            out.append(line(("*.*", True)))
        out += [line(key) for key, held in self.lines.items() if key[0] != "*.*" and held]
        objects = list(dict.fromkeys(on for _, on in self.restrictions))
        for on in objects:
            withheld = ordered([p for p, o in self.restrictions if o == on])
            out.append(f"REVOKE {', '.join(withheld)} ON {on} FROM {name}")
        return out

    def grant(self, privileges: list[str], on: str, option: bool) -> None:
        for privilege in privileges:
            if (privilege, on) in self.restrictions:
                self.restrictions.remove((privilege, on))
                continue
            key = (on, _dynamic(privilege))
            held = self.lines.setdefault(key, [])
            if privilege not in held:
                held.append(privilege)
            if option:
                self.options.add(key)

    def revoke(self, privileges: list[str], on: str) -> None:
        if privileges == ["GRANT OPTION"]:
            self.options -= {key for key in self.options if key[0] == on}
            return
        for privilege in privileges:
            if self.holds(privilege, on):
                self.lines[(on, _dynamic(privilege))].remove(privilege)
                if on == "*.*":  # revoking the global privilege drops its restrictions
                    self.restrictions = [r for r in self.restrictions if r[0] != privilege]
            elif on != "*.*" and self.holds(privilege, "*.*"):
                if (privilege, on) not in self.restrictions:
                    self.restrictions.append((privilege, on))
            else:
                raise SQLError(1141, "42000", "There is no such grant defined")


class FakeMySQLGrants(FakeMySQLAccounts):
    def __init__(self, accounts: list[FakeAccount], *, grants: dict[str, list[str]] | None = None,
                 tls: tuple[str, str] | None = None, version: str = FakeMySQLAccounts.VERSION) -> None:
        self.grants = {(a.user, a.host): Grants() for a in accounts}
        for account in accounts:
            for line in (grants or {}).get(account.user, []):
                if not line.startswith("GRANT USAGE ON *.* "):
                    self._change_grants(account, line, check=False)
        super().__init__(accounts, tls=tls, version=version)

    def show_grants(self, user: str, host: str = "%") -> list[str]:
        with self.lock:
            return self.grants[(user, host)].printed(self.accounts[(user, host)].name)

    def change_grants(self, statement: str) -> None:
        """A GRANT or REVOKE an operator runs, outside the function's sessions (not recorded)."""
        with self.lock:
            if not self._change_grants(FakeAccount("root", "localhost", ""), statement, check=False):
                raise ValueError("not a GRANT or REVOKE of privileges")

    # -- the statements -----------------------------------------------------

    def _key(self, text: str) -> tuple[str, str]:
        match = re.fullmatch(_ACCOUNT, text)
        if not match:
            raise SQLError(1064, "42000", "You have an error in your SQL syntax")
        user = match.group(1).replace("``", "`") if match.group(1) is not None else _unescape(match.group(2))
        host = match.group(3).replace("``", "`") if match.group(3) is not None else _unescape(match.group(4))
        return user, host

    def _other(self, session: FakeAccount, text: str) -> tuple[str, str]:
        """The account `text` names, which the session may change (CREATE USER) and which exists."""
        key = self._key(text)
        if key != (session.user, session.host) and "CREATE USER" not in session.privileges:
            raise SQLError(1227, "42000", "Access denied; you need the CREATE USER privilege")
        if key not in self.grants:
            raise SQLError(1396, "HY000", "Operation failed for an account that does not exist")
        return key

    def _change_grants(self, session: FakeAccount, statement: str, *, check: bool = True) -> bool:
        match = re.fullmatch(r"(GRANT|REVOKE) (.+?) ON (\S+) (?:TO|FROM) (\S+@\S+)( WITH GRANT OPTION)?",
                             statement, re.DOTALL)
        if not match:
            return False
        key = self._other(session, match.group(4)) if check else self._key(match.group(4))
        privileges = [p.strip().upper() for p in match.group(2).split(",")]
        grants = self.grants[key]
        if match.group(1) == "GRANT":
            grants.grant(privileges, match.group(3), match.group(5) is not None)
        else:
            grants.revoke(privileges, match.group(3))
        return True

    def _table(self, session: FakeAccount, statement: str) -> tuple[list[str], list[list[str]]] | None:
        match = re.fullmatch("SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject" + _WHERE, statement.strip())
        if not match:
            return None
        key = (bytes.fromhex(match.group(1)).decode(), bytes.fromhex(match.group(2)).decode())
        with self.lock:
            rows = [[self.grants[key].ssl_type, "", "", ""]] if key in self.grants else []
        return ["ssl_type", "ssl_cipher", "x509_issuer", "x509_subject"], rows

    def _execute(self, session: FakeAccount, statement: str) -> tuple[str, list[str]] | None:
        text = statement.strip()
        match = re.fullmatch("SELECT 1" + _WHERE, text)
        if match:
            key = (bytes.fromhex(match.group(1)).decode(), bytes.fromhex(match.group(2)).decode())
            with self.lock:
                return ("1", ["1"] if key in self.grants else [])
        match = re.fullmatch(r"SHOW GRANTS FOR (\S+@\S+)", text)
        if match:
            with self.lock:
                key = self._other(session, match.group(1))
                return ("Grants", self.grants[key].printed(self.accounts[key].name))
        match = re.fullmatch(r"CREATE USER (\S+@\S+) IDENTIFIED BY " + _STRING, text, re.DOTALL)
        if match:
            with self.lock:
                key = self._key(match.group(1))
                if "CREATE USER" not in session.privileges:
                    raise SQLError(1227, "42000", "Access denied; you need the CREATE USER privilege")
                if key in self.grants:
                    raise SQLError(1396, "HY000", "Operation CREATE USER failed")
                self.accounts[key] = FakeAccount(key[0], key[1], _unescape(match.group(2)))
                self.grants[key] = Grants()
            return None
        with self.lock:
            if self._change_grants(session, text):
                return None
        match = re.fullmatch(r"ALTER USER (\S+@\S+) REQUIRE (NONE|SSL|X509)", text)
        if match:
            with self.lock:
                key = self._other(session, match.group(1))
                self.grants[key].ssl_type = {"NONE": "", "SSL": "ANY"}.get(match.group(2), match.group(2))
            return None
        match = re.fullmatch(r"ALTER USER (\S+@\S+) DEFAULT ROLE NONE", text)
        if match:
            with self.lock:
                self._other(session, match.group(1))
            return None
        # The password part, then the limits and policies the copy carries over (recorded only).
        match = re.fullmatch(r"(ALTER USER \S+@\S+ IDENTIFIED (?:WITH \w+ )?BY " + _STRING + r")"
                             r" WITH MAX_QUERIES_PER_HOUR .*", text, re.DOTALL)
        if match:
            return super()._execute(session, match.group(1))
        return super()._execute(session, statement)
