#!/usr/bin/env bash
# What a new user hit with `gradient-cli train` (#24, item 3): builtin:linear trains on
# synthetic-regression as given (its 5 targets, its 20 examples under the default batch of 32) and
# its loss falls; every failure the config, model and dataset show is reported before the run
# exists, so no failed run is left in the database; an explicit --db in a missing folder is
# refused naming the folder, creating nothing. Usage: train_checks.sh PATH/TO/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"
db=$tmp/runs.db
cli=$(realpath "$cli")
cd "$tmp" || exit 1  # --db typo/runs.db below is relative
checks=0

check() {
  checks=$((checks + 1))
  if ! grep -qE -- "$2" <<<"$3"; then
    fail "$1: no /$2/ in:"
    sed 's/^/  | /' <<<"$3" | head -20
  fi
}

# run_count: the runs recorded in $db (0 when train never made the file).
run_count() {
  [[ -e $db ]] || { echo 0; return; }
  "$cli" runs list --db "$db" --json | grep -o '"id"' | wc -l
}

# refused DESCRIPTION PATTERN ARGS...: `train ARGS` exits 1 with PATTERN in stderr and records no run.
refused() {
  local desc="$1" pattern="$2" err rc
  shift 2
  err=$("$cli" train "$@" 2>&1 >/dev/null)
  rc=$?
  [[ $rc -eq 1 ]] || fail "$desc: exit $rc, want 1: ${err:0:300}"
  check "$desc" "$pattern" "$err"
  local n
  n=$(run_count)
  [[ $n -eq 0 ]] || fail "$desc: a run was recorded ($n in the database):$("$cli" runs list --db "$db")"
}

# --- failures found before a run row exists
lin=(--model builtin:linear --dataset synthetic-regression --db "$db")
refused "unknown dataset" "unknown dataset 'nope'" --model builtin:linear --dataset nope --db "$db"
refused "missing dataset folder" "dataset folder '$tmp/none' does not exist" \
  --model builtin:mlp --dataset "mnist-idx:$tmp/none" --db "$db"
mkdir -p "$tmp/empty"
refused "missing dataset files" "no train-images-idx3-ubyte\\[.gz\\] in '$tmp/empty'" \
  --model builtin:mlp --dataset "mnist-idx:$tmp/empty" --db "$db"
GS_FASHION_MNIST_DIR=$tmp/no-fashion refused "Fashion-MNIST not installed" \
  "Fashion-MNIST is not installed at '$tmp/no-fashion'" --model builtin:cnn --dataset fashion-mnist --db "$db"
refused "model/dataset mismatch" "input_shape \\(28, 28, 1\\) does not match dataset" \
  --model builtin:mlp --dataset synthetic-regression --db "$db"
refused "bad learning rate" "optimizer.lr: expected a positive number, got -1" "${lin[@]}" --lr -1
refused "a batch larger than the dataset" \
  "dataset 'synthetic-regression' has 20 training examples: not one batch of 64 \\(batch_size\\)" "${lin[@]}" --batch 64
# The checkpoint folder (runs.checkpoints beside runs.db) cannot be made: a file has its name.
echo x >"$tmp/runs.checkpoints"
refused "checkpoint folder blocked" "checkpoint folder '$tmp/runs.checkpoints' cannot be made: .* is not a folder" \
  "${lin[@]}"
rm "$tmp/runs.checkpoints"

# --- an explicit --db in a folder that does not exist: refused, nothing created
refused "--db in a missing folder" "^error: --db: the folder 'typo' of 'typo/runs.db' does not exist" \
  --model builtin:linear --dataset synthetic-regression --db typo/runs.db
[[ -e typo ]] && fail "--db typo/runs.db created the folder 'typo'"
err=$(GS_DB=$tmp/nofolder/runs.db "$cli" train --model builtin:linear --dataset synthetic-regression 2>&1)
check "\$GS_DB in a missing folder" "GS_DB: the folder '$tmp/nofolder' of" "$err"
[[ -e $tmp/nofolder ]] && fail "\$GS_DB in a missing folder created it"
err=$("$cli" resume 1 --db "$tmp/nofolder/runs.db" 2>&1)
check "resume on a missing database" "no runs database at '$tmp/nofolder/runs.db'" "$err"
[[ -e $tmp/nofolder ]] && fail "resume on a missing database created its folder"

# --- builtin:linear on synthetic-regression: the whole split as one batch, with a note; the loss falls
out=$("$cli" train "${lin[@]}" --epochs 30 --lr 0.3 --json 2>"$tmp/err")
rc=$?
[[ $rc -eq 0 ]] || fail "builtin:linear on synthetic-regression exited $rc: $(cat "$tmp/err")"
check "batch note" "^note: dataset 'synthetic-regression' has 20 training examples, fewer than the default batch of 32: one batch of 20" "$(cat "$tmp/err")"
check "finished" '"status":"finished"' "$(tail -n 1 <<<"$out")"
losses=$(grep '"event":"epoch"' <<<"$out" | grep -oE '"train/loss":[0-9.e+-]+' | cut -d: -f2)
first=$(head -n 1 <<<"$losses")
last=$(tail -n 1 <<<"$losses")
[[ $(wc -l <<<"$losses") -eq 30 ]] || fail "expected 30 epoch losses, got: $losses"
checks=$((checks + 1))
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 10) }' || fail "the loss did not fall tenfold: $first -> $last"
check "the recorded batch" '"batch_size":20' "$("$cli" runs show 1 --db "$db" --json)"

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
