#!/usr/bin/env bash
# gradient-cli model show|init|apply: the tabulate-style table and its JSON, init's variables
# against the key derivation recomputed here from independent parts (Python's hashlib SHA-1 and
# gradient-cli's own fold_in / truncated_normal, which tests/cli/random.sh checks against JAX),
# apply against x @ kernel + bias from init's output, and clean failures: exit 2 for usage errors
# (unknown builtin, bad --key, --input-shape, --input, --prng, an input the model cannot take,
# naming the layer), exit 1 for a spec file that is missing or invalid; never a crash.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"
py=/usr/bin/python3

# expect_fail RC PATTERN ARGS...: exit status RC, nothing on stdout, stderr matching PATTERN.
expect_fail() {
  local want_rc="$1" pattern="$2"
  shift 2
  local out rc
  out=$("$cli" model "$@" 2>"$tmp/err")
  rc=$?
  if [[ $rc -ne $want_rc || -n "$out" ]] || ! grep -qE -- "$pattern" "$tmp/err"; then
    fail "model $* should exit $want_rc naming /$pattern/: rc=$rc stdout='${out:0:200}' stderr='$(cat "$tmp/err")'"
  fi
}

# show: the table, as Flax's tabulate docstring example (Dense(4), Dense(2) on float32[16,9]).
cat >"$tmp/foo.json" <<'JSON'
{"name": "Foo", "input_shape": [9], "layers": [{"type": "dense", "features": 4}, {"type": "dense", "features": 2}]}
JSON
out=$("$cli" model show "$tmp/foo.json" --input-shape 16,9) || fail "show foo.json exited $?"
for cell in "|         | Foo    | float32[16,9] | float32[16,2] |" "| Dense_0 | Dense  | float32[16,9] | float32[16,4] | bias: float32[4]" \
  "kernel: float32[9,4]" "40 (160 B)" "10 (40 B)" "| Total         | 50 (200 B)" "Total Parameters: 50 (200 B)"; do
  [[ $out == *"$cell"* ]] || fail "show foo.json: no '$cell' in:
$out"
done
out=$("$cli" model show builtin:cnn) || fail "show builtin:cnn exited $?"
[[ $out == *"| BatchNorm_1 | BatchNorm | float32[1,14,14,64] |"* && $out == *"192 (768 B)"* &&
  $out == *"Total Parameters: 824,842 (3.3 MB)"* ]] || fail "show builtin:cnn table: $out"

# show --json: valid JSON with the same numbers.
"$cli" model show builtin:cnn --json >"$tmp/cnn.json" || fail "show --json exited $?"
$py - "$tmp/cnn.json" <<'PY' || fail "show --json: $(head -c 300 "$tmp/cnn.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["total"]["params"] == {"count": 824650, "bytes": 3298600}, s["total"]
assert s["total"]["batch_stats"]["count"] == 192
rows = {r["path"]: r for r in s["layers"]}
assert rows[""]["module"] == "cnn" and rows[""]["outputs"] == [1, 10]
assert rows["Conv_1"]["variables"]["params"]["kernel"]["shape"] == [3, 3, 32, 64]
assert rows["BatchNorm_0"]["variables"]["batch_stats"]["var"]["shape"] == [32]
assert rows["relu_0"]["variables"] == {}
PY

# init: Dense_0's kernel is lecun_normal of fold_in(key, sha1(b"Dense_0" + b"\x01")[:4]), bias 0.
cat >"$tmp/d3.json" <<'JSON'
{"name": "d3", "input_shape": [4], "layers": [{"type": "dense", "features": 3}]}
JSON
for prng in classic partitionable; do
  "$cli" model init "$tmp/d3.json" --key 7,42 --prng $prng --json >"$tmp/init.json" || fail "init --prng $prng exited $?"
  h=$($py -c 'import hashlib; print(int.from_bytes(hashlib.sha1(b"Dense_0\x01").digest()[:4], "big"))')
  k=$("$cli" random fold_in --key 7,42 --data "$h" | tr -d '[]')
  "$cli" random truncated_normal --key "$k" --lower -2 --upper 2 --shape 4,3 --prng $prng >"$tmp/z.json" ||
    fail "random truncated_normal exited $?"
  $py - "$tmp/init.json" "$tmp/z.json" <<'PY' || fail "init --prng $prng: kernel is not the Flax derivation: $(cat "$tmp/init.json")"
import json, math, sys
v = json.load(open(sys.argv[1])); z = json.load(open(sys.argv[2]))
assert list(v) == ["params"] and list(v["params"]) == ["Dense_0"], v
p = v["params"]["Dense_0"]
assert p["bias"] == [0, 0, 0], p["bias"]
std = math.sqrt(1 / 4) / 0.87962566103423978
for row_k, row_z in zip(p["kernel"], z):
    for a, b in zip(row_k, row_z):
        assert abs(a - b * std) <= 1e-6 * (1 + abs(a)), (a, b * std)
PY
done
out=$("$cli" model init builtin:cnn --key 0,0) || fail "init builtin:cnn (text) exited $?"
[[ $out == *"batch_stats"*"BatchNorm_0"*"mean: float32[32]"* && $out == *"kernel: float32[3,3,1,32]"* ]] ||
  fail "init text tree: ${out:0:400}"

