"""Shared fixtures for the end-to-end suite.

The services (two MariaDB servers and moto) are started by scripts/test.sh,
which exports the variables of STATE_DIR/env before running pytest. The tests
use boto3 and pymysql as oracles independent of the product, and drive the
product binary through scripts/runtime_emulator.py exactly as Lambda would.

Secrets discipline: every password the suite creates or reads goes into
REGISTRY (in memory only). Assertion messages never contain them; values are
compared through booleans or digests, never `assert a == b` on passwords
(pytest would print both sides). test_zz_no_secret_in_logs.py scans every
emulator log for every registered password.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shlex
import string
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import boto3
import botocore.config
import botocore.exceptions
import pymysql
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from harness import Emulator  # noqa: E402

ROTATION_LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
# The error types the product may report (see the binary's contract), plus any
# Secrets Manager __type passed through.
PRODUCT_ERROR_TYPES = {
    "InvalidEvent", "RotationNotEnabled", "VersionNotFound", "VersionNotPending",
    "InvalidSecret", "PendingSecretMismatch", "AdminSecretMismatch", "DatabaseLoginFailed", "DatabaseError",
    "ResourceNotFoundException", "Configuration",
    "InvalidRequestException", "InvalidParameterException", "ResourceExistsException",
}


# ---------------------------------------------------------------------------
# Secret registry
# ---------------------------------------------------------------------------

class SecretRegistry:
    """Every secret value the suite has made or seen, and every log it produced."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self.log_files: set[Path] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 8:
            self._values.add(value)

    def add_from_secret(self, secret: Any) -> None:
        if isinstance(secret, dict):
            for key, value in secret.items():
                if "password" in key.lower():
                    self.add(value)

    def __len__(self) -> int:
        return len(self._values)

    def _forms(self, value: str) -> set[str]:
        # As written raw, and as it appears inside a JSON string.
        return {value, json.dumps(value)[1:-1]}

    def redact(self, text: str) -> str:
        for value in self._values:
            for form in self._forms(value):
                text = text.replace(form, "<redacted>")
        return text

    def count_in(self, paths: Iterable[Path]) -> int:
        hits = 0
        for path in paths:
            try:
                content = Path(path).read_text("utf-8", errors="replace")
            except FileNotFoundError:
                continue
            for value in self._values:
                if any(form in content for form in self._forms(value)):
                    hits += 1
        return hits


REGISTRY = SecretRegistry()


@pytest.fixture(scope="session")
def registry() -> SecretRegistry:
    return REGISTRY


def digest(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, bytes)):
        value = json.dumps(value, sort_keys=True)
    if isinstance(value, str):
        value = value.encode()
    return hashlib.sha256(value).hexdigest()[:16]


def new_password(length: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    REGISTRY.add(password)
    return password


# ---------------------------------------------------------------------------
# Tracebacks: pytest's long style prints every frame's arguments and -l prints
# every local; both would print passwords passed to helpers. Short style
# shows only source lines and the (secret-free) assertion messages.
# ---------------------------------------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    if config.option.tbstyle in ("auto", "long"):
        config.option.tbstyle = "short"
    config.option.showlocals = False


# ---------------------------------------------------------------------------
# No skipped tests, ever: a skip would hide a test that silently stopped running.
# ---------------------------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped:
        terminalreporter.write_line(
            f"ERROR: {len(_skipped)} test(s) skipped or xfailed; this suite allows none:", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"  {nodeid}")


# ---------------------------------------------------------------------------
# Emulator
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator-logs")


@pytest.fixture
def start_emulator(log_dir: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Emulator]]:
    """Factory: start_emulator(command, **Emulator kwargs); each gets its own log."""
    started: list[Emulator] = []

    def start(command: list[str], **kwargs: Any) -> Emulator:
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        log_path = log_dir / f"{name}-{len(started)}.log"
        REGISTRY.log_files.add(log_path)
        emulator = Emulator(command, log_path=log_path, **kwargs)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.close()


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Services:
    host: str
    port: int
    plain_port: int
    admin_user: str
    admin_password: str
    ca: str
    wrong_ca: str
    endpoint: str
    state_dir: str


SERVICE_VARIABLES = (
    "TEST_MARIADB_HOST", "TEST_MARIADB_PORT", "TEST_MARIADB_PLAIN_PORT",
    "TEST_MARIADB_ADMIN_USER", "TEST_MARIADB_ADMIN_PASSWORD", "TEST_MARIADB_CA",
    "TEST_MARIADB_WRONG_CA", "SECRETS_MANAGER_ENDPOINT", "TEST_STATE_DIR",
)


