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

# expect_close "W1 W2 ..." ARGS...: the printed numbers (flattened) must each be within
# atol = rtol = 1e-6 of JAX's six-decimal values (${RTOL} overrides rtol), exit status 0.
expect_close() {
  local want="$1"
  shift
  checks=$((checks + 1))
  local got rc
  got="$("$cli" "$@" 2>/tmp/random_cli_err.$$)"
  rc=$?
  local flat
  flat="$(tr -d '[]' <<<"$got" | tr ',' ' ')"
  if [[ $rc -ne 0 ]] || ! awk -v got="$flat" -v want="$want" -v rtol="${RTOL:-1e-6}" 'BEGIN {
      n = split(got, g, " "); m = split(want, w, " ");
      if (n != m) exit 1;
      for (i = 1; i <= n; i++) { d = g[i] - w[i]; if (d < 0) d = -d; t = w[i] < 0 ? -w[i] : w[i];
        if (d > 1e-6 + rtol * t) exit 1 }
      exit 0 }'; then
    echo "FAIL: gradient-cli $* -> rc=$rc"
    echo "  got:      $got"
    echo "  expected: $want (to 1e-6)"
    sed 's/^/  stderr: /' /tmp/random_cli_err.$$
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

# fold_in(PRNGKey(0), 4) (JAX's testPRNGValues); the same in both modes.
expect_out '[2285895361,433833334]' random fold_in --key 0,0 --data 4
expect_out '[2285895361,433833334]' random fold_in --key 0,0 --data 4 --prng partitionable

# Partitionable mode (JAX >= 0.5's default): the jax.random module page prints
# uniform(key(0)) = 0.947667 and, for key, subkey = split(key(0)), uniform(subkey) = 0.00729382.
expect_close '0.947667' random uniform --key 0,0 --prng partitionable
expect_close '0.00729382' random uniform --key "$("$cli" random split --key 0,0 --prng partitionable |
  sed 's/.*\],\[\([0-9]*\),\([0-9]*\)\]\]/\1,\2/')" --prng partitionable

# Every distribution of testRandomDistributionValues (jax-ml/jax tests/random_test.py, classic
# mode; key = PRNGKey(zlib.adler32(name + "threefry2x32")), shape (5,)).
expect_out '[10,158,82,54,158]' random bits --key 0,942802475 --shape 5 --dtype uint8
expect_out '[6738,38161,50695,57337,61600]' random bits --key 0,942802475 --shape 5 --dtype uint16
expect_out '[17649965731882839947,1415307058040849897,8282622628079774249,14024425113645909402,2012979996110532418]' \
  random bits --key 0,942802475 --shape 5 --dtype uint64
expect_out '[false,true,true,true,false]' random bernoulli --key 0,1612777541 --shape 5 --p 0.5
expect_close '0.13259 0.824893 0.948363 0.964155 0.235448' random beta --key 0,923534869 --shape 5 --a 0.8 --b 0.9
RTOL=1e-5 expect_close '-0.088416 -10.169713 3.49677 -1.18056 0.34556' random cauchy --key 0,1175914230 --shape 5
expect_close '0.003128 0.009694 0.987178 0.025938 0.479091 0.494971' \
  random dirichlet --key 0,1590822961 --shape 2 --alpha '[0.5,0.6,0.7]'
expect_close '-2.408914 -3.370437 3.235352 -0.907734 -1.708732' \
  random double_sided_maxwell --key 0,3634826421 --shape 5 --loc 1 --scale 2
expect_close '0.526067 0.043046 0.039932 0.46427 0.123886' random exponential --key 0,1942292768 --shape 5
expect_close '0.824221 1.724476 0.502882 5.386132 0.685543' random gamma --key 0,1038747260 --shape 5 --a 0.8
expect_close '2.06701 0.911726 0.145736 0.185427 -0.00711' random gumbel --key 0,1179715317 --shape 5
expect_close '0.578939 -0.204902 0.555733 0.911053 -0.96456' random laplace --key 0,1291781963 --shape 5
expect_close '0.240559 -3.575443 -0.450946 -2.161372 -2.943277' random loggamma --key 0,1440221118 --shape 5 --a 0.8
expect_close '0.19611 -1.709053 -0.274093 -0.208322 -1.675489' random logistic --key 0,1466238935 --shape 5
expect_close '3.070779 0.908479 1.521317 0.875551 1.306137' random maxwell --key 0,1331627891 --shape 5
expect_close '1.067826 1.215599 0.234166 -0.237534 1.32591 1.413987' \
  random multivariate_normal --key 0,3497659512 --shape 2 --mean '[1,1,1]' --cov '[[1,0,0],[0,1,0],[0,0,1]]'
expect_close '-1.173234 -1.511662 0.070593 -0.099764 1.052845' random normal --key 0,1193674498 --shape 5
expect_close '2.751398 1.281863 87.85448 1.254542 2.824487' random pareto --key 0,1192560388 --shape 5 --b 0.5
expect_out '[7,3,6,11,6]' random poisson --key 0,1349191556 --shape 5 --lam 5
expect_out '[-1,-1,-1,-1,1]' random rademacher --key 0,1719994501 --shape 5
expect_out '[0,5,7,7,5]' random randint --key 0,1319372649 --shape 5 --minval 0 --maxval 10
expect_close '0.582807 1.709771 0.159513 0.861376 0.36148' \
  random truncated_normal --key 0,2846034731 --shape 5 --lower 0 --upper 2
