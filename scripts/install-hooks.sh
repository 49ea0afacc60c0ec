#!/usr/bin/env bash
# Points git at the tracked hooks in scripts/git-hooks (the commit-msg check), once per checkout.
# Does nothing outside a git checkout (a source tarball, an image build) or when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 0
[ "$(git config --get core.hooksPath || true)" = scripts/git-hooks ] && exit 0
git config core.hooksPath scripts/git-hooks
echo "git hooks: core.hooksPath set to scripts/git-hooks (commit-msg checks subjects)"
