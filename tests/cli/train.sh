#!/usr/bin/env bash
# gradient-cli train / runs / eval / resume end to end on tiny data (a small regression model on
# synthetic data), each run recorded in a database in a temporary folder:
# train (epoch lines, JSON events, the progress bar under a pseudo-terminal), runs list / show /
# metrics / compare / rename / tag / delete, eval, Ctrl-C giving a 'stopped' run and resume
# finishing it, and bad flags refused with the field named. Usage: train.sh PATH/TO/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"
db=$tmp/runs.db
checks=0

# check DESCRIPTION PATTERN TEXT: TEXT must match the extended regex PATTERN.
check() {
  checks=$((checks + 1))
  if ! grep -qE -- "$2" <<<"$3"; then
    fail "$1: no /$2/ in:"
    sed 's/^/  | /' <<<"$3" | head -40
  fi
}

cat >"$tmp/lin.json" <<'EOF'
{"name": "lin", "input_shape": [10],
 "layers": [{"type": "dense", "features": 16}, {"type": "tanh"}, {"type": "dense", "features": 5}]}
EOF
train=("$cli" train --model "$tmp/lin.json" --dataset synthetic-regression:256 --batch 16 --db "$db")

# --- a run with one line per epoch (stdout is not a terminal)
out=$("${train[@]}" --epochs 2 --lr 0.05 --name first 2>&1)
rc=$?
[[ $rc -eq 0 ]] || fail "train exited $rc"
check "train start line" '^run 1: 2 epoch\(s\) x 16 steps' "$out"
check "epoch 1 line" '^epoch 1/2  train loss [0-9.]+  test loss [0-9.]+  [0-9.]+ s' "$out"
check "epoch 2 line" '^epoch 2/2  train loss' "$out"
check "finish line" '^run 1 finished in [0-9.]+ s: test loss [0-9.]+' "$out"
[[ $out == *$'\r'* ]] && fail "no progress bar (carriage returns) when stdout is not a terminal"

# --- JSON events, one per line, and the second run differs by optimizer
json=$("${train[@]}" --epochs 1 --optimizer adam --lr 0.01 --name second --tag baseline --json)
check "json started" '^\{"elapsed_s":.*"event":"started".*"run":2' "$json"
check "json step" '"event":"step".*"metrics":\{"train/loss":[0-9.e-]+\}' "$json"
check "json epoch" '"event":"epoch".*"test/loss"' "$json"
check "json final" '"event":"status".*"status":"finished"' "$(tail -n 1 <<<"$json")"
bad_lines=$(grep -vc '^{.*}$' <<<"$json")
[[ $bad_lines -eq 0 ]] || fail "$bad_lines --json output lines are not JSON objects"

# --- a live progress bar under a pseudo-terminal
tty_out=$(script -qec "${train[*]} --epochs 1 --log-every 1 --name tty" /dev/null)
check "progress bar" $'epoch 1/1 \\[[=> ]+\\] +[0-9]+% [0-9]+/16 loss [0-9.]+ .*ETA [0-9-]+:[0-9-]+' "$tty_out"
[[ $tty_out == *$'\r'* ]] || fail "the progress bar does not redraw in place (no carriage return)"

