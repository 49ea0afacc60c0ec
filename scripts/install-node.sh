#!/usr/bin/env bash
# Installs the Node.js pinned in .node-version under .tools/node-<version>/ (the official binary,
# which the npm registry ships as the node-linux-<arch> package; npm checks its integrity), so make
# and the scripts run on it whatever Node the machine has. Does nothing when it is there already.
# Needs npm (any version) once; as root it installs Debian's nodejs and npm when npm is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(cat .node-version)
dir=.tools/node-$version
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then exit 0; fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "no Node.js $version package for $(uname -m): put Node $version first on PATH" >&2; exit 1 ;;
esac
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then echo "npm is missing: install it (Debian: apt-get install nodejs npm)" >&2; exit 1; fi
  echo "installing nodejs npm (to fetch Node.js $version)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "installing Node.js $version into $dir"
mkdir -p .tools
tmp=$(mktemp -d .tools/.node-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$tmp"
[ "$("$tmp/package/bin/node" --version)" = "v$version" ] || { echo "the package's node is not $version" >&2; exit 1; }
rm -rf "$dir"
mv "$tmp/package" "$dir"
