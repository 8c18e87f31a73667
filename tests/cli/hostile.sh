#!/usr/bin/env bash
# Hostile input to gradient-cli (issue #10): every case must end with one clear line on stderr and
# a nonzero exit status below 128 (no signal, so no crash and no sanitizer abort), or succeed
# where the input is odd but valid (zero-size arrays, huge abstract shapes, inf values).
# Usage: hostile.sh path/to/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"

# expect_error DESCRIPTION SUBSTRING -- ARGS...
expect_error() {
  local desc="$1" want="$2" got rc err
  shift 3
  got=$("$cli" "$@" 2>"$tmp/err")
  rc=$?
  err=$(cat "$tmp/err")
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then fail "$desc: exit status $rc (stderr: ${err:0:300})"; return; fi
  if [[ -n "$got" ]]; then fail "$desc: unexpected stdout: ${got:0:300}"; fi
  if [[ $(wc -l <"$tmp/err") -ne 1 ]]; then fail "$desc: stderr is not one line: ${err:0:500}"; fi
  if [[ "$err" != *"$want"* ]]; then fail "$desc: stderr lacks '$want': ${err:0:300}"; fi
}

# expect_output DESCRIPTION SUBSTRING -- ARGS...: exit 0 and stdout containing SUBSTRING.
expect_output() {
  local desc="$1" want="$2" got rc
  shift 3
  got=$("$cli" "$@" 2>"$tmp/err")
  rc=$?
  if [[ $rc -ne 0 ]]; then fail "$desc: exit $rc: $(head -c 300 "$tmp/err")"; return; fi
  if [[ "$got" != *"$want"* ]]; then fail "$desc: stdout lacks '$want': ${got:0:300}"; fi
}

repeat() { local s="" i; for ((i = 0; i < $2; i++)); do s+="$1"; done; printf '%s' "$s"; }

# ---- expressions: nesting, length, unknown names
# (Linux caps one argument at 128 KiB, hence 50k and not more.)
expect_error "50k nested parentheses" "nested too deeply" \
  -- jaxpr "$(repeat '(' 50000)x$(repeat ')' 50000)" --var x=f32[]
expect_error "a 20k-term sum" "expression too long" -- jaxpr "x$(repeat ' + x' 20000)" --var x=f32[]
expect_error "nested calls" "nested too deeply" -- grad "$(repeat 'sin(' 5000)x$(repeat ')' 5000)" --at x=1
expect_error "unknown function" "unknown function 'frobnicate'" -- grad 'frobnicate(x)' --at x=1
expect_error "unknown keyword" "1:8: sum() got an unexpected keyword argument 'axes' (did you mean 'axis'?)" \
  -- grad 'sum(x, axes=0)' --at x=[1,2]
expect_error "binary garbage" "1:1:" -- jaxpr $'\x01\x02\x7f' --var x=f32[]
expect_error "unterminated program" "1:" -- jaxpr 'sum(x' --var x=f32[]

# ---- shapes: huge abstract shapes trace; huge concrete ones are refused by size, naming the shape
expect_output "jaxpr over a 10^12-element input" "a:f32[1000000,1000000]" \
  -- jaxpr 'sum(x * 2)' --var 'x=f32[1000000,1000000]'
expect_error "a --var extent beyond int64" "--var x" -- jaxpr 'x' --var 'x=f32[99999999999999999999]'
expect_error "a --var shape whose size overflows" "more elements than fit in 64 bits" \
  -- jaxpr 'x' --var 'x=f32[4294967296,4294967296,4294967296]'
blowup='a = reshape(x, (4, 1)) * reshape(x, (1, 4))
b = reshape(a, (16, 1)) * reshape(a, (1, 16))
c = reshape(b, (256, 1)) * reshape(b, (1, 256))
d = reshape(c, (65536, 1)) * reshape(c, (1, 65536))
sum(d)'
GS_MAX_ARRAY_BYTES=100000000 expect_error "an expression squaring its size to 2^32 elements" \
  "array f32[65536,65536] needs 17179869184 bytes (16.0 GiB), more than the limit of 100000000 bytes" \
  -- grad "$blowup" --at x=[1,2,3,4]
expect_error "reshape to a wrong size" "reshape" -- grad 'sum(reshape(x, (1000000, 1000000)))' --at x=[1,2]
expect_error "random with a shape beyond memory" "--shape" -- random normal --key 0,0 --shape 4294967296,4294967296

# ---- zero-size and non-finite values work
expect_output "grad over an empty vector" '"grad": {"x": []}' -- grad 'sum(x * x)' --at 'x=[]'
expect_output "exp of a huge exponent is inf, not a crash" '{"out": "Infinity", "grad": {"x": ["Infinity"]}}' \
  -- grad 'sum(exp(x))' --at 'x=[1000]'
expect_output "a number beyond float range reads as inf (as Python's json does)" '"out": "Infinity"' \
  -- grad 'sum(x)' --at 'x=[1e99999]'

# ---- strict JSON (#24): non-finite numbers are the strings "NaN", "Infinity", "-Infinity", never
# bare NaN / Infinity / nan, which strict parsers refuse; those strings read back as values.
expect_strict_json() {
  local desc="$1" want="$2" got
  shift 3
  got=$("$cli" "$@" 2>"$tmp/err") || { fail "$desc: exit $?: $(head -c 300 "$tmp/err")"; return; }
  python3 -c 'import json, sys
def bare(c): sys.exit("bare " + c)
json.loads(sys.argv[1], parse_constant=bare)' "$got" || fail "$desc: not strict JSON: ${got:0:300}"
  [[ "$got" == *"$want"* ]] || fail "$desc: stdout lacks '$want': ${got:0:300}"
}
expect_strict_json "grad with NaN and infinities" '{"out": "NaN", "grad": {"x": ["Infinity", -1, 1]}}' \
  -- grad 'sum(log(x))' --at 'x=[0,-1,1]'
expect_strict_json "jvp of -inf" '"tangent": "-Infinity"' -- jvp 'log(x)' --at x=0 --tangent x=-1
expect_strict_json "random uniform --minval nan" '["NaN","NaN"]' -- random uniform --key 0,0 --minval nan --shape 2
expect_strict_json "random uniform in f64 up to inf" '"Infinity"' \
  -- random uniform --key 0,0 --minval 0 --maxval inf --dtype f64 --shape 3
expect_strict_json "the strings read back" '{"out": "NaN", "grad": {"x": [1, 1, 1]}}' \
  -- grad 'sum(x)' --at 'x=["NaN","Infinity",1]'

# ---- malformed values
expect_error "deeply nested --at array" "nested more than" -- grad 'sum(x)' --at "x=$(repeat '[' 50000)1$(repeat ']' 50000)"
expect_error "a NUL-free binary --at" "--at x" -- grad 'sum(x)' --at $'x=[\x01]'

if ((failures)); then
  echo "$failures hostile-input check(s) failed" >&2
  exit 1
fi
echo "hostile inputs: all refused cleanly"
