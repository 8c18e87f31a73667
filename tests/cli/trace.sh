#!/usr/bin/env bash
# gradient-cli trace: the Autodiff Lab's walk headless. The JSON is read back with python and
# checked against what grad / jvp / vjp print for the same expression (the walk must end exactly
# where the engine's own transformations do), plus the per-equation records and usage errors.
# Usage: trace.sh path/to/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"

# check DESCRIPTION PYTHON_EXPR -- ARGS...: runs the CLI, loads its stdout as JSON into `t` and
# evaluates the assertion; `ref` is the JSON the CLI printed for $ref_args (when set).
check() {
  local desc="$1" expr="$2" got ref
  shift 3
  if ! got=$("$cli" "$@" 2>"$tmp/err"); then fail "$desc: exit $?: $(cat "$tmp/err")"; return; fi
  ref='null'
  if [[ -n "${ref_args:-}" ]]; then ref=$(eval "\"$cli\" $ref_args" 2>>"$tmp/err") || { fail "$desc: reference failed: $(cat "$tmp/err")"; return; }; fi
  if ! /usr/bin/python3 -c '
import json, sys
t = json.loads(sys.argv[1]); ref = json.loads(sys.argv[2])
ok = eval(sys.argv[3])
sys.exit(0 if ok else 1)
' "$got" "$ref" "$expr"; then fail "$desc: $expr
  got: ${got:0:600}
  ref: ${ref:0:300}"; fi
}

# forward: three equations, the values as they are computed
ref_args=''
check "forward records" \
  't["mode"] == "forward" and [s["equation"].split(" = ")[1].split()[0].split("[")[0] for s in t["steps"]] == ["mul", "reduce_sum", "div"] and t["steps"][0]["writes"][0]["value"] == [1, 4, 9] and t["out"] == 7' \
  -- trace 'sum(x*x)/2' --mode forward --at x=[1,2,3] --json

# vjp: the forward equations, then the transposed ones; the cotangent reaching x equals grad
ref_args="grad 'sum(x*x)/2' --at x=[1,-2,3]"
check "vjp ends at grad, bit for bit" \
  't["cotangent"]["x"] == ref["grad"]["x"] and t["out"] == ref["out"] and [s["phase"] for s in t["steps"]][:3] == ["forward"]*3 and t["steps"][-1]["phase"] == "backward" and any(w.get("of") == "a" for s in t["steps"] for w in s["writes"])' \
  -- trace 'sum(x*x)/2' --mode vjp --at x=[1,-2,3] --json

ref_args="vjp 'tanh(W @ x)' --at 'W=[[1,2],[3,4],[5,6]]' --at x=[0.1,-0.2] --cotangent [1,0.5,-1]"
check "vjp with a cotangent equals vjp" \
  't["cotangent"] == ref["cotangent"]' \
  -- trace 'tanh(W @ x)' --mode vjp --at 'W=[[1,2],[3,4],[5,6]]' --at x=[0.1,-0.2] --cotangent [1,0.5,-1] --json

ref_args="jvp 'sin(x) * y' --at x=[0,1] --at y=[2,3] --tangent x=[1,1] --tangent y=[0.5,0]"
check "jvp equals jvp, each record carries tangents" \
  't["tangent"] == ref["tangent"] and t["out"] == ref["out"] and all("tangent" in w for s in t["steps"] for w in s["writes"])' \
  -- trace 'sin(x) * y' --mode jvp --at x=[0,1] --at y=[2,3] --tangent x=[1,1] --tangent y=[0.5,0] --json
ref_args=''

# text output: one record per equation
got=$("$cli" trace 'sum(x*x)/2' --mode vjp --at x=[1,2,3] 2>"$tmp/err") || fail "text trace: $(cat "$tmp/err")"
[[ "$got" == *"[1/"*"forward  b:f32[3] = mul a a"* ]] || fail "text trace lacks the first record: $got"
[[ "$got" == *"cotangent = {\"x\": [1, 2, 3]}"* ]] || fail "text trace lacks the result: $got"

# usage errors: one line, naming the problem
for args in "trace sum(x) --mode sideways --at x=[1]" "trace sum(x) --mode forward --at x=[1] --cotangent 1" \
            "trace sum(x*x) --mode vjp --at x=[1,2] --cotangent [1,2]" "trace sum(x*) --at x=[1]"; do
  # shellcheck disable=SC2086
  if "$cli" $args >"$tmp/out" 2>"$tmp/err"; then fail "'$args' succeeded"; continue; fi
  [[ $(wc -l <"$tmp/err") -eq 1 && ! -s "$tmp/out" ]] || fail "'$args': not one line on stderr: $(cat "$tmp/err")"
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all trace CLI checks passed"
