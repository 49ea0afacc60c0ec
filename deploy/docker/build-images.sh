#!/usr/bin/env bash
# make images: builds vpcd/<service>:${IMAGE_TAG:-dev} for every service that exists, with the
# multi-stage Dockerfile beside this script. Without a Docker engine it says so and succeeds, so
# `make images` is harmless on machines that have none.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${IMAGE_TAG:-dev}
if ! docker info >/dev/null 2>&1; then
  echo "no Docker engine available (docker info failed): images not built"
  exit 0
fi
for service in northd southd hvflowd hvaddr; do
  if [ ! -f "services/$service/package.json" ]; then
    echo "services/$service does not exist yet: skipped"
    continue
  fi
  echo "building vpcd/$service:$tag"
  docker build -f deploy/docker/Dockerfile --build-arg "SERVICE=$service" -t "vpcd/$service:$tag" .
done
