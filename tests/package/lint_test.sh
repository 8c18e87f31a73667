#!/usr/bin/env bash
# ctest package.lint (and scripts/package): lintian on the .deb (no errors allowed; warnings are
# printed), desktop-file-validate on its .desktop entry, appstreamcli on its metainfo.
# Usage: lint_test.sh BUILD_DIR
set -uo pipefail
build=$1
deb=$(ls "$build"/packaging/deb/gradient-studio_*_amd64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "no .deb in $build/packaging/deb: run ctest -R package.deb first"; exit 1; }
for tool in lintian desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is missing (scripts/deps installs it)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
status=0

echo "== desktop-file-validate"
desktop-file-validate "$tmp"/usr/share/applications/*.desktop || status=1

echo "== appstreamcli validate --no-net"
# --no-net: the check must not depend on the network; an info line is not a failure.
appstreamcli validate --no-net "$tmp"/usr/share/metainfo/*.metainfo.xml || status=1

echo "== lintian"
# Runs as root here (CI); lintian refuses nothing for that, but says so.
lintian --allow-root --tag-display-limit 0 "$deb" >"$tmp/lintian.txt" 2>&1
cat "$tmp/lintian.txt"
if grep -q '^E: ' "$tmp/lintian.txt"; then
  echo "lintian reported errors"
  status=1
fi
echo "lintian: $(grep -c '^E: ' "$tmp/lintian.txt") errors, $(grep -c '^W: ' "$tmp/lintian.txt") warnings"
exit "$status"
