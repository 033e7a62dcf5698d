"""The deployment zip, run the way Lambda runs it, with nothing of this machine.

The zip from scripts/package.sh is unpacked into DIR/var/task of an otherwise
empty root holding only what every Lambda image has and this machine's layout
does not: a shell (static busybox as /bin/sh) and the CA bundle at Amazon
Linux's path, /etc/pki/tls/certs/ca-bundle.crt. `chroot DIR` then runs
/var/task/bootstrap as the emulator's function process, so every library,
the C library and its loader included, and every authentication plugin must
come from the zip: a missing or host-only dependency fails here as it would
on provided.al2 / provided.al2023.

The zip is ROTATOR_PACKAGE_ZIP when set (scripts/test.sh builds it once),
else built here with scripts/package.sh.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harness import REPO_ROOT, event, start_rotation
from harness.fakes import FakeMySQL8, caching_sha2_scramble
from harness.lambda_package import AMAZON_CA_BUNDLE, LOADER, SYSTEM_CA_BUNDLE, TASK, chroot, make_root
from harness.rotation import describe_failure, refused_set_secret, rotate
from harness.secrets import REGISTRY, new_password, secret_dict, secret_value, stages, unique, version_with

# The project's goal is 8 MiB; this budget only stops the zip from growing
# unnoticed (11.1 MiB when written, 11.5 MiB once the AWS layer had a target
# of its own; see docs/performance.md).
SIZE_BUDGET = int(11.75 * 1024 * 1024)


# ---------------------------------------------------------------------------
# The zip's shape
# ---------------------------------------------------------------------------

def test_zip_layout_and_modes(package_zip: Path):
    size = package_zip.stat().st_size
    assert size <= SIZE_BUDGET, f"zip is {size} bytes, over the {SIZE_BUDGET}-byte budget"
    with zipfile.ZipFile(package_zip) as archive:
        entries = {info.filename: info for info in archive.infolist()}
    for name in ("bootstrap", "rotator", "lib/ld-linux-x86-64.so.2", "lib/libc.so.6",
                 "lib/mariadb-plugin/caching_sha2_password.so"):
        assert name in entries, f"{name} is missing from the zip"
    for name in ("bootstrap", "rotator", "lib/ld-linux-x86-64.so.2"):
        mode = entries[name].external_attr >> 16
        assert mode & stat.S_IXOTH, f"{name} is not executable in the zip (mode {oct(mode)})"
    # The Swift runtime's C++ library is linked in, not shipped.
    assert not any("libstdc++" in name for name in entries), "libstdc++ is shipped"


# What Debian's libcurl.so.4 loaded and the function never uses; mapping them
# and resolving their symbols was most of a cold start (docs/performance.md).
UNUSED_LIBRARIES = ("libgnutls", "libnettle", "libhogweed", "libgmp", "libldap", "liblber", "libsasl2",
                    "libkrb5", "libgssapi", "librtmp", "libssh2", "libbrotli", "libzstd", "libnghttp2",
                    "libidn2", "libpsl", "libunistring", "libp11-kit", "libtasn1", "libffi")


def test_the_binary_links_curl_connector_c_and_openssl_in(package_zip: Path, tmp_path: Path):
    with zipfile.ZipFile(package_zip) as archive:
        names = archive.namelist()
        (tmp_path / "rotator").write_bytes(archive.read("rotator"))
    shipped = [name for name in names if name.startswith("lib/")]
    unused = [name for name in shipped if name.split("/")[-1].startswith(UNUSED_LIBRARIES)]
    assert unused == [], f"the zip ships libraries the function never uses: {unused}"
    dynamic = subprocess.run(["readelf", "-d", str(tmp_path / "rotator")], capture_output=True, text=True,
                             check=True).stdout
    needed = sorted(line.split("[", 1)[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line)
    assert needed == ["ld-linux-x86-64.so.2", "libc.so.6", "libgcc_s.so.1", "libm.so.6", "libz.so.1"], needed


def test_every_library_resolves_inside_the_zip(lambda_root: Path):
    """The shipped loader finds every DT_NEEDED of the binary and plugins under /var/task/lib."""
    objects = [f"{TASK}/rotator"] + [
        f"{TASK}/lib/mariadb-plugin/{path.name}"
        for path in sorted((lambda_root / TASK.lstrip("/") / "lib" / "mariadb-plugin").iterdir())]
    assert len(objects) >= 3, "the zip carries no authentication plugins"
    for target in objects:
        listed = chroot(lambda_root, LOADER, "--library-path", f"{TASK}/lib", "--list", target)
        assert listed.returncode == 0, f"{target}: the loader failed: {listed.stderr.strip()}"
        for line in listed.stdout.splitlines():
            line = line.strip()
            assert "not found" not in line, f"{target}: {line}"
            if "=>" in line:
                resolved = line.split("=>", 1)[1].strip().split(" (")[0]
                assert resolved.startswith(f"{TASK}/lib/"), f"{target}: {line} is outside the zip"


# ---------------------------------------------------------------------------
# A real rotation from the unpacked zip
# ---------------------------------------------------------------------------

def test_rotation_from_the_unpacked_zip(sm, db, make_account, start_packaged, lambda_root):
    account = make_account(extra={"ssl": True})
    emulator = start_packaged(lambda_root, REQUIRE_TLS="true")
    previous = account.initial_version

    token = rotate(sm, emulator, account.arn)

    new_password = secret_dict(sm, account.arn)["password"]
    new_logs_in = db.can_login(account.username, new_password)
    old_logs_in = db.can_login(account.username, account.password)
    assert new_logs_in, "the new AWSCURRENT password does not log in"
    assert not old_logs_in, "the replaced password still logs in"
    labels = stages(sm, account.arn)
    assert version_with(labels, "AWSCURRENT") == token
    assert version_with(labels, "AWSPREVIOUS") == previous

    state = emulator.state()
    assert state["cold_starts"] == 1, "the function restarted during the rotation"
    log = emulator.log_path.read_text("utf-8", errors="replace")
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert step in log, f"no log line for {step}"
    assert "Runtime.ExitError" not in log


def test_database_ca_comes_from_the_amazon_linux_path(
        sm, db, make_account, start_packaged, package_zip, tmp_path):
    """Control: with a bundle there that lacks the test CA, TLS verification must fail."""
    root = make_root(tmp_path, package_zip, SYSTEM_CA_BUNDLE.read_bytes())
    account = make_account(extra={"ssl": True})
    emulator = start_packaged(root, REQUIRE_TLS="true")

    refused_set_secret(emulator, sm, account.arn, "DatabaseTLSFailed",
                       "setSecret trusted a server whose CA is not in /etc/pki/tls/certs/ca-bundle.crt")
    still_logs_in = db.can_login(account.username, account.password)
    assert still_logs_in, "the password changed although TLS verification failed"


# ---------------------------------------------------------------------------
# caching_sha2_password, MySQL 8's default, from lib/mariadb-plugin, against
# the fake server of harness/fakes.py (MariaDB has no such server plugin)
# ---------------------------------------------------------------------------

@pytest.fixture
def fake_mysql8() -> Any:
    server = FakeMySQL8()
    yield server
    server.close()


def start_fake_rotation(sm, fake: FakeMySQL8) -> tuple[Any, str, str]:
    username = unique("sha2")
    password = new_password()
    secret = {"engine": "mysql", "host": "127.0.0.1", "port": fake.port, "username": username,
              "password": password, "ssl": False}
    created = sm.create_secret(Name=unique("e2e/secret"), SecretString=json.dumps(secret))
    token = start_rotation(sm, created["ARN"])
    return created["ARN"], token, password


def pinned_server_key(root: Path) -> str:
    """A server RSA key pinned with DB_SERVER_PUBLIC_KEY: without TLS the
    function runs caching_sha2_password only then (see AuthenticationPolicy)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    path = root / "etc" / "pinned-server-key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        path.write_bytes(key.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return "/etc/pinned-server-key.pem"


