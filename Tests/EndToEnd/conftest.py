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
    "ResourceNotFoundException", "Configuration", "DatabaseTLSFailed", "InsecureAuthentication",
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

# Reliability suite (test_reliability_*.py): fault injection in moto, a
# dedicated MariaDB server that tests may stop, freeze and kill, and the
# figures the suite writes at the end of the session.
# ---------------------------------------------------------------------------

import dataclasses  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls `condition` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}", pytrace=False)
        time.sleep(interval)  # polling a condition, bounded by the deadline above


@dataclass
class ReliabilityFigures:
    """What the reliability suite did and found; written as JSON at the end of the session."""
    secrets_manager_faults: int = 0
    database_faults: int = 0
    process_kills: int = 0
    rotations_completed: int = 0
    rotations_checked: int = 0
    credentials_lost: int = 0
    clean_failures: int = 0

    @property
    def faults_injected(self) -> int:
        return self.secrets_manager_faults + self.database_faults + self.process_kills


FIGURES = ReliabilityFigures()


class MotoHarness:
    """moto_server.py's /_harness endpoints: injected faults and call counts."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def _call(self, path: str, payload: dict | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.endpoint + path, data=data,
                                         method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def fault(self, operation: str, kind: str, count: int = 1, **extra: Any) -> None:
        self._call("/_harness/faults", {"operation": operation, "kind": kind, "count": count, **extra})

    def reset(self) -> None:
        """Clears pending faults and releases held answers, counting the faults that happened."""
        FIGURES.secrets_manager_faults += sum(rule["injected"] for rule in self._call("/_harness/faults"))
        self._call("/_harness/faults/reset", {})

    def reset_calls(self) -> None:
        self._call("/_harness/calls/reset", {})

    def calls(self) -> dict[str, int]:
        return self._call("/_harness/calls")

    def held(self) -> int:
        return self._call("/_harness/held")["held"]


@pytest.fixture
def moto(services: Services) -> Iterator[MotoHarness]:
    """The harness, with no fault left behind for the next test."""
    harness = MotoHarness(services.endpoint)
    harness.reset()
    yield harness
    harness.reset()


class DedicatedMariaDB:
    """A MariaDB server of the suite's own, with the services' TLS material,
    so tests can stop, freeze (SIGSTOP) and kill it without disturbing the
    shared servers. Started the way scripts/services.sh starts them."""

    def __init__(self, services: Services):
        self.services = services
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-mariadb-", dir=services.state_dir))
        self.socket = self.dir / "mysqld.sock"
        self.log = self.dir / "error.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.admin_password = secrets.token_hex(24)
        REGISTRY.add(self.admin_password)
        (self.dir / "tmp").mkdir()
        install = subprocess.run(
            ["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={self.dir / 'data'}",
             "--auth-root-authentication-method=socket", "--skip-test-db"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert install.returncode == 0, "mariadb-install-db failed for the dedicated server"
        self.start()
        # SQL on stdin, never on a command line.
        self._root_sql(f"CREATE USER '{services.admin_user}'@'127.0.0.1' IDENTIFIED BY '{self.admin_password}';"
                       f"GRANT ALL PRIVILEGES ON *.* TO '{services.admin_user}'@'127.0.0.1' WITH GRANT OPTION;"
                       "CREATE DATABASE appdb;")
        self.db = Database(dataclasses.replace(services, port=self.port, admin_password=self.admin_password))

    def _mariadbd(self) -> str:
        for candidate in ("/usr/sbin/mariadbd", "/usr/local/sbin/mariadbd"):
            if os.access(candidate, os.X_OK):
                return candidate
        return "mariadbd"

    def start(self) -> None:
        """Starts the server (on the same port after the first time) and waits until it answers."""
        assert self.process is None, "the dedicated server is already running"
        tls = Path(self.services.state_dir) / "tls"
        for _ in range(3):
            port = self.port or _free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [self._mariadbd(), "--no-defaults", "--user=root", f"--datadir={self.dir / 'data'}",
                     f"--socket={self.socket}", f"--pid-file={self.dir / 'mysqld.pid'}", f"--port={port}",
                     "--bind-address=127.0.0.1", "--skip-name-resolve", f"--tmpdir={self.dir / 'tmp'}",
                     "--innodb-buffer-pool-size=32M", "--skip-performance-schema",
                     "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                     f"--ssl-ca={tls / 'ca.pem'}", f"--ssl-cert={tls / 'server.pem'}",
                     f"--ssl-key={tls / 'server-key.pem'}"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_until_ready():
                self.port = port
                return
            self.process.kill()
            self.process.wait()
            self.process = None
        pytest.fail("the dedicated MariaDB server did not start; see " + str(self.log), pytrace=False)

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            ping = subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={self.socket}", "-u", "root",
                                   "ping"], stdin=subprocess.DEVNULL, capture_output=True)
            if ping.returncode == 0:
                return True
            time.sleep(0.1)  # polling readiness, bounded by the deadline
        return False

    def _root_sql(self, sql: str) -> None:
        result = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-u", "root"],
                                input=sql.encode(), capture_output=True)
        assert result.returncode == 0, "SQL as root on the dedicated server failed"

    def stop(self) -> None:
        """A clean shutdown (SIGTERM)."""
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def kill(self) -> None:
        """SIGKILL: the server dies with whatever it was doing."""
        if self.process is not None:
            self.resume()
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.stop()


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def dedicated_mariadb(services: Services) -> Iterator[DedicatedMariaDB]:
    server = DedicatedMariaDB(services)
    yield server
    server.close()


@pytest.fixture
def dedicated_server(dedicated_mariadb: DedicatedMariaDB) -> Iterator[DedicatedMariaDB]:
    """The dedicated server, running and unlocked again after the test whatever it did."""
    if dedicated_mariadb.process is None:
        dedicated_mariadb.start()
    yield dedicated_mariadb
    dedicated_mariadb.resume()
    if dedicated_mariadb.process is None or dedicated_mariadb.process.poll() is not None:
        dedicated_mariadb.process = None
        dedicated_mariadb.start()


def create_account(sm: Any, db: Database, *, extra: dict | None = None) -> Account:
    """A user on `db`'s server and its secret, like make_account."""
    username = unique("rel")
    password = new_password()
    db.create_user(username, password)
    secret = {"engine": "mariadb", "host": db.services.host, "port": db.services.port,
              "username": username, "password": password, "dbname": "appdb", **(extra or {})}
    created = sm.create_secret(Name=unique("e2e/reliability"), SecretString=json.dumps(secret))
    return Account(username, password, created["ARN"], created["Name"], created["VersionId"])


