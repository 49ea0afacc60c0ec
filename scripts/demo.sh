#!/usr/bin/env bash
# make demo: runs a local region. --once verifies and exits (0 on success).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
scripts/install-prereqs.sh
exec node test/dist/region/demo.js "$@"
