#!/usr/bin/env bash
# Installs the workspace from the frozen lockfile, once per lockfile change.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
stamp=node_modules/.vpcd-lock-stamp
want=$(sha256sum pnpm-lock.yaml package.json | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
scripts/pnpm.sh install --frozen-lockfile
echo "$want" >"$stamp"
