#!/usr/bin/env bash
# gradient-cli --version: the version from CMake's project(), the commit, the backends built in
# and the library versions, exit status 0 (what a bug report needs).
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"
out=$("$cli" --version) || fail "--version exited $?"
version=$(sed -n 's/^project(GradientStudio VERSION \([0-9.]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../CMakeLists.txt")
[[ $out == "gradient-cli $version"* ]] || fail "first line is not 'gradient-cli $version': $out"
[[ $out == *"backends: cpu"* ]] || fail "no 'backends: cpu' line: $out"
[[ $out =~ oneDNN\ [0-9]+\.[0-9]+\.[0-9]+,\ SQLite\ 3\.[0-9]+ ]] || fail "no library versions: $out"
[[ $out =~ dispatches\ [a-z0-9_]+ ]] || fail "no oneDNN ISA: $out"
echo "version: $((failures == 0 ? 1 : 0)) passed, $failures failed"
[[ $failures -eq 0 ]]