def rotation_state(sm: Any, db: Database, account: Account) -> dict[str, Any]:
    """Labels, value digests and which stages' passwords log in: safe to compare and print."""
    labels = stages(sm, account.arn)
    logs_in: dict[str, bool | None] = {}
    for stage in ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"):
        version = version_with(labels, stage)
        value = secret_value(sm, account.arn, VersionId=version) if version else None
        logs_in[stage] = db.can_login(account.username, json.loads(value)["password"]) if value else None
    return {"secret": snapshot(sm, account.arn), "database": db.auth_digest(account.username),
            "logs_in": logs_in}


def check_not_lost(sm: Any, db: Database, account: Account, *, mid_rotation: bool = False) -> None:
    """Counts and asserts: after a rotation, AWSCURRENT's or AWSPREVIOUS's
    password logs in. In the middle of one (a step failed or was cut off) the
    database may already hold the AWSPENDING password, as it does between
    setSecret and finishSecret, and the remaining steps will finish the
    rotation with it: then AWSPENDING's counts too."""
    logs_in = rotation_state(sm, db, account)["logs_in"]
    FIGURES.rotations_checked += 1
    stages_that_count = ("AWSCURRENT", "AWSPREVIOUS") + (("AWSPENDING",) if mid_rotation else ())
    kept = any(logs_in[stage] for stage in stages_that_count)
    if not kept:
        FIGURES.credentials_lost += 1
    assert kept, "credential lost: no password of " + ", ".join(stages_that_count) + " logs in"


def check_completed(sm: Any, db: Database, account: Account, token: str) -> None:
    """The rotation under `token` is finished and its password is the one that works."""
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token, "AWSCURRENT is not on the rotation's version"
    new_logs_in = db.can_login(account.username, secret_dict(sm, account.arn)["password"])
    assert new_logs_in, "the new AWSCURRENT password does not log in"
    check_not_lost(sm, db, account)
    FIGURES.rotations_completed += 1


def invoke_in_background(emulator: Emulator, body: dict) -> tuple[threading.Thread, list]:
    """Starts an invoke on a thread; the list receives (ok, body) when it returns."""
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(emulator.invoke(body)), daemon=True)
    thread.start()
    return thread, outcome


def reliability_report_path(services: Services) -> Path:
    return Path(os.environ.get("RELIABILITY_REPORT") or Path(services.state_dir) / "reliability.json")


@pytest.fixture(scope="session")
def reliability_figures(services: Services, request: pytest.FixtureRequest) -> Iterator[ReliabilityFigures]:
    """Requested by every reliability test; at the end of the session it scans
    every function log for every registered password and writes the figures."""
    yield FIGURES
    logs = [path for path in REGISTRY.log_files if path.exists()]
    report = {
        "faults_injected": FIGURES.faults_injected,
        "secrets_manager_faults": FIGURES.secrets_manager_faults,
        "database_faults": FIGURES.database_faults,
        "process_kills": FIGURES.process_kills,
        "clean_failures": FIGURES.clean_failures,
        "rotations_completed": FIGURES.rotations_completed,
        "rotations_checked": FIGURES.rotations_checked,
        "credentials_lost": FIGURES.credentials_lost,
        "passwords_registered": len(REGISTRY),
        "log_files_scanned": len(logs),
        "passwords_found_in_logs": REGISTRY.count_in(logs),
    }
    path = reliability_report_path(services)
    path.write_text(json.dumps(report, indent=2) + "\n")
    line = ("reliability: " + ", ".join(f"{key}={value}" for key, value in report.items())
            + f" (written to {path})")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        # Session teardown runs under output capture, which would swallow the line.
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)
