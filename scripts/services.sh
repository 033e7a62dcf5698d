#!/usr/bin/env bash
# Start or stop the throwaway services the integration and end-to-end tests use.
#
#   scripts/services.sh start STATE_DIR
#   scripts/services.sh stop  STATE_DIR
#
# start brings up, all bound to 127.0.0.1 on free ports and all living under
# STATE_DIR:
#   * MariaDB "tls":   TLS with a server certificate from a CA made here
#   * MariaDB "plain": no TLS at all (--skip-ssl), for REQUIRE_TLS tests
#   * MariaDB "replica" and "reader": read-only replicas of "tls" (binlog,
#     CHANGE MASTER TO, START SLAVE), the reader on 127.0.0.2 at "tls"'s own
#     port, as an Aurora reader endpoint shares the cluster's port
#   * moto's Secrets Manager (harness/moto_server.py)
# and writes STATE_DIR/env (mode 600), a file of `export` lines to source.
#
# Secrets (the admin password) only ever live in mode-600 files and in the
# env file; nothing here prints them, and the logs whose tails are shown on
# failure never contain them.
#
# stop kills whatever start launched, using the pid files it left, even when
# start failed half-way. It is safe to run twice.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
READY_TIMEOUT="${SERVICES_READY_TIMEOUT:-60}"
ADMIN_USER="rotator_admin"
MARIADB_EXTRA=()

usage() {
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
}

say() { echo "services: $*"; }
fail() { echo "services: error: $*" >&2; exit 1; }

find_tool() {
    # Debian keeps mariadbd in /usr/sbin, which a non-login PATH may lack.
    local tool="$1" dir
    if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return; fi
    for dir in /usr/sbin /usr/local/sbin /usr/bin; do
        if [[ -x "$dir/$tool" ]]; then echo "$dir/$tool"; return; fi
    done
    fail "$tool not found (install mariadb-server mariadb-client openssl; scripts/test.sh does)"
}

