#!/usr/bin/env bash
# gradient-cli jaxpr / jvp / grad / vjp / jacobian: outputs checked exactly or as JSON within a
# tolerance, and bad input refused with one line on stderr and a nonzero (non-crash) exit status.
# Usage: autodiff.sh path/to/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"

# run_cli ARGS...: runs the CLI; stdout in $got, exit status in $rc, stderr in $tmp/err.
run_cli() {
  got=$("$cli" "$@" 2>"$tmp/err")
  rc=$?
}

# expect_exact DESCRIPTION EXPECTED_STDOUT -- ARGS...
expect_exact() {
  local desc="$1" want="$2" got rc
  shift 3
  run_cli "$@"
  if [[ $rc -ne 0 ]]; then fail "$desc: exit $rc: $(cat "$tmp/err")"; return; fi
  if [[ "$got" != "$want" ]]; then fail "$desc:
  got:  $got
  want: $want"; fi
}

# expect_close DESCRIPTION EXPECTED_JSON -- ARGS...: same structure, numbers within 1e-5 relative.
expect_close() {
  local desc="$1" want="$2" got rc
  shift 3
  run_cli "$@"
  if [[ $rc -ne 0 ]]; then fail "$desc: exit $rc: $(cat "$tmp/err")"; return; fi
  if ! python3 -c '
import json, math, sys
def close(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
sys.exit(0 if close(json.loads(sys.argv[1]), json.loads(sys.argv[2])) else 1)
' "$got" "$want"; then fail "$desc:
  got:  $got
  want: $want"; fi
}

# expect_error DESCRIPTION SUBSTRING -- ARGS...: nonzero exit below 128 (no signal), nothing on
# stdout, exactly one line on stderr, containing SUBSTRING.
expect_error() {
  local desc="$1" want="$2" got rc err
  shift 3
  run_cli "$@"
  err=$(cat "$tmp/err")
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then fail "$desc: exit status $rc (stderr: $err)"; return; fi
  if [[ -n "$got" ]]; then fail "$desc: unexpected stdout: $got"; fi
  if [[ $(wc -l <"$tmp/err") -ne 1 ]]; then fail "$desc: stderr is not one line: $err"; fi
  if [[ "$err" != *"$want"* ]]; then fail "$desc: stderr lacks '$want': $err"; fi
}

# ---- jaxpr
expect_exact "jaxpr of sum(x*x)/2" \
  '{ lambda ; a:f32[4]. let b:f32[4] = mul a a; c:f32[] = reduce_sum[axes=(0,)] b; d:f32[] = div c 2.0 in (d,) }' \
  -- jaxpr 'sum(x*x)/2' --var x=f32[4]
expect_exact "jaxpr keeps the --var order" \
  '{ lambda ; a:f32[3] b:f32[]. let c:f32[3] = mul a b in (c,) }' \
  -- jaxpr 'y * x' --var y=f32[3] --var x=f32[]
expect_exact "jaxpr --multiline" \
  $'{ lambda ; a:f32[2]. let\n    b:f32[2] = tanh a\n  in (b,) }' \
  -- jaxpr 'tanh(x)' --var x=f32[2] --multiline

# ---- grad
expect_exact "grad of sum(x*x)/2 at [1,2,3]" '{"out": 7, "grad": {"x": [1, 2, 3]}}' \
  -- grad 'sum(x*x)/2' --wrt x --at x=[1,2,3]
expect_close "grad of a scalar function" '{"out": 15.625, "grad": {"x": 18.75}}' \
  -- grad 'x ** 3' --at x=2.5
expect_close "grad wrt a matrix and a vector" \
  '{"out": 10, "grad": {"W": [[1, 1], [1, 1]], "x": [4, 6]}}' \
  -- grad 'sum(W @ x)' --at 'W=[[1,2],[3,4]]' --at x=[1,1]
expect_close "grad --wrt one of two" '{"out": 11, "grad": {"y": [1, 2]}}' \
  -- grad 'dot(x, y)' --wrt y --at x=[1,2] --at y=[3,4]
expect_close "grad of a multi-line program" '{"out": 2.5, "grad": {"x": [1, -2]}}' \
  -- grad $'y = x * x  # squares\nsum(y) / 2' --at 'x=[1, -2]'
expect_close "grad of an expression starting with '-'" '{"out": -4, "grad": {"x": -4}}' \
  -- grad --at x=2 -- '-x**2'
expect_close "an expression starting with '-' placed first, before its options" \
  '{"out": -2.07944155, "grad": {"p": [-1, -0.5, -0.25]}}' -- grad '-sum(log(p))' --at 'p=[1,2,4]'
# The usual `--` before an argument starting with '-' works too, with options after it (#24).
expect_close "-- before a leading minus" \
  '{"out": -2.07944155, "grad": {"p": [-1, -0.5, -0.25]}}' -- grad -- '-sum(log(p))' --at 'p=[1,2,4]'
expect_close "grad of prod is exact at a zero" '{"out": 0, "grad": {"x": [0, 0, 8, 0]}}' \
  -- grad 'prod(x)' --at 'x=[1,2,0,4]'
expect_close "jvp of prod is exact at a zero" '{"out": 0, "tangent": 8}' \
  -- jvp 'prod(x)' --at 'x=[1,2,0,4]' --tangent 'x=[0,0,1,0]'
expect_exact "sum of booleans counts in int32, as jnp.sum" \
  '{ lambda ; a:f32[3]. let b:bool[3] = gt a 0.0; c:i32[3] = convert_element_type[new_dtype=int32 weak_type=False] b; d:i32[] = reduce_sum[axes=(0,)] c in (d,) }' \
  -- jaxpr 'sum(x > 0)' --var 'x=f32[3]'
expect_error "a statement whose value is dropped" "1:1: this statement's value is never used" \
  -- grad $'sum(x*x)\n+1' --at x=[1]
expect_error "a unicode character is shown as itself" "1:1: unexpected character 'λ' (U+03BB)" \
  -- grad 'λ * 2' --at x=1
if ! "$cli" grad --help | grep -q 'logsumexp(x, axis=..., keepdims=...)'; then fail "grad --help lists no functions"; fi
expect_close "grad of logsumexp is softmax" \
  '{"out": 3.40760596, "grad": {"x": [0.0900305732, 0.244728471, 0.665240956]}}' \
  -- grad 'logsumexp(x)' --at x=[1,2,3]

# ---- jvp
expect_close "jvp of sin" '{"out": [0, 0.841470985], "tangent": [1, 0.540302306]}' \
  -- jvp 'sin(x)' --at x=[0,1] --tangent x=[1,1]
expect_close "jvp with a missing tangent (zero)" '{"out": [3, 8], "tangent": [3, 0]}' \
  -- jvp 'x * y' --at x=[1,2] --at y=[3,4] --tangent x=[1,0]

# ---- vjp
expect_close "vjp of x * y" '{"out": [3, 8], "cotangent": {"x": [3, 4], "y": [1, 2]}}' \
  -- vjp 'x * y' --at x=[1,2] --at y=[3,4] --cotangent [1,1]
expect_close "vjp with a negative scalar cotangent" '{"out": 5, "cotangent": {"x": [-2, -4]}}' \
  -- vjp 'sum(x * x)' --at x=[1,2] --cotangent=-1

# ---- jacobian
expect_close "jacobian of softmax" \
  '{"out": [0.0900305732, 0.244728471, 0.665240956], "jacobian": [[0.0819250691, -0.0220330445, -0.0598920245], [-0.0220330445, 0.184836447, -0.162803402], [-0.0598920245, -0.162803402, 0.222695427]]}' \
  -- jacobian 'softmax(x)' --wrt x --at x=[1,2,3]
expect_close "jacobian of a matrix-vector product is the matrix" \
  '{"out": [5, 11], "jacobian": [[1, 2], [3, 4]]}' \
  -- jacobian 'W @ x' --wrt x --at 'W=[[1,2],[3,4]]' --at x=[1,2]

# ---- help
for cmd in jaxpr jvp grad vjp jacobian; do
  if ! "$cli" "$cmd" --help | grep -q "Example:"; then fail "$cmd --help"; fi
done

# ---- errors
expect_error "malformed JSON" "--at x: invalid value at column 5" -- grad 'sum(x)' --at x=[1,2
expect_error "bad number" "--at x: invalid value at column 2: malformed number '1..2'" -- grad 'sum(x)' --at x=[1..2]
expect_error "ragged array" "--at x: ragged array" -- grad 'sum(x)' --at 'x=[[1,2],[3]]'
expect_error "not NAME=VALUE" "--at '[1,2]': expected NAME=VALUE" -- grad 'sum(x)' --at [1,2]
expect_error "unknown variable" "--at z: the expression has no variable 'z'" -- grad 'sum(x)' --at x=[1] --at z=[2]
expect_error "missing --at" "missing --at for variable 'y'" -- grad 'sum(x * y)' --at x=[1]
expect_error "variable given twice" "--at x: given twice" -- grad 'sum(x)' --at x=[1] --at x=[2]
expect_error "shape mismatch" "1:7: operator '+': shapes (2) and (3) cannot be broadcast" \
  -- grad 'sum(x + y)' --at x=[1,2] --at y=[1,2,3]
expect_error "unknown function" "1:5: unknown function 'expp' (did you mean 'exp'?)" -- grad '1 + expp(x)' --at x=1
expect_error "unclosed parenthesis" "1:7: expected ')' to close '(' at 1:1" -- jaxpr '(x + 1' --var x=f32[]
expect_error "grad of a non-scalar" "grad needs an expression with a scalar result, got f32[2]" -- grad 'x * 2' --at x=[1,2]
expect_error "--wrt not a variable" "--wrt y: not a variable given with --at" -- grad 'sum(x)' --wrt y --at x=[1]
expect_error "tangent shape" "--tangent x: shape [3] does not match --at x f32[2]" \
  -- jvp 'x' --at x=[1,2] --tangent x=[1,2,3]
expect_error "cotangent shape" "--cotangent: shape [] does not match the output f32[2]" \
  -- vjp 'x' --at x=[1,2] --cotangent 1
expect_error "bad type" "--var x: 'f32[4' is not a type like f32[3,4]" -- jaxpr 'x' --var 'x=f32[4'
expect_error "bad dtype" "--var x: 'q8[4]' is not a type" -- jaxpr 'x' --var 'x=q8[4]'
expect_error "deep nesting" "expression nested too deeply" -- jaxpr "$(printf '(%.0s' {1..500})x$(printf ')%.0s' {1..500})" --var x=f32[]
expect_error "jacobian needs one --wrt" "jacobian needs exactly one --wrt" -- jacobian 'x * y' --at x=1 --at y=2

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all autodiff CLI checks passed"
