#!/usr/bin/env bash
# Stages what the .deb and .rpm carry beside the app (tauri.conf.json's bundle.linux.*.files point here):
# the d365 CLI, its shell completions and man pages (generated from its clap definition by the binary
# itself), the Debian copyright and changelog, the third-party licences.
#   scripts/package-files.sh debug|release
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:?usage: package-files.sh debug|release}
target=${CARGO_TARGET_DIR:-$PWD/target}
cli="$target/$profile/d365"
out=gen/package
[ -x "$cli" ] || { echo "package-files: $cli is not built (cargo build --bin d365${profile/debug/})" >&2; exit 1; }

rm -rf "$out"
doc="$out/usr/share/doc/d365-desk"
mkdir -p "$out/usr/bin" "$out/usr/share/bash-completion/completions" "$out/usr/share/zsh/vendor-completions" \
  "$out/usr/share/fish/vendor_completions.d" "$out/usr/share/man/man1" "$doc"

# Reproducible: the generated man pages are dated by the commit, not by today (as dpkg-buildpackage does).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
install -m 0755 "$cli" "$out/usr/bin/d365"
"$cli" completions bash > "$out/usr/share/bash-completion/completions/d365"
"$cli" completions zsh > "$out/usr/share/zsh/vendor-completions/_d365"
"$cli" completions fish > "$out/usr/share/fish/vendor_completions.d/d365.fish"
"$cli" man-pages "$out/usr/share/man/man1" > /dev/null

# The version has one home, the workspace Cargo.toml; the dates are the commit's.
version=$("$cli" --version | awk '{print $2}')
date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)/" packaging/d365-desk.1.in \
  > "$out/usr/share/man/man1/d365-desk.1"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" packaging/changelog.in | gzip -9n > "$doc/changelog.gz"
# Debian policy: man pages and changelogs compressed with gzip -9, without a timestamp (-n).
gzip -9n "$out"/usr/share/man/man1/*.1
install -m 0644 packaging/copyright "$doc/copyright"
# The About dialog's lists, as the UI build made them (ui/scripts/thirdParty.mjs).
for kind in rust npm; do
  licences=ui/dist/third-party/$kind.json
  [ -s "$licences" ] || { echo "package-files: $licences is missing: make ui builds it" >&2; exit 1; }
  install -m 0644 "$licences" "$doc/third-party-licences-$kind.json"
done
echo "package-files: staged $(find "$out" -type f | wc -l) files for $profile in $out (version $version)"
