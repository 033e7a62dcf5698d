"""RDS-managed admin secrets (rds!db-…, rds!cluster-…), read replicas and
Aurora readers, end to end.

moto serves RDS on the same port as Secrets Manager (harness/moto_server.py).
Its primary, the other instance and the Aurora cluster are created with the
TLS MariaDB's port; the read replica with the port of the real replica
scripts/services.sh runs. Their endpoint names (db….us-east-1.rds.amazonaws.com)
resolve for the function only: it runs under `unshare -m` with a private
/etc/hosts bind-mounted over the real one, naming 127.0.0.1 for all but the
Aurora reader endpoint, which names 127.0.0.2, where the real reader listens
on the cluster's port. So every endpoint is its own server, and each
server's general log (harness.replication) says where every login and
statement went: the password changes on the primary only, testSecret logs in
on the replica or reader, and waits out a replica whose replication is
paused (STOP SLAVE SQL_THREAD), logging in only after it resumes.

TLS is verified, as a secret without `ssl` gets it whenever the server
offers TLS: for this module the servers' certificate is reissued by the
test CA to name moto's endpoints too (FLUSH SSL), and restored after.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from harness import event, new_password, rotator_command, rotator_environment, start_rotation
from harness.accounts import ALTERNATING_STRATEGY_GRANTS
from harness.preflight import by_name, check
from harness.replication import GeneralLogs, execute, poll, replication_paused, replication_servers, wait_for_replica
from harness.rotation import describe_failure, rotate, run_step
from harness.secrets import REGISTRY, secret_dict, snapshot, unique


@pytest.fixture(scope="module")
def rds(services):
    return boto3.client("rds", endpoint_url=services.endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def servers(services):
    return replication_servers(services)


@pytest.fixture(scope="module")
def fleet(rds, services, servers):
    """An RDS MySQL primary with a read replica, another instance, and an
    Aurora MySQL cluster with a writer and a reader; the replica on the real
    replica's port, the rest on the TLS server's (the reader's host is 127.0.0.2)."""
    tag = uuid.uuid4().hex[:8]
    names = {key: f"{key}-{tag}" for key in ("primary", "other", "aurora")}
    common = {"DBInstanceClass": "db.t3.micro", "MasterUsername": "unused",
              "MasterUserPassword": new_password(16), "Port": services.port, "AllocatedStorage": 20}
    primary = rds.create_db_instance(DBInstanceIdentifier=names["primary"], Engine="mysql", **common)["DBInstance"]
    other = rds.create_db_instance(DBInstanceIdentifier=names["other"], Engine="mysql", **common)["DBInstance"]
    replica = rds.create_db_instance_read_replica(
        DBInstanceIdentifier=f"{names['primary']}-replica", SourceDBInstanceIdentifier=names["primary"],
        Port=servers["replica"].port)["DBInstance"]
    cluster = rds.create_db_cluster(DBClusterIdentifier=names["aurora"], Engine="aurora-mysql",
                                    MasterUsername="unused", MasterUserPassword=new_password(16),
                                    Port=services.port)["DBCluster"]
    for member in ("a", "b"):
        rds.create_db_instance(DBInstanceIdentifier=f"{names['aurora']}-{member}", DBInstanceClass="db.r5.large",
                               Engine="aurora-mysql", DBClusterIdentifier=names["aurora"])
    cluster = rds.describe_db_clusters(DBClusterIdentifier=names["aurora"])["DBClusters"][0]
    assert replica["Endpoint"]["Port"] == servers["replica"].port, "setup: moto did not take the replica's port"
    assert cluster["Port"] == servers["reader"].port, "setup: the reader is not on the cluster's port"
    hosts = {primary["Endpoint"]["Address"]: servers["primary"].host, other["Endpoint"]["Address"]: services.host,
             replica["Endpoint"]["Address"]: servers["replica"].host, cluster["Endpoint"]: servers["primary"].host,
             cluster["ReaderEndpoint"]: servers["reader"].host}
    with certificate_naming(services, servers, list(hosts)):
        yield {
            "primary": primary, "other": other, "replica": replica, "cluster": cluster,
            "hosts": hosts,
        }


@contextlib.contextmanager
def certificate_naming(services, servers, hosts):
    """The TLS servers' certificate, reissued by the test CA for 127.0.0.1,
    127.0.0.2, localhost and `hosts`, loaded with FLUSH SSL on each; the original is put back after."""
    tls = Path(services.state_dir) / "tls"
    original = (tls / "server.pem").read_bytes()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        names = ",".join(["IP:127.0.0.1", "IP:127.0.0.2", "DNS:localhost", *(f"DNS:{host}" for host in hosts)])
        (work / "ext.cnf").write_text(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage=serverAuth\nsubjectAltName={names}\n")
        subprocess.run(["openssl", "req", "-new", "-key", str(tls / "server-key.pem"), "-subj", "/CN=localhost",
                        "-out", str(work / "server.csr")], check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-sha256", "-days", "2", "-in", str(work / "server.csr"),
                        "-CA", str(tls / "ca.pem"), "-CAkey", str(tls / "ca-key.pem"), "-CAcreateserial",
                        "-extfile", str(work / "ext.cnf"), "-out", str(work / "server.pem")],
                       check=True, capture_output=True)
        (tls / "server.pem").write_bytes((work / "server.pem").read_bytes())
    for server in servers.values():
        execute(services, server, "FLUSH SSL")
    try:
        yield
    finally:
        (tls / "server.pem").write_bytes(original)
        for server in servers.values():
            execute(services, server, "FLUSH SSL")


@pytest.fixture(scope="module")
def rds_admin(services, sm, db):
    """A MariaDB admin and factories for RDS-style secrets holding only its
    username and password, tagged as RDS tags the secrets it manages."""
    username = unique("rds_admin")
    password = new_password()
    db.execute("CREATE DATABASE IF NOT EXISTS appdb")
    db.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (username, password))
    for grant in ALTERNATING_STRATEGY_GRANTS:
        privileges, _, option = grant.partition(" WITH ")
        db.execute(f"GRANT {privileges} TO %s@'127.0.0.1'" + (f" WITH {option}" if option else ""), (username,))

    def secret(kind: str | None, arn: str | None) -> str:
        tags = [{"Key": f"aws:rds:primaryDB{kind}Arn", "Value": arn}] if kind else []
        prefix = "rds!cluster-" if kind == "Cluster" else "rds!db-"
        created = sm.create_secret(Name=prefix + str(uuid.uuid4()), Tags=tags,
                                   SecretString=json.dumps({"username": username, "password": password}))
        return created["ARN"]

    yield username, password, secret
    db.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (username,))


