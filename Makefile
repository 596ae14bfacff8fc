# D365 Desk — two commands: `make run` opens the app on the sandbox, `make test` runs every test layer.
# Both install what is missing first (scripts/setup.sh). See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP_BIN := $(TARGET_DIR)/debug/d365-desk
VENV := $(CURDIR)/.venv
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json

.PHONY: help run test setup setup-test build ui lint lint-rust lint-ui test-rust test-ui test-e2e bindings clean

help:
	@echo "make run        install what is missing, build, open the app"
	@echo "make test       install what is missing, run every test layer (lint, Rust, UI, desktop E2E)"
	@echo "make test-rust | test-ui | test-e2e | lint    one layer"
	@echo "make bindings   regenerate ui/src/bindings/ from the Rust commands"

# ---- setup ---------------------------------------------------------------------------------------------
setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.installed: tests/e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
	@touch $@

# ---- build ---------------------------------------------------------------------------------------------
ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npm run --silent build

ui: ui/dist/index.html

build: ui
	cargo build

# ---- run -----------------------------------------------------------------------------------------------
run:
ifeq ($(DISPLAY)$(WAYLAND_DISPLAY),)
	$(error make run needs a display, and DISPLAY and WAYLAND_DISPLAY are unset: run it in a desktop session, or headless with xvfb-run -a make run)
endif
	@$(MAKE) --no-print-directory setup build
	$(APP_BIN)

# ---- test ----------------------------------------------------------------------------------------------
test: setup-test lint test-rust test-ui test-e2e
	@echo "make test: every layer passed"

lint: lint-rust lint-ui

lint-rust: ui
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

lint-ui: ui/node_modules/.installed
	cd ui && npm run --silent lint && npm run --silent check && npm run --silent format:check

test-rust: ui
	scripts/test-env.sh cargo nextest run --workspace --locked --no-fail-fast

test-ui: ui/node_modules/.installed
	cd ui && npm run --silent test

test-e2e: build $(VENV)/.installed
	D365DESK_APP_BINARY=$(APP_BIN) scripts/test-env.sh --display $(VENV)/bin/pytest -p no:cacheprovider tests/e2e

bindings: ui
	D365DESK_WRITE_BINDINGS=1 cargo test --test app committed_bindings_are_current

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules $(VENV) target/e2e-screenshots
