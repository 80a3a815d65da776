# The platform's entry points. `make help` lists them.
#
# The two commands of the README:
#   make up ENV=dev    set up this machine's tools and deploy an environment
#   make test          set up what the tests need and run every test suite

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ENV ?= dev
# The app of make new-database, e.g. APP=billing.
APP ?=
# Space-separated database stacks to limit a deploy to, e.g. STACKS="orders-dev".
STACKS ?=
MODULES := shared network database scripts e2e
BIN := $(CURDIR)/bin
FUZZTIME ?= 30s
# The Node majors the workflow scripts' tests also run on, besides the
# machine's: development machines have 20, GitHub's ubuntu-24.04 runners
# default to 22, actions run on 24.
NODE_VERSIONS ?= 20 22 24

stack_flags := $(foreach s,$(STACKS),--stack $(s))

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# ---- set-up -----------------------------------------------------------------

.PHONY: setup tools deps build
setup: tools build ## build the pinned Pulumi CLI, actionlint and the platform's commands into bin/

tools: ## build the pinned Pulumi CLI and actionlint into bin/ (skipped when already at the pinned version)
	tools/install.sh

deps: ## install the system packages the checks need (PostgreSQL, shellcheck, node) from Debian
	scripts/install-deps.sh

build: ## build the platform's commands into bin/
	@mkdir -p $(BIN)
	go build -o $(BIN)/ ./scripts/cmd/...

# ---- the main job: deploys ------------------------------------------------------

# Each first builds only bin/deploy and runs its checks (arguments, refusals,
# config, AWS credentials, passphrase), so a missing credential is reported
# before the minutes it takes to build the pinned Pulumi CLI on a fresh
# machine; then it builds the tools and runs.
define deploy_step
	@mkdir -p $(BIN)
	go build -o $(BIN)/ ./scripts/cmd/deploy
	$(BIN)/deploy $(1) --check --env $(ENV) $(stack_flags)
	@$(MAKE) --no-print-directory setup
	$(BIN)/deploy $(1) --env $(ENV) $(stack_flags)
endef

.PHONY: preview up refresh destroy
preview: ## preview every stack of ENV (network first)
	$(call deploy_step,preview)

up: ## deploy ENV: its network, then its database stacks
	$(call deploy_step,up)

refresh: ## refresh the state of every stack of ENV from AWS
	$(call deploy_step,refresh)

destroy: ## destroy ENV's database stacks, then its network (never prod)
	$(call deploy_step,destroy)

# ---- app teams --------------------------------------------------------------------

.PHONY: new-database
new-database: ## write an app's stack file, environments/database/Pulumi.<APP>-<ENV>.yaml, validated (prod: ALARM_EMAIL=<address>)
	@mkdir -p $(BIN)
	go build -o $(BIN)/ ./scripts/cmd/new-database
	$(BIN)/new-database --app "$(APP)" --env "$(ENV)" $(if $(ALARM_EMAIL),--alarm-email "$(ALARM_EMAIL)")

# ---- checks ---------------------------------------------------------------------

.PHONY: test unit fmt vet lint test-pg e2e fuzz bench
test: deps setup lint unit test-pg e2e ## every check CI runs: lint, unit tests, PostgreSQL drills, end-to-end

unit: ## the offline unit tests of every module (seconds when warm)
	go test $(foreach m,$(MODULES),./$(m)/...)

fmt: ## fail when a Go file is not gofmt-formatted
	@bad="$$(gofmt -l $(MODULES) tools)"; if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi

vet: fmt ## go vet every module, with the test build tags
	go vet -tags pgtest,e2e $(foreach m,$(MODULES),./$(m)/...)
	for m in $(MODULES); do (cd $$m && GOWORK=off go build ./...); done

lint: vet tools deps ## vet, actionlint on every workflow, and the workflow scripts' tests on the machine's Node and on $(NODE_VERSIONS)
	$(BIN)/actionlint -color=false
	node --test .github/scripts/*.test.js
	for v in $(NODE_VERSIONS); do tools/node.sh $$v --test .github/scripts/*.test.js; done

test-pg: deps ## the drills against real PostgreSQL servers on loopback (failover, point-in-time restore)
	go test -tags pgtest -count=1 -timeout 20m ./scripts/...

e2e: tools ## the whole platform through the real Pulumi engine with the AWS provider double
	go test -tags e2e -count=1 -timeout 40m ./e2e/... ./scripts/internal/deploy/... ./scripts/internal/workspace/...

fuzz: ## fuzz the config validators (FUZZTIME each, default 30s)
	go test -run '^$$' -fuzz '^FuzzLoadNetwork$$' -fuzztime $(FUZZTIME) ./shared/config
	go test -run '^$$' -fuzz '^FuzzLoadDatabase$$' -fuzztime $(FUZZTIME) ./shared/config

bench: deps setup ## measure build, test and engine timings; writes BENCHMARKS.md
	scripts/bench.sh

.PHONY: record-previews
record-previews: tools ## re-record the preview report's fixtures: the real programs against the e2e AWS double (offline)
	go run ./scripts/internal/report/internal/record
