#!/usr/bin/env bash
# Runs the compiled node:test suites. Usage: run-tests.sh unit
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
suite=${1:-unit}
case "$suite" in
  unit)
    mapfile -t files < <(find packages/*/dist services/*/dist tools/*/dist test/dist \
      -name '*.test.js' -not -path '*/node_modules/*' 2>/dev/null | sort)
    ;;
  *) echo "unknown suite: $suite" >&2; exit 2 ;;
esac
if [ ${#files[@]} -eq 0 ]; then echo "no test files found for suite $suite" >&2; exit 1; fi
exec node --test --test-reporter=spec "${files[@]}"
