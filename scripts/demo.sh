#!/usr/bin/env bash
# Run one password rotation locally, end to end, and show what happened:
#
#   scripts/demo.sh
#   scripts/demo.sh check   the same set-up, then the preflight check
#                           (scripts/check.sh) instead of the rotation
#
# Installs what is missing (like scripts/test.sh), builds the release binary,
# starts MariaDB and moto's Secrets Manager on 127.0.0.1, creates a MariaDB
# user and its secret, rotates it through the Lambda Runtime API emulator,
# prints the steps and the version stages before and after, then stops the
# services. No password is ever printed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
PYTHON="${PYTHON:-python3}"
export PYTHON

scripts/test.sh --install-only

if [[ -z "${ROTATOR_COMMAND:-}" ]]; then
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
fi

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/rotator-demo.XXXXXX")"
cleanup() {
    local status=$?
    scripts/services.sh stop "$STATE_DIR" >/dev/null 2>&1 || true
    rm -rf "$STATE_DIR"
    exit "$status"
}
trap cleanup EXIT

if [[ -z "${ROTATOR_COMMAND:-}" ]]; then
    # The same release build as the deployment zip (and as scripts/test.sh),
    # so switching between the commands does not rebuild.
    echo "==> Building (scripts/package.sh)"
    scripts/package.sh "$STATE_DIR/rotator.zip" >/dev/null
fi
trap 'exit 130' INT TERM

echo "==> Starting services"
scripts/services.sh start "$STATE_DIR"
# shellcheck disable=SC1091
source "$STATE_DIR/env"

if [[ "${1:-}" == "check" ]]; then
    echo "==> Checking (nothing changes)"
    "$PYTHON" -m harness.demo --check
    exit
fi
echo "==> Rotating"
"$PYTHON" -m harness.demo
