#!/usr/bin/env bash
# A leaked database password, ended: rotate, wait for the rotation, Revoke
# every older password, redeploy the consumers. Stops at the first failure.
# See docs/incident-runbook.md.
#
#   scripts/revoke-leaked.sh SECRET_ID FUNCTION_NAME [CLUSTER/SERVICE ...]
#
# SECRET_ID      the leaked secret's name or ARN
# FUNCTION_NAME  the rotation function (the secret's RotationLambdaARN)
# CLUSTER/SERVICE  ECS services to redeploy so every task reads the new value
#
# Settings (environment):
#   AWS            the AWS CLI command, e.g. "aws --region eu-west-1 --profile ops" (default: aws)
#   LAMBDA         the AWS CLI command for `lambda invoke` (default: $AWS)
#   ROTATE         the command that starts the rotation, given the secret id last and printing
#                  RotateSecret's JSON answer (default: $AWS secretsmanager rotate-secret --secret-id)
#   WAIT_SECONDS   how long to wait for the rotation (default: 600)
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '5,9p' "$0" >&2
    exit 2
fi
secret_id=$1
function_name=$2
shift 2
AWS=${AWS:-aws}
LAMBDA=${LAMBDA:-$AWS}
ROTATE=${ROTATE:-"$AWS secretsmanager rotate-secret --secret-id"}
WAIT_SECONDS=${WAIT_SECONDS:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

started=$(date +%s)
step() { echo "[$(($(date +%s) - started))s] $*"; }
fail() { echo "[$(($(date +%s) - started))s] FAILED: $*" >&2; exit 1; }

# No read timeout: a Revoke logs in several times and may take longer than the CLI's default 60 s.
invoke() {
    # fileb:// sends the file's bytes as they are, under AWS CLI v1 and v2 alike.
    $LAMBDA lambda invoke --cli-read-timeout 0 --function-name "$function_name" --payload "fileb://$1" "$2"
}

# The staging labels as "version label,label" lines.
stages() {
    $AWS secretsmanager describe-secret --secret-id "$secret_id" --output json |
        python3 -c 'import json, sys
for version, labels in json.load(sys.stdin).get("VersionIdsToStages", {}).items():
    print(version, ",".join(labels))'
}

step "1/4 rotate-secret $secret_id"
$ROTATE "$secret_id" >"$work/rotate.json" || fail "rotate-secret (see docs/operations.md, \"When a rotation fails\")"
token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["VersionId"])' "$work/rotate.json") ||
    fail "rotate-secret answered no VersionId"

step "2/4 waiting for version $token to become AWSCURRENT (at most ${WAIT_SECONDS}s)"
while :; do
    labels=$(stages) || fail "describe-secret"
    if grep -q "^$token .*AWSCURRENT" <<<"$labels" && ! grep -v "AWSCURRENT" <<<"$labels" | grep -q AWSPENDING; then
        break
    fi
    [ $(($(date +%s) - started)) -lt "$WAIT_SECONDS" ] ||
        fail "the rotation did not finish in ${WAIT_SECONDS}s; read the function's log (docs/operations.md, \"When a rotation fails\")"
    sleep 2
done
step "rotated: AWSCURRENT is version $token"

step "3/4 Revoke: every password but AWSCURRENT's stops logging in"
printf '{"Revoke": {"SecretId": "%s"}}' "$secret_id" >"$work/payload.json"
invoke "$work/payload.json" "$work/answer.json" >"$work/invoke.json" || fail "lambda invoke"
if grep -q '"FunctionError"' "$work/invoke.json"; then
    fail "Revoke: $(cat "$work/answer.json")"
fi
step "revoked: $(cat "$work/answer.json")"

step "4/4 consumers"
if [ $# -eq 0 ]; then
    step "no ECS service named: restart or redeploy every consumer that caches the secret now"
fi
for service in "$@"; do
    cluster=${service%%/*}
    name=${service#*/}
    step "redeploying $cluster/$name"
    $AWS ecs update-service --cluster "$cluster" --service "$name" --force-new-deployment >/dev/null ||
        fail "ecs update-service $cluster/$name"
done
if [ $# -gt 0 ]; then
    for service in "$@"; do
        $AWS ecs wait services-stable --cluster "${service%%/*}" --services "${service#*/}" ||
            fail "ecs wait services-stable ${service}"
    done
    step "every named service runs new tasks"
fi
step "done in $(($(date +%s) - started))s: only AWSCURRENT's password logs in"
