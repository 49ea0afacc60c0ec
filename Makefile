# vpcd: every entry point a developer or CI needs. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PNPM := scripts/pnpm.sh
BUF := node_modules/.bin/buf
# The Node.js every target runs on: the version of .node-version, installed under .tools/ by
# scripts/install-node.sh (the `node` target, which every target that runs Node needs first).
NODE_VERSION := $(shell cat .node-version)
NODE_BIN := .tools/node-$(NODE_VERSION)/bin
export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)

.PHONY: help node node-info deps prereqs build proto proto-check lint check test unit-test bench demo clean images deploy-test

help:
	@echo "make demo | check | test | lint | proto | bench | build | images | deploy-test | clean"

node:
	@scripts/install-node.sh

# One line saying which Node runs the target (make test and make demo print it).
node-info: node
	@echo "node $$(node --version) ($$(realpath --relative-to=. "$$(command -v node)"))"

# Installs the workspace from the frozen lockfile (pnpm comes through npx when missing), and in a
# git checkout the tracked hooks (scripts/git-hooks: the commit-msg check of CONTRIBUTING.md).
deps: node
	@scripts/deps.sh
	@scripts/install-hooks.sh

# Debian packages and local services the suites use (MariaDB, RabbitMQ, Open vSwitch).
prereqs:
	@scripts/install-prereqs.sh

build: deps
	$(PNPM) exec tsc -b

# Lints the protos, checks them for breaking changes and regenerates the TypeScript stubs.
proto: deps
	$(BUF) lint
	scripts/buf-breaking.sh
	$(BUF) generate
	$(BUF) build -o packages/api/descriptor/vpc.binpb
	node scripts/gen-api-index.mjs

# Fails when the committed stubs differ from what `make proto` writes.
proto-check: proto
	@git diff --exit-code --stat -- packages/api || { echo "generated code is stale: run make proto and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- packages/api)" || { git status --porcelain -- packages/api; echo "generated code is stale: run make proto and commit" >&2; exit 1; }

# Type-aware lint reads the packages' declarations in dist/: it needs the build.
lint: build
	$(PNPM) exec eslint .
	$(PNPM) exec prettier --check .

# The fast inner loop: the unit tests of scripts/check-tests.txt, which need no MariaDB,
# RabbitMQ, Open vSwitch or network namespace (no prereqs); make test runs them all.
check: build
	scripts/run-tests.sh check

unit-test: build prereqs
	scripts/run-tests.sh unit

test: node-info proto-check lint unit-test

bench: build prereqs
	node test/dist/bench/rpc-overhead/rpc-overhead.js --out docs/benchmarks.md
	node test/dist/bench/northd/northd-bench.js --out docs/benchmarks.md
	node test/dist/bench/southbound/southbound-bench.js --out docs/benchmarks.md
	node test/dist/bench/southbound/delta-cost.js --out docs/benchmarks.md
	node test/dist/bench/dhcp/dhcp-bench.js --out docs/benchmarks.md
	node test/dist/bench/region/region-bench.js --out docs/benchmarks.md
	node test/dist/bench/resync/resync-bench.js --out docs/benchmarks.md
	node test/dist/bench/packets/packets-bench.js --out docs/benchmarks.md
	node test/dist/bench/convergence/convergence-bench.js --out docs/benchmarks.md

demo: node-info build
	@scripts/demo.sh $(if $(ONCE),--once,)

# Container images vpcd/<service>:$(IMAGE_TAG) (default dev) where a Docker engine runs; says so
# and succeeds where none does.
images:
	@IMAGE_TAG=$(IMAGE_TAG) deploy/docker/build-images.sh

# The deploy/ suites alone (manifests, alert rules, Alertmanager, dashboards, images); make test
# runs them too.
deploy-test: build prereqs
	node --test --test-reporter=spec test/dist/deploy/*.test.js

clean:
	rm -rf node_modules packages/*/dist services/*/dist tools/*/dist test/dist