@pytest.fixture
def start_in_namespace(start_emulator, services, fleet, tmp_path):
    """The product under `unshare -m`, its own /etc/hosts naming moto's endpoints 127.0.0.1."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to give the function its own /etc/hosts")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n" + "".join(f"{ip} {host}\n" for host, ip in fleet["hosts"].items()))

    def start(strategy: str):
        command, task_root = rotator_command()
        wrapped = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                   'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts), *command]
        env = rotator_environment(services, ROTATION_STRATEGY=strategy, REQUIRE_TLS="false",
                                  AWS_ENDPOINT_URL_RDS=services.endpoint)
        return start_emulator(wrapped, env=env, task_root=task_root, timeout=60.0, function_name="rotator")

    return start


@pytest.fixture
def user_secret(sm, db, services):
    def make(host: str, admin_arn: str, port: int | None = None) -> tuple[str, str, str]:
        username = unique("rdsapp")
        password = new_password()
        db.create_user(username, password)
        secret = {"engine": "mysql", "host": host, "port": port or services.port, "username": username,
                  "password": password, "dbname": "appdb", "masterarn": admin_arn}
        arn = sm.create_secret(Name=unique("e2e/rds-user"), SecretString=json.dumps(secret))["ARN"]
        return arn, username, password

    return make


def logged_fields(emulator, name: str) -> list[str]:
    emulator.close()  # flush the function's log
    text = emulator.log_path.read_text("utf-8", errors="replace")
    return re.findall(rf"step failed .*?\b{name}=(\S+)", text)


def test_an_rds_managed_instance_admin_rotates_a_user_under_admin(
        sm, db, fleet, rds_admin, start_in_namespace, user_secret):
    admin_user, admin_password, make_admin = rds_admin
    admin_arn = make_admin("Instance", fleet["primary"]["DBInstanceArn"])
    arn, username, password = user_secret(fleet["primary"]["Endpoint"]["Address"], admin_arn)
    admin_before = db.auth_digest(admin_user)
    emulator = start_in_namespace("admin")

    for _ in range(2):
        rotate(sm, emulator, arn)

    newest = secret_dict(sm, arn)["password"]
    assert db.can_login(username, newest), "the rotated password does not log in"
    assert not db.can_login(username, password), "the first password still logs in"
    assert db.auth_digest(admin_user) == admin_before, "the admin account changed"
    emulator.close()
    log = emulator.log_path.read_text("utf-8", errors="replace")
    assert admin_password not in log and REGISTRY.count_in([emulator.log_path]) == 0, "a password is in the log"
    assert re.search(r"step done .*\bstep=setSecret\b.*\brdsCalls=[1-9]", log), "setSecret did not ask RDS"


def test_an_rds_managed_cluster_admin_rotates_alternating_users(
        sm, db, fleet, rds_admin, start_in_namespace, user_secret):
    _, _, make_admin = rds_admin
    admin_arn = make_admin("Cluster", fleet["cluster"]["DBClusterArn"])
    arn, username, _ = user_secret(fleet["cluster"]["Endpoint"], admin_arn)
    emulator = start_in_namespace("alternating")

    users = []
    for _ in range(2):
        rotate(sm, emulator, arn)
        current = secret_dict(sm, arn)
        users.append(current["username"])
        assert db.can_login(current["username"], current["password"]), "the new AWSCURRENT does not log in"
    assert users == [username + "_clone", username], "the users did not alternate"


def on_replica(fleet, make_admin, servers, where):
    """(admin secret ARN, host, port) of a rotated secret on the replica or the reader endpoint."""
    if where == "replica":
        return (make_admin("Instance", fleet["primary"]["DBInstanceArn"]),
                fleet["replica"]["Endpoint"]["Address"], servers["replica"].port)
    return make_admin("Cluster", fleet["cluster"]["DBClusterArn"]), fleet["cluster"]["ReaderEndpoint"], fleet[
        "cluster"]["Port"]


@pytest.mark.parametrize("strategy", ["admin", "alternating"])
@pytest.mark.parametrize("where", ["replica", "reader"])
def test_a_user_on_a_replica_or_reader_is_rotated_through_the_primary(
        sm, db, services, servers, fleet, rds_admin, start_in_namespace, user_secret, where, strategy):
    # (A reader instance's own endpoint is accepted too: RotationTests; moto
    # gives cluster members port 3306 rather than the cluster's, so not here.)
    _, _, make_admin = rds_admin
    admin_arn, host, port = on_replica(fleet, make_admin, servers, where)
    arn, username, password = user_secret(host, admin_arn, port)
    emulator = start_in_namespace(strategy)
    pending_user = username + "_clone" if strategy == "alternating" else username
    token = start_rotation(sm, arn)

    with GeneralLogs(services, servers) as logs:
        run_step(emulator, arn, token, "createSecret")
        run_step(emulator, arn, token, "setSecret")
        before_test = {name: len(logs.logins(name, pending_user)) for name in servers}
        run_step(emulator, arn, token, "testSecret")
        tested = {name: logs.logins(name, pending_user)[before_test[name]:] for name in servers}
        run_step(emulator, arn, token, "finishSecret")
        writes = {name: logs.account_writes(name) for name in servers}
        primary_writes = logs.account_writes("primary", [username])

    other = "reader" if where == "replica" else "replica"
    assert writes[where] == [] and writes[other] == [], f"account statements sent to a replica: {writes}"
    expected = "CREATE USER" if strategy == "alternating" else "ALTER USER"
    assert expected in primary_writes, f"no {expected} on the primary: {primary_writes}"
    if strategy == "alternating":
        assert "SET DEFAULT ROLE" in primary_writes or "GRANT" in primary_writes, primary_writes
    assert [login.accepted for login in tested[where]][-1:] == [True], "testSecret did not log in on the " + where
    assert all(login.tls for login in tested[where]), "testSecret logged in without TLS"
    assert tested["primary"] == [] and tested[other] == [], "testSecret logged in elsewhere too"
    current = secret_dict(sm, arn)
    assert current["host"] == host and current["port"] == port, "the rotated secret's host or port changed"
    assert db.can_login(current["username"], current["password"]), "the rotated password does not log in"
    if strategy == "admin":
        assert not db.can_login(username, password), "the old password still logs in"


def refusals(logs, where, username, start) -> int:
    return sum(1 for login in logs.logins(where, username) if login.position >= start and not login.accepted)


@pytest.mark.parametrize("where", ["replica", "reader"])
def test_testsecret_waits_out_a_paused_replica(
        sm, db, services, servers, fleet, rds_admin, start_in_namespace, user_secret, where):
    """Replication paused (the SQL thread stopped) before setSecret: the new
    password reaches the replica only after START SLAVE SQL_THREAD. testSecret
    must be refused there first, still be running when replication resumes,
    and log in only after: an ordering in the replica's own log, no clock."""
    _, _, make_admin = rds_admin
    admin_arn, host, port = on_replica(fleet, make_admin, servers, where)
    arn, username, _ = user_secret(host, admin_arn, port)
    wait_for_replica(services, servers[where])  # the user itself is there before the pause
    emulator = start_in_namespace("admin")
    token = start_rotation(sm, arn)

    with GeneralLogs(services, servers) as logs, replication_paused(services, servers[where]) as resume:
        run_step(emulator, arn, token, "createSecret")
        run_step(emulator, arn, token, "setSecret")
        start = len(logs.entries(where))  # testSecret's logins come after this
        with ThreadPoolExecutor(max_workers=1) as pool:
            test = pool.submit(emulator.invoke, event(arn, token, "testSecret"))
            # Two refusals: testSecret was refused and tried again while paused.
            # A product that gives up at a refusal has answered by then, and
            # never logs in, whatever the moment of the resume below.
            poll(lambda: test.done() or refusals(logs, where, username, start) >= 2,
                 f"testSecret tried the pending password twice on the paused {where}")
            running_at_resume = not test.done()
            resume()
            ok, body = test.result(timeout=120)
        marker = logs.position_of(where, "START SLAVE SQL_THREAD")
        logins = [login for login in logs.logins(where, username) if login.position >= start]
        primary_writes = logs.account_writes("primary", [username])
        writes = logs.account_writes(where)

    assert running_at_resume, "testSecret returned while the replica was still paused: " + describe_failure(
        "testSecret", body)
    assert ok, describe_failure("testSecret", body)
    refused_before = [login for login in logins if login.position < marker and not login.accepted]
    accepted_before = [login for login in logins if login.position < marker and login.accepted]
    accepted_after = [login for login in logins if login.position > marker and login.accepted]
    assert len(refused_before) >= 2, "the pending password was not refused twice on the paused " + where
    assert not accepted_before, "the pending password logged in before replication resumed"
    assert accepted_after, "testSecret did not log in on the " + where + " after replication resumed"
    assert "ALTER USER" in primary_writes and writes == [], "the password was not changed on the primary only"
    run_step(emulator, arn, token, "finishSecret")
    assert db.can_login(username, secret_dict(sm, arn)["password"]), "the rotated password does not log in"


