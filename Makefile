# D365 Desk — two commands: `make run` opens the app on the sandbox, `make test` runs every test layer.
# Both install what is missing first (scripts/setup.sh). See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP_BIN := $(TARGET_DIR)/debug/d365-desk
SANDBOX_BIN := $(TARGET_DIR)/debug/d365-sandbox
VENV := $(CURDIR)/.venv
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json

.PHONY: help run dev sandbox bench mutants mutants-changed cargo-mutants-installed test setup setup-test build ui lint lint-rust lint-ui test-rust test-ui test-browser \
	test-peers test-e2e test-package package package-appimage bindings clean

help:
	@echo "make run        install what is missing, build, open the app"
	@echo "make test       install what is missing, run every test layer (lint, Rust, UI, desktop E2E)"
	@echo "make test-rust | test-ui | test-browser | test-peers | test-e2e | lint    one layer"
	@echo "make dev        the app on the Vite dev server: UI changes reload inside the window"
	@echo "make sandbox    run the local Entra ID + Dataverse emulator (d365-sandbox) in the foreground"
	@echo "make bindings   regenerate ui/src/bindings/ from the Rust commands"
	@echo "make mutants    mutation testing: cargo-mutants over vault, connections, dataverse; Stryker over ui/src"
	@echo "make mutants-changed   the same over what changed since MUTANTS_BASE (default origin/main)"
	@echo "make package   the .deb and .rpm (release) into $(TARGET_DIR)/packages"
	@echo "make bench      benchmarks against a 100k-row sandbox: full reads, bulk updates, the browse screens in the window (docs/benchmarks.md)"

# ---- setup ---------------------------------------------------------------------------------------------
setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