# --- the history
list=$("$cli" runs list --db "$db")
check "runs list header" '^ID +NAME +STATUS +DATASET' "$list"
check "runs list first" '^1 +first +finished +synthetic-regression:256' "$list"
check "runs list tags" '^2 +second +finished .* baseline$' "$list"
check "runs list --json" '"name":"first"' "$("$cli" runs list --db "$db" --json)"
check "runs list --search" '^2 +second' "$("$cli" runs list --db "$db" --search baseline)"
show=$("$cli" runs show 1 --db "$db")
check "runs show status" 'status +finished' "$show"
check "runs show final" 'test/loss +[0-9.]+' "$show"
check "runs show series" 'train/loss +5 points' "$show"  # steps 10, 16, 20, 30, 32
check "runs show checkpoint" 'step 32 .*step-00000032.safetensors' "$show"
check "runs show --json" '"config":\{.*"optimizer":\{"lr":0.05' "$("$cli" runs show 1 --db "$db" --json)"
metrics=$("$cli" runs metrics 1 --db "$db" --name train/loss)
check "runs metrics" '^32 +2 +train/loss +[0-9.]+' "$metrics"
csv=$("$cli" runs metrics 1 --db "$db" --csv)
check "runs metrics --csv header" '^step,epoch,name,value,wall_time$' "$(head -n 1 <<<"$csv")"
check "runs metrics --csv row" '^32,2,test/loss,[0-9.e-]+,[0-9.e-]+$' "$csv"
# --name prints every digit, as the full listing does (#24): the very value of the CSV row.
name_loss=$(awk '$1 == 32 { print $4 }' <<<"$metrics")
csv_loss=$(grep -E '^32,2,train/loss,' <<<"$csv" | cut -d, -f4)
python3 -c 'import sys; sys.exit(float(sys.argv[1]) != float(sys.argv[2]))' "$name_loss" "$csv_loss" ||
  fail "runs metrics --name rounds: $name_loss, the full listing has $csv_loss"
compare=$("$cli" runs compare 1 2 --db "$db")
check "runs compare" '^test/loss +[0-9.e-]+ +[0-9.e-]+' "$compare"
"$cli" runs rename 1 renamed --db "$db" >/dev/null || fail "rename"
"$cli" runs tag 1 keep --db "$db" >/dev/null || fail "tag"
check "rename and tag" '^1 +renamed +finished .* keep$' "$("$cli" runs list --db "$db")"

# --- commands that only read never create a database nor its folder (#24)
err=$("$cli" runs list --db "$tmp/typo/runs.db" 2>&1) && fail "runs list of a missing database succeeded"
check "a missing database is named" "'$tmp/typo/runs.db' does not exist" "$err"
[[ -e $tmp/typo ]] && fail "runs list --db typo/runs.db created $tmp/typo"
HOME=$tmp/home XDG_DATA_HOME='' GS_DB='' "$cli" runs show 1 >/dev/null 2>&1 && fail "runs show of no database succeeded"
[[ -e $tmp/home ]] && fail "runs show created the default database under $tmp/home"
for cmd in "runs list" "runs show 1" "train --model builtin:mlp" "eval 1"; do
  # (a private HOME: before #24 these opened, and created, the default database)
  # shellcheck disable=SC2086
  err=$(HOME=$tmp/home XDG_DATA_HOME='' GS_DB='' "$cli" $cmd --db '' 2>&1)
  rc=$?
  [[ $rc -eq 2 && $err == *"--db: an empty path"* ]] || fail "$cmd --db '': exit $rc, want 2 naming --db: $err"
done
# On read-only media (a read-only bind mount, where this runs as root) readers open the database
# read-only rather than failing on journal_mode = WAL.
mkdir -p "$tmp/media" "$tmp/ro" && cp "$db" "$tmp/media/runs.db"
if unshare -m true 2>/dev/null; then
  ro_out=$(unshare -m sh -c 'mount --bind "$1/media" "$1/ro" && mount -o remount,bind,ro "$1/ro" || exit 99
    "$2" runs list --db "$1/ro/runs.db" && "$2" runs show 1 --db "$1/ro/runs.db" --json &&
    "$2" runs metrics 1 --db "$1/ro/runs.db" --name train/loss && "$2" runs compare 1 2 --db "$1/ro/runs.db"' \
    sh "$tmp" "$cli" 2>&1)
  rc=$?
  if [[ $rc -ne 99 ]]; then
    [[ $rc -eq 0 ]] || fail "readers on read-only media: exit $rc: ${ro_out:0:300}"
    check "runs list on read-only media" '^1 +renamed +finished' "$ro_out"
  fi
fi

# --- eval from the checkpoint: the same test loss as the run reported
eval_out=$("$cli" eval 1 --db "$db")
loss=$(grep -oE 'test/loss +[0-9.e-]+$' <<<"$show" | head -n 1 | awk '{print $2}')
check "eval" "^run 1 on synthetic-regression:256 \\(256 test examples, checkpoint at step 32\\): test loss" "$eval_out"
eval_json=$("$cli" eval 1 --db "$db" --json)
python3 - "$eval_json" "$loss" <<'EOF' || fail "eval loss differs from the run's final test loss"
import json, sys
got, want = json.loads(sys.argv[1])["test/loss"], float(sys.argv[2])
sys.exit(0 if abs(got - want) <= 1e-5 * max(1.0, abs(want)) else 1)
EOF
# --- eval --confusion: the confusion matrix and per-class accuracy of a classifier, on a tiny
# IDX fixture (4x4 images whose class is where the bright pixel is) written here
python3 - "$tmp/idx" <<'EOF'
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d)
rng = random.Random(0)
def write(prefix, n):
    labels = [i % 10 for i in range(n)]
    with open(f"{d}/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + struct.pack(">III", n, 4, 4))
        for y in labels:
            px = [rng.randrange(40) for _ in range(16)]
            px[y] = 255
            f.write(bytes(px))
    with open(f"{d}/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", n) + bytes(labels))