# apply: the output equals x @ kernel + bias from init with the same key.
x='[[1,2,3,4,5,6,7,8,9,10],[0,0,0,0,0,0,0,0,0,-1]]'
"$cli" model apply builtin:linear --key 0,0 --input "$x" --json >"$tmp/apply.json" || fail "apply exited $?"
"$cli" model init builtin:linear --key 0,0 --input-shape 2,10 --json >"$tmp/lin.json" || fail "init linear exited $?"
$py - "$tmp/apply.json" "$tmp/lin.json" "$x" <<'PY' || fail "apply != x @ kernel + bias: $(cat "$tmp/apply.json")"
import json, sys
y = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))["params"]["Dense_0"]; x = json.loads(sys.argv[3])
assert y["shape"] == [2, 5], y  # builtin:linear is Dense(5), the tutorial's matrix regression
for xi, yi in zip(x, y["output"]):
    for j, got in enumerate(yi):
        want = sum(a * k[j] for a, k in zip(xi, p["kernel"])) + p["bias"][j]
        assert abs(got - want) <= 1e-5 * (1 + abs(want)), (j, got, want)
PY
out=$("$cli" model apply builtin:cnn --key 0,0 --input "$($py -c 'print([[[[0.5]] * 28] * 28])')") ||
  fail "apply builtin:cnn exited $?"
[[ $out == "float32[1,10]"* ]] || fail "apply builtin:cnn text: $out"

# Usage errors: exit 2, naming what is wrong.
expect_fail 2 "unknown builtin 'nope'; the builtins are cnn, linear, mlp" show builtin:nope
expect_fail 2 "--input-shape: expected a 64-bit integer, got 'x'" show builtin:mlp --input-shape 1,x
expect_fail 2 "--input-shape: dimension 2 is negative" show builtin:mlp --input-shape 1,-784
expect_fail 2 "--input-shape: .* more than 2\^63 elements" show builtin:mlp --input-shape 4294967296,4294967296,784
# A shape too large to make is fine where it is never made: show reads shapes only.
out=$("$cli" model show builtin:mlp --input-shape 3000000000,28,28,1) || fail "show of a huge batch exited $?"
[[ $out == *"float32[3000000000,28,28,1]"*"Total Parameters: 407,050 (1.6 MB)"* ]] || fail "show of a huge batch: $out"
"$cli" model init builtin:linear --key 0,0 --input-shape 3000000000,10 --json >/dev/null || fail "init with a huge batch exited $?"
expect_fail 2 "--input-shape: expected at least one dimension" show builtin:mlp --input-shape ''
expect_fail 2 "--input-shape: shape \[1,28,28\] does not match the model's input_shape \[28,28,1\]" show builtin:cnn --input-shape 1,28,28
expect_fail 2 "--key: expected two unsigned 32-bit integers" init builtin:mlp --key 1
expect_fail 2 "--key: expected two unsigned 32-bit integers" init builtin:mlp --key 0,-1
expect_fail 2 "--key is required" init builtin:mlp
expect_fail 2 "--prng: expected classic or partitionable, got 'foo'" init builtin:mlp --key 0,0 --prng foo
expect_fail 2 "--input: shape \[1,2\] does not match the model's input_shape \[28,28,1\]" apply builtin:cnn --key 0,0 --input '[[1,2]]'
echo '{"layers": [{"type": "dense", "features": 2}]}' >"$tmp/noshape.json"
# Flax would build a (2, 1) kernel for this input; the spec declares 10 features, so it is a mistake.
expect_fail 2 "--input: shape \[1,2\] does not match the model's input_shape \[10\]; expected \[batch,10\]" apply builtin:linear --key 0,0 --input '[[1,2]]'
expect_fail 2 "--input: shape \[\] does not match" apply "$tmp/foo.json" --key 0,0 --input '3'
# Without a declared input_shape the layers decide, and the one that cannot take the input is named.
echo '{"layers": [{"type": "conv", "features": 2, "kernel_size": [3, 3]}]}' >"$tmp/conv_noshape.json"
expect_fail 2 "Conv_0: input \(1, 2\) has rank 2 but Conv needs NHWC \(rank 4\)" apply "$tmp/conv_noshape.json" --key 0,0 --input '[[1,2]]'
expect_fail 2 "Dense_0: " apply "$tmp/noshape.json" --key 0,0 --input '3'
expect_fail 2 "--input: .*column" apply builtin:linear --key 0,0 --input '[[1,2'
expect_fail 2 "--input is required" apply builtin:linear --key 0,0
expect_fail 2 "unknown command 'model frobnicate'" frobnicate
# Runtime errors (the spec file): exit 1, naming the file or the layer.
expect_fail 1 "'$tmp/missing.json' is neither builtin:NAME" show "$tmp/missing.json"
echo '{"input_shape": [3], "layers": [{"type": "dense", "features": -3}]}' >"$tmp/bad.json"
expect_fail 1 "layers\[0\] \(dense\): 'features' must be a positive integer" init "$tmp/bad.json" --key 0,0
echo '{"layers": [' >"$tmp/broken.json"
expect_fail 1 "broken.json.*not valid JSON" show "$tmp/broken.json"
expect_fail 2 "--input-shape is required: the spec has no input_shape" show "$tmp/noshape.json"

echo "model: $((failures == 0 ? 1 : 0)) passed, $failures failed"
[[ $failures -eq 0 ]]
