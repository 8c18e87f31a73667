#!/usr/bin/env bash
# gradient-cli example NAME: runs a reference program and fails (exit 1) when its result is wrong;
# unknown names are errors (1) naming the known examples, bad flags are usage errors (2).
# Usage: example.sh path/to/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"

# expect_rc DESCRIPTION RC PATTERN -- ARGS...: exit status RC and PATTERN (grep -E) in stdout+stderr.
expect_rc() {
  local desc="$1" want_rc="$2" pattern="$3" rc
  shift 4
  "$cli" "$@" >"$tmp/out" 2>&1
  rc=$?
  if [[ $rc -ne $want_rc ]]; then fail "$desc: exit $rc, want $want_rc: $(tail -3 "$tmp/out")"; return; fi
  if ! grep -Eq "$pattern" "$tmp/out"; then fail "$desc: no '$pattern' in: $(tail -5 "$tmp/out")"; fi
}

expect_rc "linear regression converges" 0 'TrainState: W = 2\.0[0-9]*|TrainState: W = 1\.99' -- example linear_regression
expect_rc "the 10x5 fit runs the steps asked" 0 'Loss step  30:' -- example linear_regression --steps 31
# "Loss step i" is the loss after step i's update, as in the tutorial (#24): step 0's is already
# below the initial loss, and the last line printed is the final loss.
init=$(sed -n 's/^Initial loss: //p' "$tmp/out")
step0=$(sed -n 's/^Loss step   0: //p' "$tmp/out")
step30=$(sed -n 's/^Loss step  30: //p' "$tmp/out")
final=$(sed -n 's/^Final loss \([^;]*\);.*/\1/p' "$tmp/out")
awk -v s="$step0" -v i="$init" 'BEGIN { exit !(s != "" && i != "" && s + 0 < i + 0) }' ||
  fail "Loss step 0 ($step0) is not after the first update (initial loss $init)"
[[ -n $step30 && $step30 == "$final" ]] || fail "Loss step 30 ($step30) is not the final loss ($final)"
expect_rc "too few steps do not converge" 1 'the 10x5 fit did not converge' -- example linear_regression --steps 11
# --dataset is used where it fits and refused, naming it, where it does not (#24: it was ignored or
# garbled as "Dense: features must be positive, got 0").
expect_rc "linear_regression on more samples" 0 'Final loss' -- example linear_regression --dataset synthetic-regression:200
expect_rc "linear_regression on images" 1 "^error: linear_regression: --dataset 'mnist-digits' does not fit" \
  -- example linear_regression --dataset mnist-digits
expect_rc "mnist_mlp on regression data" 1 \
  "^error: mnist_mlp: --dataset 'synthetic-regression' does not fit: the example classifies 28x28x1 images, and its examples are \\(10\\) with regression targets" \
  -- example mnist_mlp --dataset synthetic-regression
expect_rc "autodiff_basics takes no data set" 1 "^error: autodiff_basics: --dataset 'mnist-digits' does not fit" \
  -- example autodiff_basics --dataset mnist-digits
expect_rc "a short MLP run learns" 0 'Test set accuracy 0\.[5-9]' -- example mnist_mlp --epochs 1 --limit 1000
expect_rc "an accuracy it cannot reach fails" 1 'below --min-accuracy' -- example mnist_mlp --epochs 1 --limit 320 --steps 2 --min-accuracy 0.99
expect_rc "unknown example" 1 "unknown example 'nope'; known: autodiff_basics, linear_regression" -- example nope
expect_rc "missing name" 2 'NAME' -- example
expect_rc "bad epochs" 2 'epochs' -- example mnist_mlp --epochs -3

exit $((failures > 0))
