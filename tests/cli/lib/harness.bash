# shellcheck shell=bash
# Sourced by the tests/cli/*.sh scripts (ctest runs each as `bash SCRIPT PATH/TO/gradient-cli`):
# $cli is the gradient-cli under test, $tmp a scratch folder removed at exit, and fail counts a
# failure and says what it was; each script ends with `[[ $failures -eq 0 ]]` or its own summary.
set -u
cli="${1:?usage: $(basename "$0") PATH/TO/gradient-cli}"
# OpenMP's busy-waiting workers crawl when the cores are shared with other jobs (ctest -j, a loaded
# CI machine: 20-50x slower steps on tiny models); passive waiting keeps these runs at seconds.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