@pytest.fixture(scope="session")
def services() -> Services:
    missing = [name for name in SERVICE_VARIABLES if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "services are not running (unset: " + ", ".join(missing) + "); run scripts/test.sh, "
            "or scripts/services.sh start DIR and source DIR/env", pytrace=False)
    env = os.environ
    REGISTRY.add(env["TEST_MARIADB_ADMIN_PASSWORD"])
    return Services(
        host=env["TEST_MARIADB_HOST"], port=int(env["TEST_MARIADB_PORT"]),
        plain_port=int(env["TEST_MARIADB_PLAIN_PORT"]),
        admin_user=env["TEST_MARIADB_ADMIN_USER"],
        admin_password=env["TEST_MARIADB_ADMIN_PASSWORD"],
        ca=env["TEST_MARIADB_CA"], wrong_ca=env["TEST_MARIADB_WRONG_CA"],
        endpoint=env["SECRETS_MANAGER_ENDPOINT"], state_dir=env["TEST_STATE_DIR"],
    )


@pytest.fixture(scope="session")
def sm(services: Services) -> Any:
    return boto3.client(
        "secretsmanager", endpoint_url=services.endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}),
    )


class Database:
    """pymysql against the TLS server, always verifying its certificate."""

    def __init__(self, services: Services):
        self.services = services

    def connect(self, user: str, password: str, **kwargs: Any) -> pymysql.connections.Connection:
        return pymysql.connect(
            host=self.services.host, port=self.services.port, user=user, password=password,
            ssl_ca=self.services.ca, ssl_verify_cert=True, ssl_verify_identity=True,
            connect_timeout=10, autocommit=True, **kwargs)

    def admin(self) -> pymysql.connections.Connection:
        return self.connect(self.services.admin_user, self.services.admin_password)

    def can_login(self, user: str, password: str) -> bool:
        """True if the password logs in, False if refused; other failures raise."""
        try:
            connection = self.connect(user, password)
        except pymysql.err.OperationalError as error:
            if error.args and error.args[0] == 1045:  # access denied
                return False
            raise
        with connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                return cursor.fetchone() == (1,)

    def execute(self, sql: str, args: Any = None) -> list[tuple]:
        with self.admin() as connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def create_user(self, user: str, password: str) -> None:
        self.execute("CREATE DATABASE IF NOT EXISTS appdb")
        self.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        self.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
        self.execute("GRANT SELECT ON appdb.* TO %s@'127.0.0.1'", (user,))

    def auth_digest(self, user: str) -> str | None:
        """A digest of the user's stored credentials, to tell whether they changed."""
        rows = self.execute("SHOW CREATE USER %s@'127.0.0.1'", (user,))
        return digest(rows[0][0])


@pytest.fixture(scope="session")
def db(services: Services) -> Database:
    return Database(services)


# ---------------------------------------------------------------------------
# Accounts: a MariaDB user plus its secret in moto
# ---------------------------------------------------------------------------

@dataclass
class Account:
    username: str
    password: str          # the initial one
    arn: str
    name: str
    initial_version: str


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_account(services: Services, sm: Any, db: Database) -> Callable[..., Account]:
    """make_account(username=None, *, username_key, password_key, extra, secret_string, with_user)."""

    def make(username: str | None = None, *, username_key: str = "username",
             password_key: str = "password", extra: dict | None = None,
             secret_string: str | None = None, drop: Iterable[str] = (),
             create_user: bool = True) -> Account:
        username = username or unique("app")
        password = new_password()
        if create_user:
            db.create_user(username, password)
        if secret_string is None:
            secret = {"engine": "mariadb", "host": services.host, "port": services.port,
                      username_key: username, password_key: password, "dbname": "appdb"}
            secret.update(extra or {})
            for key in drop:
                secret.pop(key, None)
            secret_string = json.dumps(secret)
        name = unique("e2e/secret")
        created = sm.create_secret(Name=name, SecretString=secret_string)
        return Account(username, password, created["ARN"], name, created["VersionId"])

    return make


# ---------------------------------------------------------------------------
# Observing Secrets Manager without exposing values
# ---------------------------------------------------------------------------

def stages(sm: Any, arn: str) -> dict[str, list[str]]:
    described = sm.describe_secret(SecretId=arn)
    return {version: sorted(labels)
            for version, labels in described.get("VersionIdsToStages", {}).items() if labels}


def secret_value(sm: Any, arn: str, **selector: str) -> str | None:
    """The SecretString of a version, or None when it has no value (a rotation stub)."""
    try:
        value = sm.get_secret_value(SecretId=arn, **selector)["SecretString"]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    try:
        REGISTRY.add_from_secret(json.loads(value))
    except ValueError:
        pass
    return value


def secret_dict(sm: Any, arn: str, **selector: str) -> dict[str, Any]:
    value = secret_value(sm, arn, **selector)
    assert value is not None, f"secret has no value for {selector or 'AWSCURRENT'}"
    return json.loads(value)


def snapshot(sm: Any, arn: str) -> dict[str, Any]:
    """Labels and value digests of every labelled version: safe to compare and print."""
    labels = stages(sm, arn)
    return {"stages": labels,
            "values": {version: digest(secret_value(sm, arn, VersionId=version))
                       for version in labels}}