@pytest.mark.parametrize("case", ["host-of-another-instance", "tag-names-an-unknown-instance",
                                  "admin-without-host-or-tag"])
def test_an_admin_elsewhere_is_refused_before_any_login(
        sm, db, fleet, rds_admin, start_in_namespace, user_secret, case):
    _, _, make_admin = rds_admin
    host = fleet["primary"]["Endpoint"]["Address"]
    if case == "host-of-another-instance":
        admin_arn = make_admin("Instance", fleet["primary"]["DBInstanceArn"])
        host = fleet["other"]["Endpoint"]["Address"]
        expected = "AdminSecretMismatch"
    elif case == "tag-names-an-unknown-instance":
        admin_arn = make_admin("Instance", fleet["primary"]["DBInstanceArn"].rsplit(":", 1)[0] + ":no-such-db")
        expected = "AdminDatabaseNotFound"
    else:
        admin_arn = make_admin(None, None)
        expected = "InvalidSecret"
    arn, username, _ = user_secret(host, admin_arn)
    emulator = start_in_namespace("admin")
    token = start_rotation(sm, arn)
    run_step(emulator, arn, token, "createSecret")
    before = (snapshot(sm, arn), db.auth_digest(username))

    ok, body = emulator.invoke(event(arn, token, "setSecret"))

    assert not ok, "setSecret succeeded"
    assert body["errorType"] == expected, REGISTRY.redact(json.dumps(body))
    assert admin_arn in body["errorMessage"], "the error does not name the admin secret"
    assert (snapshot(sm, arn), db.auth_digest(username)) == before, "something changed"
    assert logged_fields(emulator, "databaseConnections") == ["0"], "a database login was tried"


def test_the_check_places_an_rds_managed_admin_as_set_secret_does(
        sm, db, fleet, rds_admin, start_in_namespace, user_secret):
    """The Check reads an RDS-managed admin secret (no host, a tag) as setSecret
    does, through RDS, instead of refusing it for a missing key (issue 18)."""
    admin_user, _, make_admin = rds_admin
    admin_arn = make_admin("Instance", fleet["primary"]["DBInstanceArn"])
    primary = fleet["primary"]["Endpoint"]["Address"]
    arn, _, _ = user_secret(primary, admin_arn)
    emulator = start_in_namespace("admin")

    report = check(emulator, arn)

    placed = by_name(report, "admin-secret")
    assert placed["ok"], placed["detail"]
    assert primary in placed["detail"] and admin_user in placed["detail"], placed["detail"]
    assert by_name(report, "login-admin")["ok"], by_name(report, "login-admin")["detail"]
    assert REGISTRY.count_in([emulator.log_path]) == 0, "a password is in the log"
