#!/usr/bin/env bash
# Installs what D365 Desk needs and is missing; quick when everything is there.
#   scripts/setup.sh build   what `make run` needs
#   scripts/setup.sh test    that, plus what `make test` needs
set -euo pipefail
cd "$(dirname "$0")/.."
level=${1:-build}

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install sudo or run as root)"; fi
}

# Packages of the wanted sections of apt-packages.txt.
wanted_packages() {
  awk -v level="$level" '
    /^#/ || /^$/ { next }
    /^\[build\]/ { take = 1; next }
    /^\[test\]/  { take = (level == "test"); next }
    take { print $1 }' scripts/apt-packages.txt
}

install_apt_packages() {
  command -v dpkg-query >/dev/null || { say "not a Debian/Ubuntu system: install the packages in scripts/apt-packages.txt yourself"; return; }
  local missing=()
  for pkg in $(wanted_packages); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

check_node() {
  if ! command -v node >/dev/null; then
    say "installing Node.js from the distribution"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  local version major minor
  version=$(node --version | tr -d v)
  major=${version%%.*}; minor=$(echo "$version" | cut -d. -f2)
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node.js $version is too old: the UI build needs 20.19 or newer (https://nodejs.org/en/download, or nvm)"
  fi
}

check_rust() {
  command -v cargo >/dev/null || die "Rust is not installed: get it from https://rustup.rs, then run this again"
}

install_cargo_tool() { # binary crate version [cargo install options: --features ...]
  command -v "$1" >/dev/null && return
  say "installing $2 (cargo install, once)"
  cargo install "$2" --version "$3" --locked "${@:4}"
}

install_apt_packages
check_rust
check_node
# The UI build lists the Rust crates' licences with it (the About dialog; make target/licences/rust.json).
install_cargo_tool cargo-about cargo-about '^0.9' --features cli
if [ "$level" = test ]; then
  install_cargo_tool tauri-driver tauri-driver '^2'
  install_cargo_tool cargo-nextest cargo-nextest '^0.9'
fi