write("train", 200); write("t10k", 50)
EOF
cat >"$tmp/tiny.json" <<'EOF'
{"name": "tiny", "input_shape": [4, 4, 1], "layers": [{"type": "flatten"}, {"type": "dense", "features": 10}]}
EOF
"$cli" train --model "$tmp/tiny.json" --dataset "mnist-idx:$tmp/idx" --epochs 1 --batch 10 --lr 0.5 --db "$db" \
  --name tiny --json >"$tmp/tiny.jsonl" || fail "training the tiny classifier"
tiny=$(grep -oE '"event":"started".*' "$tmp/tiny.jsonl" | grep -oE '"run":[0-9]+' | head -n 1 | cut -d: -f2)
conf_out=$("$cli" eval "$tiny" --db "$db" --confusion)
check "eval --confusion header" '^confusion matrix \(rows: true class, columns: predicted class\)' "$conf_out"
check "eval --confusion row" '^  3 3 +( +[0-9]+){10}  [01]\.[0-9]{4}$' "$conf_out"
conf_json=$("$cli" eval "$tiny" --db "$db" --confusion --json)
python3 - "$conf_json" <<'EOF' || fail "eval --confusion --json is not consistent: $conf_json"
import json, sys
j = json.loads(sys.argv[1])
m, acc = j["confusion"], j["per_class_accuracy"]
assert len(m) == 10 and all(len(r) == 10 for r in m)
assert all(sum(r) == 5 for r in m), "each test class has 5 examples"  # labels i % 10 of 50
assert sum(map(sum, m)) == j["examples"] == 50
assert abs(sum(m[k][k] for k in range(10)) / 50 - j["test/accuracy"]) < 1e-9
assert all(abs(acc[k] - m[k][k] / 5) < 1e-9 for k in range(10))
assert j["class_names"] == [str(k) for k in range(10)]
EOF
err=$("$cli" eval 1 --db "$db" --confusion 2>&1)
check "eval --confusion of a regression run" "run 1 is a regression run on 'synthetic-regression:256': it has no confusion matrix" "$err"


# --- Ctrl-C stops between steps and saves the run as 'stopped'; resume finishes it
# 20,000 steps: on a fast idle machine 1,000 ended before the first poll could interrupt them,
# and 20,000 take 0.5 s since session 5; the poll looks every 20 ms.
"$cli" train --model "$tmp/lin.json" --dataset synthetic-regression:4000 --batch 4 --epochs 20 --log-every 1 \
  --db "$db" --name interrupted --json >"$tmp/int.jsonl" 2>"$tmp/int.err" &
pid=$!
for _ in $(seq 1500); do
  grep -q '"event":"step"' "$tmp/int.jsonl" 2>/dev/null && break
  sleep 0.02
