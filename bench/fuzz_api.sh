#!/usr/bin/env bash
# The API fuzzed deeper than the suite does: every operation with JIEFEN_FUZZ_EXAMPLES generated
# requests (default here 200, the suite uses 10) plus Schemathesis' coverage phase, same checks
# (no 5xx, answers conform to the OpenAPI document, invalid data refused, auth enforced).
#   bench/fuzz_api.sh                      # SQLite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/fuzz_api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JIEFEN_FUZZ_EXAMPLES="${JIEFEN_FUZZ_EXAMPLES:-200}"
time .venv/bin/pytest -q -p no:cacheprovider jiefen/api/tests/test_schemathesis.py "$@"