expect_close '1.605863 0.841809 0.224218 0.4826 0.027901' \
  random weibull_min --key 0,1921059088 --shape 5 --scale 1 --concentration 1
# testRngRandomBits: PRNGKey(1701), 8 and 16 bits.
expect_out '[216,115,43]' random bits --key 0,1701 --shape 3 --dtype uint8
expect_out '[41682,1300,55017]' random bits --key 0,1701 --shape 3 --dtype uint16

# Help works on every (sub)command.
for sub in "" key split fold_in normal uniform bits truncated_normal randint choice permutation \
  bernoulli rademacher categorical gumbel exponential laplace logistic cauchy pareto weibull_min \
  maxwell double_sided_maxwell gamma loggamma beta t poisson dirichlet multivariate_normal orthogonal; do
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
expect_fail '--prng' random normal --key 0,0 --shape 2 --prng fast
expect_fail '--prng' random split --key 0,0 --prng ''
expect_fail '--data' random fold_in --key 0,0 --data -1
expect_fail '--dtype' random bits --key 0,0 --shape 2 --dtype uint12
expect_fail '--a' random gamma --key 0,0 --shape 2 --a -1
expect_fail '--a' random gamma --key 0,0 --shape 2
expect_fail '--a' random loggamma --key 0,0 --a x
expect_fail '--b' random beta --key 0,0 --a 1 --b 0
expect_fail '--df' random t --key 0,0 --df 0
expect_fail '--lam' random poisson --key 0,0 --lam -3
expect_fail '--lam' random poisson --key 0,0 --lam five
expect_fail '--p' random bernoulli --key 0,0 --p 1.5
expect_fail '--minval' random randint --key 0,0 --maxval 3
expect_fail '--maxval' random randint --key 0,0 --minval 0 --maxval 2.5
expect_fail '--a' random choice --key 0,0 --shape 6 --a 5 --replace false
expect_fail '--replace' random choice --key 0,0 --a 5 --replace maybe
expect_fail '--p' random choice --key 0,0 --shape 2 --a 3 --p '[0.5,0.5]'
expect_fail '--p' random choice --key 0,0 --shape 2 --a 2 --p '[-1,2]'
expect_fail '--x' random permutation --key 0,0 --x -4
expect_fail '--logits' random categorical --key 0,0 --logits '[1,2'
expect_fail '--axis' random categorical --key 0,0 --logits '[1,2]' --axis 3
expect_fail '--scale' random weibull_min --key 0,0 --scale 0 --concentration 1
expect_fail '--concentration' random weibull_min --key 0,0 --scale 1
expect_fail '--scale' random double_sided_maxwell --key 0,0 --loc 0 --scale -2
expect_fail '--b' random pareto --key 0,0 --b -1
expect_fail '--lower' random truncated_normal --key 0,0 --lower 2 --upper 1
expect_fail '--alpha' random dirichlet --key 0,0 --alpha '[1,-1]'
expect_fail '--alpha' random dirichlet --key 0,0
expect_fail '--cov' random multivariate_normal --key 0,0 --mean '[0,0]' --cov '[[1,2],[2,1]]'
expect_fail '--cov' random multivariate_normal --key 0,0 --mean '[0,0]' --cov '[[1,0,0]]'
expect_fail '--mean' random multivariate_normal --key 0,0 --mean '[[0]]' --cov '[[1]]'
expect_fail '--n' random orthogonal --key 0,0 --n x

# train records the run's PRNG mode, draws in it, and eval replays it: the partitionable run's
# test loss differs from the classic one's and eval reproduces it. example takes --prng too.
tmp_train=$(mktemp -d)
echo '{"name": "lin", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]}' >"$tmp_train/lin.json"
train=("$cli" train --model "$tmp_train/lin.json" --dataset synthetic-regression:64 --batch 16 --epochs 1
  --db "$tmp_train/runs.db")
part="$("${train[@]}" --prng partitionable 2>&1 | grep -oE 'test loss [0-9.]+$')"
classic="$("${train[@]}" 2>&1 | grep -oE 'test loss [0-9.]+$')"
checks=$((checks + 1))
if [[ -z "$part" || -z "$classic" || "$part" == "$classic" ]]; then
  echo "FAIL: train --prng partitionable vs classic: '$part' / '$classic'"
  failures=$((failures + 1))
fi
checks=$((checks + 1))
if ! "$cli" runs show 1 --db "$tmp_train/runs.db" | grep -q '"prng":"partitionable"' ||
  ! "$cli" runs show 2 --db "$tmp_train/runs.db" | grep -q '"prng":"classic"'; then
  echo "FAIL: runs show does not record each run's prng"
  failures=$((failures + 1))
fi
checks=$((checks + 1))
if ! "$cli" eval 1 --db "$tmp_train/runs.db" | grep -q "$part"; then
  echo "FAIL: eval of the partitionable run does not reproduce its $part"
  failures=$((failures + 1))
fi
expect_fail 'prng' train --model "$tmp_train/lin.json" --dataset synthetic-regression:64 --prng fast \
  --db "$tmp_train/runs.db"
expect_fail '--prng' example linear_regression --prng fast
checks=$((checks + 1))
if ! "$cli" example linear_regression --prng partitionable | grep -q '^Final loss'; then
  echo "FAIL: example linear_regression --prng partitionable"
  failures=$((failures + 1))
fi
rm -rf "$tmp_train"

rm -f /tmp/random_cli_err.$$
echo "$((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