done
kill -INT $pid
wait $pid
rc=$?
[[ $rc -eq 130 ]] || fail "train after SIGINT exited $rc, not 130"
check "stopped event" '"status":"stopped"' "$(tail -n 1 "$tmp/int.jsonl")"
id=$(grep -oE '"event":"started".*' "$tmp/int.jsonl" | grep -oE '"run":[0-9]+' | head -n 1 | cut -d: -f2)
check "stopped run in the history" "^$id +interrupted +stopped" "$("$cli" runs list --db "$db")"
resume=$("$cli" resume "$id" --db "$db")
check "resume" "resuming at step [0-9]+" "$resume"
check "resume finished" "^run $id finished" "$resume"
check "resumed run finished" "^$id +interrupted +finished" "$("$cli" runs list --db "$db")"
steps=$("$cli" runs metrics "$id" --db "$db" --name train/loss | tail -n +2 | wc -l)
[[ $steps -eq 20000 ]] || fail "the resumed run has $steps train/loss rows, not 20000 (one per step)"

# --- a closed stdout (`| head -1`) stops the run as Ctrl-C does: a checkpoint and status 'stopped'
# (#24; SIGPIPE killed it mid-step, leaving it 'interrupted')
"$cli" train --model "$tmp/lin.json" --dataset synthetic-regression:4000 --batch 4 --epochs 20 \
  --log-every 1 --db "$db" --name piped --json | head -n 1 >"$tmp/first"
rc=${PIPESTATUS[0]}
first=$(cat "$tmp/first")
[[ $rc -eq 141 ]] || fail "train | head -1 exited $rc, not 141 (128 + SIGPIPE)"
# The first line is the 'starting' status, before the run exists (its row waits for the checks):
# the run is found by its name.
check "the first line is the starting status" '"status":"starting"' "$first"
pid=$("$cli" runs list --db "$db" --search piped --json | grep -oE '"id":[0-9]+' | head -n 1 | cut -d: -f2)
piped=$("$cli" runs show "$pid" --db "$db" --json)
check "a closed stdout stops the run" '"status":"stopped"' "$piped"
check "a closed stdout checkpoints the run" '"checkpoints":\[\{"created"' "$piped"

# --- delete removes the run and its checkpoint files
ckpt=$("$cli" runs show 2 --db "$db" --json | grep -oE '"path":"[^"]+"' | head -n 1 | cut -d'"' -f4)
[[ -f $ckpt ]] || fail "checkpoint file of run 2 missing: $ckpt"
"$cli" runs delete 2 --db "$db" >/dev/null || fail "delete"
[[ -e $ckpt ]] && fail "delete left the checkpoint $ckpt"
"$cli" runs show 2 --db "$db" >/dev/null 2>&1 && fail "run 2 still there after delete"

