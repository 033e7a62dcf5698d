"""Fixtures and hooks of the end-to-end suite; the helpers behind them are
in the harness package (harness/, shared with the bench and the demo;
pytest.ini's pythonpath makes it importable).

The services (two MariaDB servers and moto) are started by scripts/test.sh,
which exports the variables of STATE_DIR/env before running pytest. The tests
use boto3 and pymysql as oracles independent of the product, and drive the
product binary through harness/runtime_emulator.py exactly as Lambda would.

Secrets discipline: every password the suite creates or reads goes into
harness.secrets.REGISTRY (in memory only); when the session ends,
harness.leak_scan searches everything the function printed for every one
of them, and a hit fails the run.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import Emulator, Services, rotator_command, rotator_environment
from harness.accounts import RotationAdmin, create_account, create_rotation_admin, drop_rotation_admin
from harness.database import Database, services_from_environment
from harness.dedicated_server import DedicatedMariaDB
from harness.lambda_package import (
    SYSTEM_CA_BUNDLE,
    TASK,
    function_command,
    given_or_built_zip,
    make_root,
    packaged_environment,
)
from harness.leak_scan import LeakScan, harvest_moto, service_logs
from harness.reliability import FIGURES, CountingMotoHarness, ReliabilityFigures, report_path, write_report
from harness.secrets import REGISTRY, SecretRegistry
from harness.skip_guard import SkipGuard

pytest_plugins = ["pytester"]  # the leak scan's own test runs a session of its own


def pytest_configure(config: pytest.Config) -> None:
    # Tracebacks: pytest's long style prints every frame's arguments and -l
    # prints every local; both would print passwords passed to helpers. Short
    # style shows only source lines and the (secret-free) assertion messages.
    if config.option.tbstyle in ("auto", "long"):
        config.option.tbstyle = "short"
    config.option.showlocals = False
    config.addinivalue_line(
        "markers", "admin_grants(*grants): the grants of the module's `admin` fixture")
    config.addinivalue_line(
        "markers", "log_formats(*formats): run each test using start_rotator once per AWS_LAMBDA_LOG_FORMAT")
    # The state dir is read when the session ends, so a scan needs no services fixture.
    state_dir = os.environ.get("TEST_STATE_DIR")
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT")
    config.pluginmanager.register(
        LeakScan(REGISTRY, lambda: itertools.chain(REGISTRY.log_files, service_logs(state_dir)),
                 harvest=(lambda: harvest_moto(endpoint, REGISTRY)) if endpoint else None),
        "leak-scan")
    # No skipped tests, ever (harness/skip_guard.py says what counts as one).
    config.pluginmanager.register(SkipGuard(), "skip-guard")


@pytest.fixture(scope="session")
def registry() -> SecretRegistry:
    return REGISTRY


# ---------------------------------------------------------------------------
# Services and the oracles
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def services() -> Services:
    return services_from_environment()


@pytest.fixture(scope="session")
def sm(services: Services) -> Any:
    return services.secrets_manager(retries={"mode": "standard", "max_attempts": 3})


@pytest.fixture(scope="session")
def db(services: Services) -> Database:
    return Database(services)


@pytest.fixture
def make_account(sm: Any, db: Database) -> Callable[..., Any]:
    """make_account(username=None, *, username_key, password_key, extra, secret_string, drop,
    create_user): a user on the shared server and its secret (harness.accounts.create_account)."""
    return functools.partial(create_account, sm, db)


@pytest.fixture(scope="module")
def admin(request: pytest.FixtureRequest, sm: Any, db: Database) -> Iterator[RotationAdmin]:
    """rotation_admin@127.0.0.1 holding exactly the grants its module names
    (pytestmark = pytest.mark.admin_grants(...)), built for the module and dropped after it."""
    marker = request.node.get_closest_marker("admin_grants")
    if marker is None or not marker.args:
        pytest.fail(f"{request.node.name} uses `admin` without an admin_grants(...) mark", pytrace=False)
    created = create_rotation_admin(sm, db, marker.args)
    yield created
    drop_rotation_admin(db)


# ---------------------------------------------------------------------------
# The product, through the Runtime API emulator
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator-logs")


@pytest.fixture
def start_emulator(log_dir: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Emulator]]:
    """Factory: start_emulator(command, **Emulator kwargs); each gets its own log, which the leak scan reads."""
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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # A module marked log_formats("text", "JSON") runs each test that starts
    # the product once per format, so the leak scan reads JSON logs too.
    marker = metafunc.definition.get_closest_marker("log_formats")
    if marker is not None and "log_format" in metafunc.fixturenames:
        metafunc.parametrize("log_format", marker.args, indirect=True)


@pytest.fixture
def log_format(request: pytest.FixtureRequest) -> str:
    """AWS_LAMBDA_LOG_FORMAT for start_rotator: "text" unless the module's log_formats mark says more."""
    return getattr(request, "param", "text")


@pytest.fixture
def start_rotator(start_emulator: Callable[..., Emulator], services: Services,
                  log_format: str) -> Callable[..., Emulator]:
    """start_rotator(timeout=60, **extra_env) -> an Emulator running the product."""

    def start(*, timeout: float = 60.0, **extra_env: str) -> Emulator:
        if log_format != "text":
            extra_env.setdefault("AWS_LAMBDA_LOG_FORMAT", log_format)
        command, task_root = rotator_command()
        return start_emulator(command, env=rotator_environment(services, **extra_env),
                              task_root=task_root, timeout=timeout, function_name="rotator")

    return start


@pytest.fixture
def rotator(start_rotator: Callable[..., Emulator]) -> Emulator:
    return start_rotator()


# ---------------------------------------------------------------------------
# Reliability: faults in moto, the dedicated server, the report
# ---------------------------------------------------------------------------

@pytest.fixture
def moto(services: Services) -> Iterator[CountingMotoHarness]:
    """moto's /_harness, with no fault left behind for the next test; counts the faults injected."""
    harness = CountingMotoHarness(services.endpoint)
    harness.reset()
    yield harness
    harness.reset()


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


@pytest.fixture(scope="session")
def reliability_figures(services: Services, request: pytest.FixtureRequest) -> Iterator[ReliabilityFigures]:
    """Used by every reliability test; at the end of the session it writes
    the figures (with a scan of every function log) and prints their line."""
    yield FIGURES
    line = write_report(report_path(services.state_dir), REGISTRY)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        # Session teardown runs under output capture, which would swallow the line.
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)


# ---------------------------------------------------------------------------
# The deployment zip, run under chroot as Lambda runs it (harness/lambda_package.py)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def package_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return given_or_built_zip(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def lambda_root(package_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root whose CA bundle trusts the test CA, as a user's bundle would trust RDS's."""
    ca = Path(os.environ["TEST_MARIADB_CA"]).read_bytes() + SYSTEM_CA_BUNDLE.read_bytes()
    return make_root(tmp_path_factory.mktemp("lambda"), package_zip, ca)


@pytest.fixture
def start_packaged(start_emulator: Callable[..., Emulator], services: Services) -> Callable[..., Emulator]:
    """start_packaged(root, **extra_env): the emulator running the unpacked zip under chroot."""

    def start(root: Path, **extra_env: str) -> Emulator:
        return start_emulator(function_command(root), env=packaged_environment(services, **extra_env),
                              task_root=root / TASK.lstrip("/"), timeout=30.0, function_name="rotator")

    return start
