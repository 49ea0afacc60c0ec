#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need when they are missing (as root).
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "missing: ${need[*]} (install them, or run as root)" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
