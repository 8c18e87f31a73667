#!/usr/bin/env bash
# kill -9 of a real `gradient-cli train` process in the middle of a run: the database stays
# readable (and passes SQLite's integrity check through a normal open), every metric row the
# process reported as committed ("stored_metrics" in its JSON events) is there, and the run is
# shown 'interrupted'. Then `resume` continues it to the end. Usage: train_kill.sh PATH/TO/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"
db=$tmp/runs.db

cat >"$tmp/lin.json" <<'EOF'
{"name": "lin", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]}
EOF
# 100,000 steps, a metric row per step: far from done when killed (a fast machine runs 10,000 of
# them in 0.25 s, about when the loop below first looks).
"$cli" train --model "$tmp/lin.json" --dataset synthetic-regression:400000 --batch 4 --epochs 1 --log-every 1 \
  --checkpoint-every 1 --db "$db" --json >"$tmp/events.jsonl" 2>"$tmp/err" &
pid=$!
# Wait until at least 600 rows are reported committed (several transactions).
stored=0
for _ in $(seq 600); do
  stored=$(grep -oE '"stored_metrics":[0-9]+' "$tmp/events.jsonl" 2>/dev/null | tail -n 1 | cut -d: -f2)
  stored=${stored:-0}
  ((stored >= 600)) && break
  sleep 0.1
done
kill -9 $pid
wait $pid 2>/dev/null
# Rows reported before the kill landed count too: the last complete line is the latest report.
stored=$(grep -E '^\{.*\}$' "$tmp/events.jsonl" | grep -oE '"stored_metrics":[0-9]+' | tail -n 1 | cut -d: -f2)
((stored >= 600)) || fail "the trainer reported only ${stored:-0} committed rows before the kill"
id=$(grep -oE '"event":"started".*' "$tmp/events.jsonl" | grep -oE '"run":[0-9]+' | head -n 1 | cut -d: -f2)
[[ -n $id ]] || fail "no started event"

show=$("$cli" runs show "$id" --db "$db" --json) || fail "runs show after kill -9 failed"
grep -q '"status":"interrupted"' <<<"$show" || fail "the killed run is not 'interrupted': $show"
grep -q 'writer process (pid '"$pid"') ended without finishing' <<<"$show" || fail "no reason given: $show"
rows=$("$cli" runs metrics "$id" --db "$db" --csv | tail -n +2 | wc -l)
((rows >= stored)) || fail "only $rows metric rows in the database, $stored were reported committed"
# The rows are whole: each step's train/loss once, each followed by its train/learning_rate row
# (a transaction may end between the two, so the last step may lack its learning rate).
loss_rows=$("$cli" runs metrics "$id" --db "$db" --csv --name train/loss | tail -n +2 | wc -l)
steps=$("$cli" runs metrics "$id" --db "$db" --csv --name train/loss | tail -n +2 | cut -d, -f1 | sort -n | uniq | wc -l)
lr_rows=$("$cli" runs metrics "$id" --db "$db" --csv --name train/learning_rate | tail -n +2 | wc -l)
((steps == loss_rows)) || fail "$loss_rows train/loss rows but $steps distinct steps"
((rows == loss_rows + lr_rows && lr_rows >= loss_rows - 1 && lr_rows <= loss_rows)) ||
  fail "$rows rows: $loss_rows train/loss and $lr_rows train/learning_rate"
echo "killed after $stored reported rows; $rows rows in the database"

# No checkpoint was written before the kill (one epoch, checkpoints at epoch ends), so resume
# must refuse with a clear message rather than start from nothing.
err=$("$cli" resume "$id" --db "$db" 2>&1 >/dev/null)
grep -q "run $id has no checkpoint to resume from" <<<"$err" || fail "resume without checkpoint: $err"

echo "$failures failures"
[[ $failures -eq 0 ]]
