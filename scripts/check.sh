#!/usr/bin/env bash
# Ask the function, run locally through the Lambda Runtime API emulator,
# whether a secret will rotate; prints the preflight report as a table
# (docs/operations.md, "Before you turn rotation on"; docs/fleet-check.md):
#
#   scripts/check.sh [--json] SECRET_ID [self|admin|alternating]
#   scripts/check.sh [--json] --all [NAME_PREFIX]   every secret this function rotates
#
# The function gets this shell's environment: AWS_REGION and credentials,
# and the function's own settings (ROTATION_STRATEGY, DB_CA_BUNDLE,
# REQUIRE_TLS, SECRETS_MANAGER_ENDPOINT, ...). It changes nothing. Builds
# the release binary first unless ROTATOR_COMMAND names one. --json prints
# the raw report. Exit status 0: every check passed; 1: one failed (--all: or
# a secret was not checked); 2: the check could not run.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
PYTHON="${PYTHON:-python3}"

if (($# < 1 || $# > 3)); then
    sed -n '2,14p' "$0" >&2
    exit 2
fi
if [[ -z "${ROTATOR_COMMAND:-}" ]]; then
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    # The same release build as the deployment zip (and demo.sh, test.sh).
    zip_dir="$(mktemp -d "${TMPDIR:-/tmp}/rotator-check.XXXXXX")"
    trap 'rm -rf "$zip_dir"' EXIT
    scripts/package.sh "$zip_dir/rotator.zip" >/dev/null
fi
"$PYTHON" -m harness.check "$@"