def test_caching_sha2_password_plugin_loads_from_the_zip(sm, start_packaged, lambda_root, fake_mysql8):
    arn, token, password = start_fake_rotation(sm, fake_mysql8)
    emulator = start_packaged(lambda_root, REQUIRE_TLS="false", DB_SERVER_PUBLIC_KEY=pinned_server_key(lambda_root))
    ok, body = emulator.invoke(event(arn, token, "createSecret"))
    assert ok, describe_failure("createSecret", body)
    pending = json.loads(secret_value(sm, arn, VersionStage="AWSPENDING"))["password"]

    ok, body = emulator.invoke(event(arn, token, "setSecret"))
    assert not ok, "setSecret succeeded against a server that refuses every login"
    assert body.get("errorType") == "DatabaseLoginFailed", describe_failure("setSecret", body)

    logins = list(fake_mysql8.logins)
    assert logins, "the function never connected to the fake server"
    for login in logins:
        assert login.first_plugin == "mysql_native_password", "unexpected first auth plugin"
        answered = login.switch_answer is not None
        assert answered, "the client did not answer the switch to caching_sha2_password"
        length = len(login.switch_answer)
        assert length == 32, f"caching_sha2_password answer is {length} bytes, not 32"
        matches = any(login.switch_answer == caching_sha2_scramble(candidate, login.switch_nonce)
                      for candidate in (password, pending))
        assert matches, "the 32-byte answer is not the caching_sha2_password scramble of a known password"


