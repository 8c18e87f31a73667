#!/usr/bin/env bash
# gradient-cli bench: each workload runs a couple of steps and prints one JSON object with the
# documented fields, consistent with each other (never the time itself); bad arguments fail
# with usage errors. Usage: bench.sh PATH/TO/gradient-cli
set -u
cli="${1:?usage: bench.sh PATH/TO/gradient-cli}"
failures=0

check_json() {  # WORKLOAD STEPS BATCH ARGS...
  local workload=$1 steps=$2 batch=$3
  shift 3
  local out rc
  out="$("$cli" bench "$workload" --steps "$steps" --warmup 0 --threads 1 --json "$@")"
  rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: gradient-cli bench $workload exited $rc"
    failures=$((failures + 1))
    return
  fi
  if ! python3 - "$out" "$workload" "$steps" "$batch" <<'PY'; then
import json, sys
j = json.loads(sys.argv[1])
workload, steps, batch = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for k in ("workload", "steps", "examples", "seconds", "examples_per_s", "compile_seconds"):
    assert k in j, f"missing field {k}: {j}"
assert j["workload"] == workload, j
assert j["steps"] == steps and j["examples"] == steps * batch, j
assert j["seconds"] > 0 and j["compile_seconds"] > 0, j
assert abs(j["examples_per_s"] - j["examples"] / j["seconds"]) <= 1e-6 * j["examples_per_s"], j
assert j["threads"] == 1, j
PY
    echo "FAIL: gradient-cli bench $workload printed: $out"
    failures=$((failures + 1))
  fi
}

check_json mlp 3 32
check_json mlp-eval 2 1000
check_json cnn 1 100

expect_usage_error() {
  "$cli" bench "$@" >/dev/null 2>&1
  local rc=$?
  if [[ $rc -ne 2 ]]; then
    echo "FAIL: gradient-cli bench $* should be a usage error (exit 2), got $rc"
    failures=$((failures + 1))
  fi
}
expect_usage_error resnet
expect_usage_error mlp --steps 0
expect_usage_error mlp --threads x

if ((failures > 0)); then
  echo "bench.sh: $failures failure(s)"
  exit 1
fi
echo "bench.sh: all checks passed"
