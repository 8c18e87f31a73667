#!/usr/bin/env bash
# ctest package.consumer: the files of the .deb unpacked into a folder (as dpkg would put them under
# /usr), then a 10-line project (consumer/) finds them with find_package(GradientEngine), links
# GradientEngine::engine, runs, and prints grad(½ xᵀx)([1 2 3 4]) = [1 2 3 4].
# Usage: consumer_test.sh BUILD_DIR
set -euo pipefail
build=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deb=$(ls "$build"/packaging/deb/gradient-studio_*_amd64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "SKIP: no .deb in $build/packaging/deb (package.deb was skipped or failed)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
# No compiler launcher, no flags from the main build: only what the installed config provides.
cmake -S "$here/consumer" -B "$tmp/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/root/usr" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
out=$("$tmp/build/consumer")
echo "$out"
grep -q '^engine 0\.' <<<"$out" || { echo "FAIL: no engine version line"; exit 1; }
grep -qF 'Array([1., 2., 3., 4.], dtype=float32)' <<<"$out" || { echo "FAIL: grad(0.5 * sum(x * x)) at [1 2 3 4] is not [1 2 3 4]"; exit 1; }
# Linked against the unpacked library, not the build tree's. ldd's output is kept whole first: under
# pipefail, `ldd | grep -q` fails at random when grep quits early and ldd dies of SIGPIPE.
libs=$(ldd "$tmp/build/consumer")
grep -qF "$tmp/root/usr/lib/" <<<"$(grep libgradient-engine <<<"$libs")" \
  || { echo "FAIL: consumer is not linked to the unpacked libgradient-engine.so"; echo "$libs"; exit 1; }
echo "consumer: built and ran against the packaged engine"
