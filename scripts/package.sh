#!/usr/bin/env bash
# Builds the Linux packages with the Tauri bundler (npm @tauri-apps/cli), into $CARGO_TARGET_DIR/packages.
#   scripts/package.sh release deb,rpm     what `make package` ships
#   scripts/package.sh debug deb           the quick bundle `make test` checks
# The bundles' dependencies are read off the built binaries (dpkg-shlibdeps for the .deb, the ELF NEEDED
# sonames for the .rpm), so they are what the binaries really link, not a list kept by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:?usage: package.sh debug|release BUNDLES}
bundles=${2:?usage: package.sh debug|release deb,rpm}
target=${CARGO_TARGET_DIR:-$PWD/target}
tauri=ui/node_modules/.bin/tauri
flags=(--ci)
cargo_flags=(--locked)
if [ "$profile" = debug ]; then flags+=(--debug); else cargo_flags+=(--release); fi

cargo build "${cargo_flags[@]}" -p d365-cli --bin d365
# The app, built by the Tauri CLI itself (its features), then staged files and dependencies, then bundles.
"$tauri" build "${flags[@]}" --no-bundle
scripts/package-files.sh "$profile"

bins=("$target/$profile/d365-desk" "$PWD/gen/package/usr/bin/d365")
deb_depends() {
  local work; work=$(mktemp -d)
  mkdir -p "$work/debian"
  printf 'Source: d365-desk\n\nPackage: d365-desk\nArchitecture: any\n' > "$work/debian/control"
  # It warns that the binaries are not under debian/<package>/, as they would be in a Debian source tree.
  (cd "$work" && dpkg-shlibdeps -O "${bins[@]/#/-e}" 2>"$work/stderr") | sed -n 's/^shlibs:Depends=//p' ||
    cat "$work/stderr" >&2
  rm -rf "$work"
}
rpm_requires() {
  # rpm's own generator (as rpmbuild runs it): sonames with their symbol versions, libc.so.6(GLIBC_2.34)(64bit).
  # The bundler appends libwebkit2gtk-4.1 and libgtk-3 itself; naming them again would list them twice.
  printf '%s\n' "${bins[@]}" | /usr/lib/rpm/elfdeps --requires | sort -u |
    grep -v -e '^libwebkit2gtk-4\.1\.so\.0()(64bit)$' -e '^libgtk-3\.so\.0()(64bit)$' | paste -sd, | sed 's/,/, /g'
}
json_list() { # "a, b (>= 1)" -> "a", "b (>= 1)"
  sed -e 's/, /", "/g' -e 's/^/"/' -e 's/$/"/'
}
depends=$(deb_depends)
requires=$(rpm_requires)
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies (is dpkg-dev installed?)" >&2; exit 1; }
[ -n "$requires" ] || { echo "package: rpm's elfdeps found no requirements (is rpm installed?)" >&2; exit 1; }
printf '{"bundle": {"linux": {"deb": {"depends": [%s]}, "rpm": {"depends": [%s]}}}}\n' \
  "$(json_list <<<"$depends")" "$(json_list <<<"$requires")" > gen/package/depends.json

for kind in ${bundles//,/ }; do rm -rf "$target/$profile/bundle/$kind"; done
"$tauri" bundle "${flags[@]}" --bundles "$bundles" --config gen/package/depends.json

# The bundler appends unversioned libwebkit2gtk-4.1-0 and libgtk-3-0 to the list it is given: the control
# file gets the list as read, each package once, at the version the binaries need.
set_deb_depends() {
  local work; work=$(mktemp -d)
  dpkg-deb -R "$1" "$work/root"
  sed -i "s/^Depends: .*/Depends: $depends/" "$work/root/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip -b "$work/root" "$1" >/dev/null
  rm -rf "$work"
}

# Debian and RPM names (the bundler names them after the product, with a space).
version=$("${bins[1]}" --version | awk '{print $2}')
out="$target/packages"
mkdir -p "$out"
for kind in ${bundles//,/ }; do
  for built in "$target/$profile/bundle/$kind"/*."$kind"; do
    case $kind in
      deb) name="d365-desk_${version}_$(dpkg --print-architecture).deb"; set_deb_depends "$built" ;;
      rpm) name="d365-desk-${version}-1.$(uname -m).rpm" ;;
    esac
    [ "$profile" = debug ] && name="debug-$name"
    cp "$built" "$out/$name"
    echo "package: $out/$name ($(du -h "$out/$name" | cut -f1))"
    # The shipped .deb passes lintian whole (make test checks a debug one, whose binaries keep symbols).
    if [ "$kind" = deb ] && [ "$profile" = release ] && command -v lintian >/dev/null; then
      lintian --fail-on error,warning "$out/$name"
    fi
  done
done