free_port() {
    # The kernel picks a free port; the tiny window before the server binds it
    # is covered by retrying MariaDB on another port (moto binds port 0 itself).
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

log_tail() {
    local file="$1"
    if [[ -f "$file" ]]; then
        echo "---- last lines of $file ----" >&2
        tail -n 25 "$file" >&2 || true
        echo "----" >&2
    fi
}

# ---------------------------------------------------------------------------
# TLS material
# ---------------------------------------------------------------------------

make_ca() {
    local dir="$1" name="$2" subject="$3"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -keyout "$dir/$name-key.pem" -out "$dir/$name.pem" -subj "$subject" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" >/dev/null 2>&1 \
        || fail "openssl could not create $name"
    chmod 600 "$dir/$name-key.pem"
}

make_tls() {
    local dir="$1"
    mkdir -p "$dir"
    make_ca "$dir" ca "/CN=rotator test CA"
    # A second, unrelated CA: verifying the server against it must fail.
    make_ca "$dir" wrong-ca "/CN=rotator unrelated CA"

    cat >"$dir/server-ext.cnf" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -keyout "$dir/server-key.pem" -out "$dir/server.csr" -subj "/CN=localhost" >/dev/null 2>&1 \
        || fail "openssl could not create the server key"
    openssl x509 -req -sha256 -days 825 -in "$dir/server.csr" \
        -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
        -extfile "$dir/server-ext.cnf" -out "$dir/server.pem" >/dev/null 2>&1 \
        || fail "openssl could not sign the server certificate"
    chmod 600 "$dir/server-key.pem"
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null \
        || fail "the server certificate does not verify against its own CA"
}

# ---------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------

# Polls CHECK (a command) every 0.2 s until it succeeds, the process PID dies,
# or READY_TIMEOUT passes.
wait_until() {
    local what="$1" pid="$2" log="$3"; shift 3
    local deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "services: $what exited before it was ready" >&2
            log_tail "$log"
            return 1
        fi
        sleep 0.2
    done
    echo "services: $what not ready within ${READY_TIMEOUT}s" >&2
    log_tail "$log"
    return 1
}

# start_mariadb NAME tls|plain [BIND_ADDRESS [PORT]] -> sets MARIADB_PORT;
# MARIADB_EXTRA (an array) holds more server options.
start_mariadb() {
    local name="$1" mode="$2" bind="${3:-127.0.0.1}" fixed_port="${4:-}"
    local dir="$STATE_DIR/$name" attempt port pid
    mkdir -p "$dir/tmp"
    "$MARIADB_INSTALL_DB" --no-defaults --user=root --datadir="$dir/data" \
        --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 \
        || { log_tail "$dir/install.log"; fail "mariadb-install-db failed for $name"; }

    local tls_options=(--skip-ssl)
    if [[ "$mode" == tls ]]; then
        tls_options=(--ssl-ca="$STATE_DIR/tls/ca.pem" --ssl-cert="$STATE_DIR/tls/server.pem"
                     --ssl-key="$STATE_DIR/tls/server-key.pem")
    fi

    for attempt in 1 2 3; do
        port="${fixed_port:-$(free_port)}"
        : >"$dir/error.log"
        "$MARIADBD" --no-defaults --user=root \
            --datadir="$dir/data" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
            --port="$port" --bind-address="$bind" --skip-name-resolve \
            --log-error="$dir/error.log" --tmpdir="$dir/tmp" \
            --innodb-buffer-pool-size=64M --skip-performance-schema \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            "${tls_options[@]}" "${MARIADB_EXTRA[@]}" </dev/null >>"$dir/error.log" 2>&1 &
        pid=$!
        echo "$pid" >"$STATE_DIR/pids/$name.pid"
        if wait_until "MariaDB ($name)" "$pid" "$dir/error.log" \
            "$MARIADB_ADMIN" --no-defaults --socket="$dir/mysqld.sock" -u root ping; then
            MARIADB_PORT="$port"
            return 0
        fi
        if [[ -z "$fixed_port" ]] && grep -qiE "address already in use|another server running on port" "$dir/error.log"; then
            say "port $port was taken meanwhile; retrying $name on another port"
            stop_pid "$name" "$pid"
            continue
        fi
        fail "MariaDB ($name) did not start"
    done
    fail "MariaDB ($name) found no free port"
}

create_admin() {
    local name="$1"
    local dir="$STATE_DIR/$name"
    # SQL on stdin, never on a command line (visible in ps) or in a log; the
    # client's own output is dropped, since on an error it echoes the
    # statement, password included.
    "$MARIADB" --no-defaults --socket="$dir/mysqld.sock" -u root >/dev/null 2>&1 <<SQL \
        || fail "could not create $ADMIN_USER on $name (is $STATE_DIR left over from an earlier run?)"
CREATE USER '$ADMIN_USER'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$ADMIN_USER'@'127.0.0.1' WITH GRANT OPTION;
-- As root has: lets tests give out PROXY grants (test_clone_is_a_copy.py).
GRANT PROXY ON ''@'%' TO '$ADMIN_USER'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

check_admin_login() {
    local name="$1" port="$2"; shift 2
    local out
    out="$("$MARIADB" --defaults-file="$STATE_DIR/admin.cnf" -h 127.0.0.1 -P "$port" "$@" \
        -N -B -e "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'" 2>&1)" \
        || { echo "$out" >&2; fail "$ADMIN_USER cannot log in to MariaDB ($name) over TCP"; }
    echo "$out"
}

# start_replica NAME BIND_ADDRESS [PORT] -> sets MARIADB_PORT: a read-only
# replica of "tls" from the start of its binlog, so it gets the admin account
# (and everything since) by replication. The admin account is the
# replication user: no other password to keep. Statements the replica cannot
# apply (an INSTALL SONAME on the primary is not replicated, so a user of
# that plugin is refused here) are skipped rather than stopping it: the
# shared primary serves every suite, and a stopped SQL thread would stall the
# replica tests that come after.
start_replica() {
    local name="$1" bind="$2" port="${3:-}" dir="$STATE_DIR/$1" first
    MARIADB_EXTRA=(--server-id="$((++REPLICA_ID))" --read-only --relay-log="$dir/data/relay"
                   --plugin-load-add=auth_ed25519 --slave-skip-errors=all)
    start_mariadb "$name" tls "$bind" "$port"
    MARIADB_EXTRA=()
    first="$("$MARIADB" --no-defaults --socket="$STATE_DIR/mariadb-tls/mysqld.sock" -u root -N -B \
        -e "SHOW BINARY LOGS" | head -n 1 | cut -f 1)"
    [[ -n "$first" ]] || fail "MariaDB (tls) has no binary log to replicate"
    "$MARIADB" --no-defaults --socket="$dir/mysqld.sock" -u root >/dev/null 2>&1 <<SQL \
        || fail "could not start replication on $name"
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$TLS_PORT, MASTER_USER='$ADMIN_USER',
    MASTER_PASSWORD='$ADMIN_PASSWORD', MASTER_LOG_FILE='$first', MASTER_LOG_POS=4, MASTER_USE_GTID=no,
    MASTER_SSL=1, MASTER_SSL_CA='$STATE_DIR/tls/ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1,
    MASTER_CONNECT_RETRY=1;
START SLAVE;
SQL
    # The admin account arrives by replication: its login proves the replica applies.
    wait_until "replication to $name" "$(cat "$STATE_DIR/pids/$name.pid")" "$dir/error.log" \
        replica_admin_login "$bind" "$MARIADB_PORT" \
        || fail "MariaDB ($name) does not replicate from MariaDB (tls)"
}

replica_admin_login() {
    "$MARIADB" --defaults-file="$STATE_DIR/admin.cnf" -h "$1" -P "$2" \
        --ssl --ssl-ca="$STATE_DIR/tls/ca.pem" --ssl-verify-server-cert -N -B -e "SELECT 1"
}

# ---------------------------------------------------------------------------
# moto
# ---------------------------------------------------------------------------

moto_answers() {
    "$PYTHON" - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_harness/calls", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

start_moto() {
    local dir="$STATE_DIR/moto" pid
    mkdir -p "$dir"
    # From the checkout's root, so `-m harness` is this checkout's package.
    (cd "$SCRIPT_DIR/.." && exec "$PYTHON" -m harness.moto_server --port 0 --port-file "$dir/port" \
        </dev/null >"$dir/server.log" 2>&1) &
    pid=$!
    echo "$pid" >"$STATE_DIR/pids/moto.pid"
    wait_until "moto (port file)" "$pid" "$dir/server.log" test -s "$dir/port" \
        || fail "moto did not start"
    MOTO_PORT="$(cat "$dir/port")"
    wait_until "moto (HTTP)" "$pid" "$dir/server.log" moto_answers "$MOTO_PORT" \
        || fail "moto does not answer"
}

# ---------------------------------------------------------------------------
# stop
# ---------------------------------------------------------------------------

# Only signal a pid that is still one of ours: its command line names STATE_DIR
# (every server started here gets a path inside it), so a recycled pid is left alone.
is_ours() {
    local pid="$1"
    [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$STATE_DIR"
}

stop_pid() {
    local name="$1" pid="$2" deadline
    is_ours "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null && is_ours "$pid"; then
        say "$name did not stop on SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

stop_all() {
    local pidfile name pid
    [[ -d "$STATE_DIR/pids" ]] || return 0
    for pidfile in "$STATE_DIR"/pids/*.pid; do
        [[ -e "$pidfile" ]] || continue
        name="$(basename "$pidfile" .pid)"
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]]; then
            stop_pid "$name" "$pid"
        fi
        rm -f "$pidfile"
    done
}

# ---------------------------------------------------------------------------

write_env() {
    local file="$STATE_DIR/env"
    (
        umask 077
        {
            echo "# Written by scripts/services.sh; contains a password. Source it, do not print it."
            printf 'export TEST_MARIADB_HOST=%q\n' 127.0.0.1
            printf 'export TEST_MARIADB_PORT=%q\n' "$TLS_PORT"
            printf 'export TEST_MARIADB_PLAIN_PORT=%q\n' "$PLAIN_PORT"
            printf 'export TEST_MARIADB_REPLICA_PORT=%q\n' "$REPLICA_PORT"
            printf 'export TEST_MARIADB_READER_HOST=%q\n' 127.0.0.2
            printf 'export TEST_MARIADB_READER_PORT=%q\n' "$TLS_PORT"
            printf 'export TEST_MARIADB_ADMIN_USER=%q\n' "$ADMIN_USER"
            printf 'export TEST_MARIADB_ADMIN_PASSWORD=%q\n' "$ADMIN_PASSWORD"
            printf 'export TEST_MARIADB_CA=%q\n' "$STATE_DIR/tls/ca.pem"
            printf 'export TEST_MARIADB_WRONG_CA=%q\n' "$STATE_DIR/tls/wrong-ca.pem"
            printf 'export SECRETS_MANAGER_ENDPOINT=%q\n' "http://127.0.0.1:$MOTO_PORT"
            printf 'export AWS_REGION=%q\n' us-east-1
            printf 'export AWS_DEFAULT_REGION=%q\n' us-east-1
            printf 'export AWS_ACCESS_KEY_ID=%q\n' testing
            printf 'export AWS_SECRET_ACCESS_KEY=%q\n' testing
            printf 'export TEST_STATE_DIR=%q\n' "$STATE_DIR"
        } >"$file.tmp"
        mv "$file.tmp" "$file"
    )
    chmod 600 "$file"
}

start() {
    if [[ -f "$STATE_DIR/env" ]]; then
        fail "$STATE_DIR/env exists: services may be running; run '$0 stop $STATE_DIR' first"
    fi
    MARIADBD="$(find_tool mariadbd)"
    MARIADB="$(find_tool mariadb)"
    MARIADB_ADMIN="$(find_tool mariadb-admin)"
    MARIADB_INSTALL_DB="$(find_tool mariadb-install-db)"
    find_tool openssl >/dev/null

    mkdir -p "$STATE_DIR/pids"
    chmod 700 "$STATE_DIR"
    # If anything below fails, leave nothing running behind.
    trap 'status=$?; if ((status != 0)); then say "start failed; stopping what was started"; stop_all; fi' EXIT

    ADMIN_PASSWORD="$(openssl rand -hex 24)"
    (
        umask 077
        printf '[client]\nuser=%s\npassword=%s\n' "$ADMIN_USER" "$ADMIN_PASSWORD" >"$STATE_DIR/admin.cnf"
    )

    make_tls "$STATE_DIR/tls"

    # A binlog for the replicas; routines need no SUPER-only declaration then.
    MARIADB_EXTRA=(--server-id=1 --log-bin="$STATE_DIR/mariadb-tls/data/binlog" --log-bin-trust-function-creators=1
                   --plugin-load-add=auth_ed25519)
    start_mariadb mariadb-tls tls
    MARIADB_EXTRA=()
    TLS_PORT="$MARIADB_PORT"
    create_admin mariadb-tls
    local cipher
    cipher="$(check_admin_login mariadb-tls "$TLS_PORT" \
        --ssl --ssl-ca="$STATE_DIR/tls/ca.pem" --ssl-verify-server-cert)"
    [[ -n "$cipher" ]] || fail "MariaDB (tls) did not negotiate TLS"
    say "MariaDB with TLS on 127.0.0.1:$TLS_PORT"

    start_mariadb mariadb-plain plain
    PLAIN_PORT="$MARIADB_PORT"
    create_admin mariadb-plain
    check_admin_login mariadb-plain "$PLAIN_PORT" --skip-ssl >/dev/null
    local have_ssl
    have_ssl="$("$MARIADB" --defaults-file="$STATE_DIR/admin.cnf" -h 127.0.0.1 -P "$PLAIN_PORT" \
        --skip-ssl -N -B -e "SELECT @@have_ssl")"
    [[ "$have_ssl" != YES ]] || fail "MariaDB (plain) offers TLS but must not"
    say "MariaDB without TLS on 127.0.0.1:$PLAIN_PORT"

    REPLICA_ID=1
    start_replica mariadb-replica 127.0.0.1
    REPLICA_PORT="$MARIADB_PORT"
    say "MariaDB replica of the TLS server on 127.0.0.1:$REPLICA_PORT"
    start_replica mariadb-reader 127.0.0.2 "$TLS_PORT"
    say "MariaDB reader of the TLS server on 127.0.0.2:$TLS_PORT"

    start_moto
    say "moto Secrets Manager on 127.0.0.1:$MOTO_PORT"

    write_env
    trap - EXIT
    say "ready; source $STATE_DIR/env"
}

main() {
    [[ $# -eq 2 ]] || usage
    local command="$1"
    if [[ "$command" == stop && ! -d "$2" ]]; then
        say "nothing to stop: $2 does not exist"
        return 0
    fi
    mkdir -p "$2"
    STATE_DIR="$(cd "$2" && pwd)"
    case "$command" in
        start) start ;;
        stop)
            stop_all
            rm -f "$STATE_DIR/env"
            say "stopped services in $STATE_DIR"
            ;;
        *) usage ;;
    esac
}

main "$@"
