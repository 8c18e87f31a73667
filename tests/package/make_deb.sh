#!/usr/bin/env bash
# ctest package.deb (and scripts/package): the Debian package from this build tree, with CPack.
# Usage: make_deb.sh BUILD_DIR  ->  BUILD_DIR/packaging/deb/gradient-studio_VERSION_amd64.deb
set -euo pipefail
build=$1
for tool in rsvg-convert help2man dpkg-shlibdeps fakeroot; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is missing (scripts/deps installs it)"
    exit 77
  fi
done
# The icons and man pages come from the build (target package_files, in ALL when the tools were
# found at configure time); a test never runs the build itself.
if [[ ! -s $build/packaging/man/gradient-cli.1.gz || ! -s $build/packaging/icons/48x48/gradient-studio.png ]]; then
  echo "SKIP: the package's generated files are missing: build the target package_files (or reconfigure"
  echo "      $build if rsvg-convert and help2man were installed after it was configured)"
  exit 77
fi
out=$build/packaging/deb
rm -rf "$out"
mkdir -p "$out"
# Quiet unless it fails: cpack prints one line per step.
if ! cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log"
  exit 1
fi
rm -rf "$out/_CPack_Packages"
deb=$(ls "$out"/gradient-studio_*_amd64.deb)
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends
