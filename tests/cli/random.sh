#!/usr/bin/env bash
# gradient-cli random: JSON outputs against values JAX publishes (see tests/unit/random_test.cpp
# for the sources), and clean failures on bad arguments. Usage: random.sh PATH/TO/gradient-cli
set -u
cli="${1:?usage: random.sh PATH/TO/gradient-cli}"
failures=0
checks=0

# expect_out EXPECTED ARGS...: stdout must equal EXPECTED and the exit status must be 0.
expect_out() {
  local want="$1"
  shift
  checks=$((checks + 1))
  local got rc
  got="$("$cli" "$@" 2>/tmp/random_cli_err.$$)"
  rc=$?
  if [[ $rc -ne 0 || "$got" != "$want" ]]; then
    echo "FAIL: gradient-cli $* -> rc=$rc"
    echo "  got:      $got"
    echo "  expected: $want"
    sed 's/^/  stderr: /' /tmp/random_cli_err.$$
    failures=$((failures + 1))
  fi
}

# expect_fail PATTERN ARGS...: nonzero exit, nothing on stdout, stderr matching PATTERN, no crash.
expect_fail() {
  local pattern="$1"
  shift
  checks=$((checks + 1))
  local out err rc
  out="$("$cli" "$@" 2>/tmp/random_cli_err.$$)"
  rc=$?
  err="$(cat /tmp/random_cli_err.$$)"
  if [[ $rc -eq 0 || $rc -ge 128 || -n "$out" ]] || ! grep -qE -- "$pattern" <<<"$err"; then
    echo "FAIL: gradient-cli $* should fail naming /$pattern/ -> rc=$rc"
    echo "  stdout: $out"
    echo "  stderr: $err"
    failures=$((failures + 1))
  fi
}

# Keys: jax.random.PRNGKey with 64-bit seeds.
expect_out '[0,0]' random key 0
expect_out '[0,42]' random key 42
expect_out '[4294967295,4294967295]' random key -1
expect_out '[1,7]' random key 4294967303

# split(PRNGKey(0)) and split(PRNGKey(0), 4) (JAX's testPRNGValues).
expect_out '[[4146024105,967050713],[2718843009,1272950319]]' random split --key 0,0
expect_out '[[2285895361,1501764800],[1518642379,4090693311],[433833334,4221794875],[839183663,3740430601]]' \
  random split --key 0,0 --num 4
expect_out '[[2465931498,3679230171],[255383827,267815257]]' random split --key 0,42

# normal(PRNGKey(0), (10,)) from JAX's quickstart, printed with 9 significant digits.
expect_out '[-0.372110903,0.264231145,-0.182527676,-0.736819685,-0.440303773,-0.152144194,-0.671353459,-0.590864122,0.731688857,0.567302585]' \
  random normal --key 0,0 --shape 10
expect_out '[[-0.372110903,0.264231145,-0.182527676],[-0.736819685,0.449736625,-0.152144194],[-0.671353459,-0.590864122,0.731688857]]' \
  random normal --key 0,0 --shape 3,3
expect_out '-0.184711769' random normal --key 0,42 --shape ''
# bits(PRNGKey(1701), (3,)) from JAX's testRngRandomBits.
expect_out '[56197195,4200222568,961309823]' random bits --key 0,1701 --shape 3
expect_out '[[],[]]' random bits --key 0,0 --shape 2,0
# uniform: testRandomDistributionValues' seed; values in [0, 1) to 9 digits.
expect_out '[0.298671484,0.073212862,0.873355746,0.26054883,0.412796617]' \
  random uniform --key 0,1338574713 --shape 5

# Help works on every (sub)command.
for sub in "" key split normal uniform bits; do
  checks=$((checks + 1))
  # shellcheck disable=SC2086
  if ! "$cli" random $sub --help >/dev/null 2>&1; then
    echo "FAIL: gradient-cli random $sub --help"
    failures=$((failures + 1))
  fi
done

# Bad input: a message naming the argument, nonzero exit, no crash.
expect_fail 'SEED' random key abc
expect_fail 'SEED' random key
expect_fail '--key' random split --key 1,2,3
expect_fail '--key' random split --key 0,x
expect_fail '--key' random normal --key 0,4294967296 --shape 3
expect_fail '--key' random normal --shape 3
expect_fail '--num' random split --key 0,0 --num -2
expect_fail '--shape' random normal --key 0,0 --shape 3,-1
expect_fail '--shape' random uniform --key 0,0 --shape 2,b
expect_fail '--shape' random bits --key 0,0 --shape 100000,100000
expect_fail '--dtype' random uniform --key 0,0 --shape 2 --dtype i32
expect_fail '--minval' random uniform --key 0,0 --shape 2 --minval x

rm -f /tmp/random_cli_err.$$
echo "$((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
