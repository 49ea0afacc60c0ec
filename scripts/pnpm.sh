#!/usr/bin/env bash
# Runs the pnpm version pinned in package.json: the installed one when it matches, else via npx.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  exec pnpm "$@"
fi
exec npx --yes "pnpm@$want" "$@"
