#!/usr/bin/env bash
# Runs the compiled node:test suites. Usage: run-tests.sh unit|check
#   unit   every compiled *.test.js (make test)
#   check  the files of scripts/check-tests.txt, with VPCD_UNIT_ONLY=1 (make check)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
suite=${1:-unit}
case "$suite" in
  unit)
    mapfile -t files < <(find packages/*/dist services/*/dist tools/*/dist test/dist \
      -name '*.test.js' -not -path '*/node_modules/*' 2>/dev/null | sort)
    ;;
  check)
    shopt -s globstar nullglob
    files=()
    while read -r glob; do
      [[ -z "$glob" || "$glob" == \#* ]] && continue
      # A source path to its compiled file: <pkg>/src/x.test.ts -> <pkg>/dist/x.test.js,
      # test/x.test.ts -> test/dist/x.test.js.
      compiled=${glob%.ts}.js
      if [[ "$compiled" == test/* ]]; then compiled=test/dist/${compiled#test/}
      else compiled=${compiled/\/src\//\/dist\/}; fi
      matched=($compiled)
      if [ ${#matched[@]} -eq 0 ]; then
        echo "scripts/check-tests.txt: $glob matches no compiled test (run make build)" >&2
        exit 1
      fi
      files+=("${matched[@]}")
    done < scripts/check-tests.txt
    mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
    export VPCD_UNIT_ONLY=1
    ;;
  *) echo "unknown suite: $suite" >&2; exit 2 ;;
esac
if [ ${#files[@]} -eq 0 ]; then echo "no test files found for suite $suite" >&2; exit 1; fi
exec node --test --test-reporter=spec "${files[@]}"