def version_with(labels: dict[str, list[str]], stage: str) -> str | None:
    holders = [version for version, stage_list in labels.items() if stage in stage_list]
    assert len(holders) <= 1, f"{stage} is on {len(holders)} versions"
    return holders[0] if holders else None


# ---------------------------------------------------------------------------
# The product under test
# ---------------------------------------------------------------------------

def rotator_command() -> tuple[list[str], Path]:
    """The function command and its task root: the real bootstrap unless overridden."""
    override = os.environ.get("ROTATOR_COMMAND")
    if override:
        command = shlex.split(override)
        executable = Path(command[0])
        if not executable.is_absolute():
            executable = (REPO_ROOT / executable) if (REPO_ROOT / executable).exists() else executable
            command[0] = str(executable)
        return command, Path(command[0]).resolve().parent
    return [str(REPO_ROOT / "bootstrap")], REPO_ROOT


def rotator_environment(services: Services, **extra: str) -> dict[str, str]:
    # The function never gets the admin password: the single-user strategy has
    # no business with it, and then it cannot leak it either.
    env = {k: v for k, v in os.environ.items() if k != "TEST_MARIADB_ADMIN_PASSWORD"}
    env.update({
        "ROTATION_STRATEGY": "self",
        "PASSWORD_LENGTH": "32",
        "DB_CA_BUNDLE": services.ca,
        "REQUIRE_TLS": "true",
        "SECRETS_MANAGER_ENDPOINT": services.endpoint,
    })
    env.update(extra)
    return env


@pytest.fixture
def start_rotator(start_emulator: Callable[..., Emulator], services: Services) -> Callable[..., Emulator]:
    """start_rotator(**extra_env) -> an Emulator running the product."""

    def start(*, timeout: float = 60.0, **extra_env: str) -> Emulator:
        command, task_root = rotator_command()
        return start_emulator(command, env=rotator_environment(services, **extra_env),
                              task_root=task_root, timeout=timeout, function_name="rotator")

    return start


@pytest.fixture
def rotator(start_rotator: Callable[..., Emulator]) -> Emulator:
    return start_rotator()


def event(arn: str, token: str, step: str) -> dict[str, str]:
    return {"SecretId": arn, "ClientRequestToken": token, "Step": step}


def describe_failure(step: str, body: Any) -> str:
    if isinstance(body, dict):
        text = f"{step} failed: {body.get('errorType')}: {body.get('errorMessage')}"
    else:
        text = f"{step} failed"
    return REGISTRY.redact(text)


def run_step(emulator: Emulator, arn: str, token: str, step: str) -> Any:
    ok, body = emulator.invoke(event(arn, token, step))
    assert ok, describe_failure(step, body)
    return body


def start_rotation(sm: Any, arn: str, token: str | None = None) -> str:
    """RotateSecret as the service does it (our moto makes the AWSPENDING stub)."""
    token = token or str(uuid.uuid4())
    sm.rotate_secret(SecretId=arn, ClientRequestToken=token,
                     RotationLambdaARN=ROTATION_LAMBDA_ARN,
                     RotationRules={"AutomaticallyAfterDays": 30})
    return token


def rotate(sm: Any, emulator: Emulator, arn: str) -> str:
    token = start_rotation(sm, arn)
    for step in STEPS:
        run_step(emulator, arn, token, step)
    return token


# ---------------------------------------------------------------------------
# The admin account of the admin and alternating strategies
# ---------------------------------------------------------------------------

ROTATION_ADMIN = "rotation_admin"


@dataclass
class RotationAdmin:
    username: str
    password: str
    arn: str


def create_rotation_admin(services: Services, sm: Any, db: Database, grants: Iterable[str]) -> RotationAdmin:
    """rotation_admin@127.0.0.1 holding exactly `grants` (each "PRIVILEGES ON object [WITH ...]",
    given "TO rotation_admin" as the README's lists are), and its secret in moto.

    Built from nothing each time, so a module proves its README grant list is
    sufficient on its own."""
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (ROTATION_ADMIN,))
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (ROTATION_ADMIN, password))
    for grant in grants:
        privileges, _, option = grant.partition(" WITH ")
        db.execute(f"GRANT {privileges} TO %s@'127.0.0.1'" + (f" WITH {option}" if option else ""),
                   (ROTATION_ADMIN,))
    secret = {"engine": "mariadb", "host": services.host, "port": services.port,
              "username": ROTATION_ADMIN, "password": password}
    created = sm.create_secret(Name=unique("e2e/rotation-admin"), SecretString=json.dumps(secret))
    return RotationAdmin(ROTATION_ADMIN, password, created["ARN"])


def drop_rotation_admin(db: Database) -> None:
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (ROTATION_ADMIN,))


def all_version_values(sm: Any, arn: str) -> list[str]:
    """The value of every version the secret ever had, labelled or not."""
    versions = sm.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)["Versions"]
    values = [secret_value(sm, arn, VersionId=version["VersionId"]) for version in versions]
    return [value for value in values if value is not None]


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
