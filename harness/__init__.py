"""The test harness, one package: what the end-to-end tests (Tests/EndToEnd),
the benches (scripts/bench.sh) and the demo (scripts/demo.sh) run on.

Shared by the tests, the benches and the demo: the services, the function's
command and environment, the Runtime API emulator, moto's /_harness
endpoints and the passwords they make:

    services          the services of scripts/services.sh, from STATE_DIR/env
    rotator           the function's command, environment and events; its log's JSON records
    emulator          the Runtime API emulator's client; runtime_emulator,
                      runtime_api_server, runtime_sandbox: the emulator itself
    moto_server       moto with moto_patches and moto_faults (the /_harness
                      endpoints); moto_harness: their client
    passwords         SecretRegistry; secrets.new_password registers each one it makes
    bench, bench_network, tls_front, latency_proxy: the benches
    demo, check       scripts/demo.sh and scripts/check.sh
    oracles           tables read off botocore, run by the Swift tests too

The end-to-end suite's helpers, by concern:

    database     pymysql as an oracle (Database), the services for a test
                 (services: run_sql, AdminConnection, the server without TLS)
    secrets      the secret registry, new_password (registered), mariadb_secret, reading secrets in moto
    accounts     MariaDB users and their secrets; the admin account by its grants
    rotation     driving the function through the emulator, step by step
    preflight    the preflight check through the emulator, and what every case asserts
    fleet        the fleet check (CheckAll) under a function name of a test's own
    lambda_package  the deployment zip unpacked into a Lambda-like root, run under chroot
    contract     what the docs promise: its errorTypes
    fakes        a fake MySQL 8 server, for what MariaDB cannot do (hostile: servers that
                 try to get a password; ssl_strip: a proxy that clears CLIENT_SSL in a
                 real server's greeting; loopback: their shared accept loop; mysql_wire:
                 the packets they all speak)
    leak_scan    the session-end scan for secrets in what the function printed
    reliability  fault injection, the dedicated server, the reliability report

Modules run as `python -m harness.NAME` from the checkout's root (the shell
scripts do), and pytest finds the package through Tests/EndToEnd/pytest.ini's
pythonpath: nothing edits sys.path.
"""

from .emulator import Emulator, EmulatorError
from .moto_harness import MotoHarness
from .passwords import SecretRegistry
from .rotator import (
    REPO_ROOT,
    ROTATION_LAMBDA_ARN,
    STEPS,
    event,
    rotator_command,
    rotator_environment,
    start_rotation,
)
from .secrets import new_password
from .services import Services, ServicesMissing, logs_in

FIXTURES = REPO_ROOT / "Tests" / "EndToEnd" / "fixtures"

__all__ = [
    "Emulator", "EmulatorError", "MotoHarness", "SecretRegistry", "new_password",
    "REPO_ROOT", "ROTATION_LAMBDA_ARN", "STEPS", "event", "rotator_command",
    "rotator_environment", "start_rotation", "Services", "ServicesMissing", "logs_in", "FIXTURES",
]
