"""The end-to-end suite's helpers, by concern:

    services     the services' environment, and pymysql as an oracle (Database)
    secrets      the secret registry, new_password, reading secrets in moto
    accounts     MariaDB users and their secrets; the admin account by its grants
    rotation     driving the function through the emulator, step by step
    contract     what the README promises: its errorTypes
    fakes        a fake MySQL 8 server, for what MariaDB cannot do (hostile: servers that
                 try to get a password; loopback: their shared accept loop)
    leak_scan    the session-end scan for secrets in what the function printed
    reliability  fault injection, the dedicated server, the reliability report

What scripts/bench.py and the demo need too lives in scripts/harness, which
this package puts on sys.path; conftest.py holds only fixtures and hooks.
"""

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
