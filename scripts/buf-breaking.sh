#!/usr/bin/env bash
# Fails when protos/ breaks compatibility with the last landed API.
# On a branch other than main, the base is main; on main, it is the previous commit. Set
# BUF_BREAKING_AGAINST to a commit or branch to choose another base.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf
branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo "")
base=${BUF_BREAKING_AGAINST:-}
if [ -z "$base" ]; then
  if [ "$branch" != "main" ] && git rev-parse -q --verify main >/dev/null; then base=main
  elif git rev-parse -q --verify HEAD~1 >/dev/null; then base=HEAD~1
  fi
fi
sha=$( [ -n "$base" ] && git rev-parse -q --verify "$base^{commit}" 2>/dev/null || true)
if [ -z "$sha" ] || ! git cat-file -e "$sha:protos" 2>/dev/null; then
  echo "buf breaking: no earlier protos to compare with (base: ${base:-none}); skipped"
  exit 0
fi
echo "buf breaking against $base ($sha)"
"$buf" breaking --against ".git#ref=$sha"