# --- bad input: a message naming the field, exit 1 (2 for usage errors), no run recorded
runs_before=$("$cli" runs list --db "$db" --json | grep -o '"id"' | wc -l)
err=$("${train[@]}" --lr -1 2>&1 >/dev/null)
[[ $? -eq 1 ]] || fail "--lr -1 should exit 1"
check "bad lr" '^error: optimizer.lr: expected a positive number, got -1' "$err"
# --help lists the catalog RunConfig validates against: every optimizer with its fields, schedules, datasets
help=$("$cli" train --help)
check "help optimizers" '^  adamw: .*optax.adamw' "$help"
check "help optimizer field" '^      weight_decay = 0.0001  \(a number >= 0\)' "$help"
check "help schedules" '^  warmup_cosine_decay: ' "$help"
check "help datasets" '^  fashion-mnist: .*10 classes' "$help"
err=$("$cli" train --dataset fashion-mnist --db "$db" 2>&1 >/dev/null)
[[ $? -eq 2 ]] || fail "a missing --model should be a usage error (exit 2)"
check "missing model" '^--model is required' "$err"
err=$("${train[@]}" --optimizer adam --momentum 0.9 2>&1 >/dev/null)
check "momentum with adam" "^error: optimizer.momentum: unknown field" "$err"
err=$("$cli" train --model builtin:mlp --dataset synthetic-regression --db "$db" 2>&1 >/dev/null)
check "model/data mismatch" "input_shape \\(28, 28, 1\\) does not match dataset" "$err"
"$cli" train --epochs x >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "a non-number --epochs should be a usage error (exit 2)"
# Usage errors and ranges (#24): text beyond 64 bits is not clamped, empty names and tags, a
# missing tag, a non-finite --lr and unknown command words are named plainly.
# expect_exit DESCRIPTION RC PATTERN -- ARGS...: exit status RC and PATTERN (grep -E) in stderr.
expect_exit() {
  local desc="$1" want_rc="$2" pattern="$3" err rc
  shift 4
  err=$("$cli" "$@" 2>&1 >/dev/null)
  rc=$?
  [[ $rc -eq $want_rc ]] || fail "$desc: exit $rc, want $want_rc: ${err:0:300}"
  check "$desc" "$pattern" "$err"
}
big=99999999999999999999
expect_exit "--seed beyond 64 bits" 2 "^--seed: $big is out of range" -- "${train[@]:1}" --seed $big
expect_exit "a run id beyond 64 bits" 2 "^ID: $big is out of range" -- runs show $big --db "$db"
expect_exit "run ids beyond 64 bits" 2 "^IDS: $big is out of range" -- runs compare 1 $big --db "$db"
expect_exit "example --seed beyond 64 bits" 2 "^--seed: $big is out of range" -- example linear_regression --seed $big
expect_exit "eval --limit -1" 2 '^--limit: expected a positive number of examples, got -1' -- eval 1 --limit -1 --db "$db"
expect_exit "untag a tag the run lacks" 1 "^error: run 1 has no tag 'nope' \\(its tags: \\[\"keep\"\\]\\)" \
  -- runs tag 1 nope --remove --db "$db"
expect_exit "an empty tag" 2 '^TAG: a tag cannot be empty' -- runs tag 1 '' --db "$db"
expect_exit "an empty name" 2 "^NAME: a run's name cannot be empty" -- runs rename 1 '' --db "$db"
check "the run keeps its name" '^1 +renamed ' "$("$cli" runs list --db "$db")"
expect_exit "example --epochs 0" 2 '^--epochs: expected a positive number, got 0$' -- example mnist_mlp --epochs 0
expect_exit "--lr nan" 1 '^error: optimizer.lr: expected a positive number, got nan$' -- "${train[@]:1}" --lr nan
expect_exit "an unknown command" 2 "^unknown command 'frobnicate'; the commands are: random, .*, runs$" -- frobnicate
expect_exit "an unknown runs command" 2 "^unknown command 'runs frobnicate'; the commands are: list, show, .*, tag$" \
  -- runs frobnicate
expect_exit "train without arguments" 2 '^--model is required' -- train
printf '{"epochs": 2,\n "batch_size": }\n' >"$tmp/bad.json"
expect_exit "--config JSON errors give line:column" 1 \
  "^error: --config: '$tmp/bad.json':2:16: not valid JSON: syntax error while parsing value - unexpected '}'" \
  -- train --config "$tmp/bad.json" --db "$db"
printf '{"name": "x", "input_shape": [10],\n "layers": [\n   {"type": dense}]}\n' >"$tmp/bad_model.json"
expect_exit "--model JSON errors give line:column" 1 "^error: model: '$tmp/bad_model.json':3:13: not valid JSON" \
  -- train --model "$tmp/bad_model.json" --dataset synthetic-regression:64 --db "$db"
runs_after=$("$cli" runs list --db "$db" --json | grep -o '"id"' | wc -l)
[[ $runs_before -eq $runs_after ]] || fail "refused configs created runs ($runs_before -> $runs_after)"
check "unknown run" "no run with id 99" "$("$cli" runs show 99 --db "$db" 2>&1)"

# --- GS_DB picks the database when --db is absent
GS_DB=$db "$cli" runs list | grep -qE '^1 +renamed' || fail "GS_DB was not used"

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
