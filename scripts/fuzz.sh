#!/usr/bin/env bash
# Bounded property-based fuzzing of both APIs with schemathesis (from PyPI, in a venv): every
# operation of each OpenAPI document, with admin, client and professional tokens and without one.
# Fails on any 5xx, any undocumented status or content type, and any response that breaks its
# documented schema. Starts the system itself (test harness: real PostgreSQL, Elasticsearch, Redis).
#
#   npm run fuzz                     # FUZZ_EXAMPLES (default 50) cases per operation and token
#   FUZZ_EXAMPLES=200 npm run fuzz   # deeper
#   FUZZ_SEED=1234 npm run fuzz      # replay a run (the seed is printed)
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=${FUZZ_VENV:-.data/fuzz-venv}
EXAMPLES=${FUZZ_EXAMPLES:-50}
SEED=${FUZZ_SEED:-$RANDOM}
WORK=$(mktemp -d)
REPORTS=${FUZZ_REPORT_DIR:-$WORK/reports}
SERVER_PID=

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK/ready.json"
}
trap cleanup EXIT

# The newest Python at hand: 3.11's parser trips over hypothesis' lambda introspection
# ("AST constructor recursion depth mismatch").
python_for_venv() {
  if [ -n "${FUZZ_PYTHON:-}" ]; then echo "$FUZZ_PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local v
    v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[3-9]' | sort -V | tail -1)
    if [ -n "$v" ]; then echo "$(pyenv root)/versions/$v/bin/python3"; return; fi
  fi
  for p in python3.14 python3.13 python3.12 python3; do
    command -v "$p" >/dev/null 2>&1 && "$p" --version >/dev/null 2>&1 && { echo "$p"; return; }
  done
}

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  PYTHON=$(python_for_venv)
  echo "[fuzz] installing schemathesis $SCHEMATHESIS_VERSION into $VENV ($("$PYTHON" --version))"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

echo "[fuzz] starting the system"
node_modules/.bin/tsx scripts/fuzz/serve.ts "$WORK/ready.json" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/ready.json" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "[fuzz] the system did not start" >&2; exit 1; }
  sleep 1
done
[ -s "$WORK/ready.json" ] || { echo "[fuzz] the system did not start within 300 s" >&2; exit 1; }
field() { node -e "process.stdout.write(String(JSON.parse(require('fs').readFileSync('$WORK/ready.json','utf8'))$1))"; }
COMMAND_URL=$(field .command)
QUERY_URL=$(field .query)

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
failed=0
run() { # name base-url [header]
  local name=$1 url=$2
  shift 2
  echo "[fuzz] $name: $url, $EXAMPLES examples per operation, seed $SEED"
  if ! "$VENV/bin/schemathesis" run "$url/openapi.json" \
    --checks "$CHECKS" \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --phases examples,coverage,fuzzing \
    --workers 2 \
    --request-timeout 10 \
    --suppress-health-check all \
    --report junit --report-junit-path "$REPORTS/$name.xml" \
    --warnings off \
    --no-color \
    "$@"; then
    failed=1
  fi
}

# /metrics, Swagger UI and the document itself are not JSON APIs
SKIP_DOCS=(--exclude-path-regex '^/(metrics|api/?|openapi\.json)$')
run command-admin "$COMMAND_URL" "${SKIP_DOCS[@]}" -H "Authorization: Bearer $(field .tokens.admin)"
run command-client "$COMMAND_URL" "${SKIP_DOCS[@]}" -H "Authorization: Bearer $(field .tokens.client)"
run command-professional "$COMMAND_URL" "${SKIP_DOCS[@]}" -H "Authorization: Bearer $(field .tokens.professional)"
run command-anonymous "$COMMAND_URL" "${SKIP_DOCS[@]}"
run query "$QUERY_URL"

if [ "$failed" -ne 0 ]; then
  echo "[fuzz] FAILED (seed $SEED; JUnit reports in $REPORTS)" >&2
  exit 1
fi
echo "[fuzz] passed (seed $SEED)"