PEER_NODE := tests/peers/dynamics-web-api
$(PEER_NODE)/node_modules/.installed: $(PEER_NODE)/package-lock.json
	cd $(PEER_NODE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

# ---- build ---------------------------------------------------------------------------------------------
# The licences of the Rust crates compiled into what the packages ship, the app and the d365 CLI (the normal
# dependencies of the workspace's crates on this platform),
# for the About dialog: cargo-about's JSON, made from the crates' own licence files (offline: nothing is fetched
# but the crates themselves). The UI build turns it and the npm packages it bundles into
# ui/dist/third-party/{rust,npm}.json (ui/scripts/thirdParty.mjs), which the app embeds.
# cargo-about takes minutes on two cores: its output is also kept in the build cache ($(TARGET_DIR), outside a
# CI clone), named by a hash of what it is made from, so that a fresh clone with the same dependencies copies it.
RUST_LICENCES := target/licences/rust.json
LICENCE_INPUTS := Cargo.lock Cargo.toml $(wildcard crates/*/Cargo.toml) about.toml
CARGO_ABOUT := cargo about generate --frozen --workspace --format json -m Cargo.toml
$(RUST_LICENCES): $(LICENCE_INPUTS)
	@mkdir -p $(@D) $(TARGET_DIR)/licences
	key=$$({ cat $(LICENCE_INPUTS); echo '$(CARGO_ABOUT)'; } | sha256sum | cut -c1-16); cached=$(TARGET_DIR)/licences/rust-$$key.json; \
	if [ ! -s "$$cached" ]; then \
	  command -v cargo-about >/dev/null || { echo "cargo-about is missing: make setup installs it"; exit 1; }; \
	  host=$$(rustc -vV | sed -n 's/^host: //p'); cargo fetch --locked --quiet --target "$$host"; \
	  $(CARGO_ABOUT) --target "$$host" -o "$$cached.tmp"; \
	  mv "$$cached.tmp" "$$cached"; \
	fi; \
	cp "$$cached" $@

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES) ui/scripts/thirdParty.mjs $(RUST_LICENCES)
	cd ui && npm run --silent build

ui: ui/dist/index.html

# Every binary: the app, d365-sandbox, d365.
build: ui
	cargo build --workspace

# ---- run -----------------------------------------------------------------------------------------------
run:
ifeq ($(DISPLAY)$(WAYLAND_DISPLAY),)
	$(error make run needs a display, and DISPLAY and WAYLAND_DISPLAY are unset: run it in a desktop session, or headless with xvfb-run -a make run)
endif
	@$(MAKE) --no-print-directory setup build
	$(APP_BIN)

# Without the custom-protocol feature the window loads tauri.conf.json's devUrl (the Vite dev server, started
# here and stopped with the app). Every other build embeds ui/dist.
dev: setup ui/node_modules/.installed
ifeq ($(DISPLAY)$(WAYLAND_DISPLAY),)
	$(error make dev needs a display, and DISPLAY and WAYLAND_DISPLAY are unset)
endif
	(cd ui && exec ./node_modules/.bin/vite) & vite=$$!; trap 'kill $$vite' EXIT; \
	  cargo run --no-default-features --bin d365-desk

# ---- packages (README: Install) -----------------------------------------------------------------------
# The Tauri bundler from the npm @tauri-apps/cli package; scripts/package.sh stages the CLI, its completions
# and man pages, reads the dependencies off the binaries, and names the results the Debian/RPM way.
package: setup ui/node_modules/.installed
	scripts/package.sh release deb,rpm

# AppImage: the bundler downloads linuxdeploy and its plugins while it builds, which a machine without
# internet access cannot do (these CI machines); on a machine that can, this makes one.
package-appimage: setup ui/node_modules/.installed
	ui/node_modules/.bin/tauri build --ci --bundles appimage

sandbox: setup
	cargo run --quiet -p d365-sandbox -- $(ARGS)

# The release app embeds ui/dist; its window runs under the virtual display test-env.sh starts.
bench: setup-test ui $(VENV)/.installed $(PEER_NODE)/node_modules/.installed
	scripts/test-env.sh --display scripts/bench.sh

# ---- mutation testing (docs/testing.md) -----------------------------------------------------------------
# Too slow for every run on two cores: on demand. cargo-mutants builds a copy of the tree in the copy's own
# target/ (hence CARGO_TARGET_DIR unset); the keyring tests need test-env.sh's Secret Service.
MUTANTS_BASE ?= $(shell git rev-parse -q --verify origin/main || echo HEAD~1)
MUTANT_CRATES := -p d365-vault -p d365-connections -p d365-dataverse
CARGO_MUTANTS := env -u CARGO_TARGET_DIR scripts/test-env.sh cargo mutants --test-tool nextest --timeout 120 \
	--build-timeout 900 $(MUTANT_CRATES)

cargo-mutants-installed:
	@command -v cargo-mutants >/dev/null || cargo install cargo-mutants --version '^27' --locked

mutants: setup-test cargo-mutants-installed ui/node_modules/.installed
	$(CARGO_MUTANTS) -o target/mutants
	cd ui && npm run --silent mutants

mutants-changed: setup-test cargo-mutants-installed ui/node_modules/.installed
	mkdir -p target && git diff $(MUTANTS_BASE) -- crates > target/mutants.diff
	if [ -s target/mutants.diff ]; then $(CARGO_MUTANTS) --in-diff target/mutants.diff -o target/mutants-changed; \
	else echo "No Rust change since $(MUTANTS_BASE): nothing to mutate."; fi
	cd ui && MUTATE_BASE=$(MUTANTS_BASE) npm run --silent mutants:changed

# ---- test ----------------------------------------------------------------------------------------------
test: setup-test lint test-rust test-ui test-browser test-peers test-e2e test-package
	@echo "make test: every layer passed"

lint: lint-rust lint-ui

lint-rust: ui
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	@# The product does not link the emulator: only the app and the CLI (which start it) depend on it.
	@if cargo tree -p d365-connections -e normal --locked | grep -q d365-sandbox; then \
	  echo "d365-connections must not depend on d365-sandbox (cargo tree -p d365-connections -e normal)"; exit 1; fi

lint-ui: ui/node_modules/.installed
	cd ui && npm run --silent lint && npm run --silent check && npm run --silent format:check

test-rust: ui
	scripts/test-env.sh cargo nextest run --workspace --locked --no-fail-fast

test-ui: ui/node_modules/.installed
	cd ui && npm run --silent test

# Python layers get the binaries they drive through these variables.
PYTEST_ENV := D365DESK_APP_BINARY=$(APP_BIN) D365DESK_SANDBOX_BINARY=$(SANDBOX_BIN) D365DESK_CLI_BINARY=$(TARGET_DIR)/debug/d365

test-browser: build $(VENV)/.installed
	$(PYTEST_ENV) scripts/test-env.sh $(VENV)/bin/pytest tests/browser

test-peers: build $(VENV)/.installed $(PEER_NODE)/node_modules/.installed
	$(PYTEST_ENV) scripts/test-env.sh $(VENV)/bin/pytest tests/peers

test-e2e: build $(VENV)/.installed
	$(PYTEST_ENV) scripts/test-env.sh --display $(VENV)/bin/pytest tests/e2e

# A debug bundle is enough to check the packaging (a release build would double CI's time): lintian, then the
# unpacked app started to its first screen and the unpacked CLI (tests/package).
test-package: build $(VENV)/.installed
	scripts/package.sh debug deb,rpm
	$(PYTEST_ENV) D365DESK_PACKAGES=$(TARGET_DIR)/packages scripts/test-env.sh --display $(VENV)/bin/pytest tests/package

bindings: ui
	D365DESK_WRITE_BINDINGS=1 cargo test --test app committed_bindings_are_current

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules $(VENV) target/e2e-screenshots