def test_caching_sha2_password_needs_the_shipped_plugin(sm, start_packaged, lambda_root, fake_mysql8):
    """Control: pointed at an empty plugin directory, the same client cannot answer."""
    empty = lambda_root / "var" / "task-no-plugins"
    empty.mkdir(exist_ok=True)
    arn, token, _ = start_fake_rotation(sm, fake_mysql8)
    emulator = start_packaged(lambda_root, REQUIRE_TLS="false", MARIADB_PLUGIN_DIR="/var/task-no-plugins",
                              DB_SERVER_PUBLIC_KEY=pinned_server_key(lambda_root))
    ok, body = emulator.invoke(event(arn, token, "createSecret"))
    assert ok, describe_failure("createSecret", body)

    ok, body = emulator.invoke(event(arn, token, "setSecret"))
    assert not ok, "setSecret succeeded without the plugin"
    message = REGISTRY.redact(str(body.get("errorMessage")))
    assert "caching_sha2_password" in message, describe_failure("setSecret", body)
    logins = list(fake_mysql8.logins)
    assert logins, "the function never connected to the fake server"
    # Connector/C's fallback answers an unloadable plugin's request with an
    # empty packet before giving up; it cannot produce a scramble.
    assert all(not login.switch_answer for login in logins), \
        "the client answered caching_sha2_password without its plugin"


# ---------------------------------------------------------------------------
# The database CA bundle inside the zip (scripts/package.sh --ca-bundle)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zip_with_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built with --ca-bundle (the test CA), then rebuilt without the flag: the rebuild must keep it."""
    path = tmp_path_factory.mktemp("package-ca") / "rotator.zip"
    for arguments in (["--ca-bundle", os.environ["TEST_MARIADB_CA"]], []):
        built = subprocess.run([str(REPO_ROOT / "scripts" / "package.sh"), *arguments, str(path)],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800)
        assert built.returncode == 0, "scripts/package.sh failed:\n" + built.stderr[-4000:]
        assert "database CA bundle: ca/db-ca-bundle.pem, 1 certificates" in built.stderr, built.stderr[-2000:]
    return path


def test_the_zip_carries_the_bundle_and_no_cleartext_plugins(zip_with_ca: Path):
    with zipfile.ZipFile(zip_with_ca) as archive:
        names = set(archive.namelist())
        bundled = archive.read("ca/db-ca-bundle.pem")
    assert bundled == Path(os.environ["TEST_MARIADB_CA"]).read_bytes(), "the rebuild did not keep the CA bundle"
    for plugin in ("mysql_clear_password", "dialog"):
        assert f"lib/mariadb-plugin/{plugin}.so" not in names, f"the zip ships {plugin}"


def test_the_bundled_ca_verifies_the_database(sm, db, make_account, start_packaged, zip_with_ca, tmp_path):
    """The image's bundle lacks the test CA; only ca/db-ca-bundle.pem can make TLS verify."""
    root = make_root(tmp_path, zip_with_ca, SYSTEM_CA_BUNDLE.read_bytes())
    account = make_account(drop=["ssl"])
    emulator = start_packaged(root, REQUIRE_TLS="true")
    rotate(sm, emulator, account.arn)
    new_password = secret_dict(sm, account.arn)["password"]
    assert db.can_login(account.username, new_password), "the new AWSCURRENT password does not log in"
    assert not db.can_login(account.username, account.password), "the replaced password still logs in"


def test_db_ca_bundle_overrides_the_bundled_ca(sm, db, make_account, start_packaged, zip_with_ca, tmp_path):
    """Control: DB_CA_BUNDLE pointing at the image's bundle wins over the zip's, and then TLS fails."""
    root = make_root(tmp_path, zip_with_ca, SYSTEM_CA_BUNDLE.read_bytes())
    account = make_account(drop=["ssl"])
    emulator = start_packaged(root, REQUIRE_TLS="true", DB_CA_BUNDLE="/" + AMAZON_CA_BUNDLE)
    refused_set_secret(emulator, sm, account.arn, "DatabaseTLSFailed",
                       "setSecret verified the server without the bundled CA")
    assert db.can_login(account.username, account.password)
