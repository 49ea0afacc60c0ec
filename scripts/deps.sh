#!/usr/bin/env bash
# Installs the workspace from the frozen lockfile, once per lockfile change.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "node is missing: install Node.js 20.19+ first" >&2; exit 1; }
stamp=node_modules/.vpcd-lock-stamp
want=$(sha256sum pnpm-lock.yaml package.json | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
scripts/pnpm.sh install --frozen-lockfile
echo "$want" >"$stamp"
