#!/usr/bin/env bash
# kill -9 of `gradient-cli train` at random moments, many times, on one database (docs/RELIABILITY.md):
# after every kill the database passes SQLite's integrity check (`runs check`), holds every metric
# row the process reported committed, and shows the run 'interrupted'. The kill moments are
# random (logged, and set with KILLS / SEED for a replay); some land before the run even starts,
# inside a metric transaction, or while a checkpoint is being written.
# Usage: train_kill_many.sh PATH/TO/gradient-cli
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash" "$@"
kills=${KILLS:-12}
RANDOM=${SEED:-$$}
db=$tmp/runs.db

cat >"$tmp/lin.json" <<'JSON'
{"name": "lin", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]}
JSON

for i in $(seq "$kills"); do
  delay_ms=$((20 + RANDOM % 2500))
  # A metric row every step and a checkpoint every epoch of 8,000 steps (several a second): writes
  # are always in flight. 10 epochs once outlasted the latest kill; since small loops stopped
  # entering OpenMP (session 5) a fast machine finishes them in 2 s. 8 million steps do not.
  "$cli" train --model "$tmp/lin.json" --dataset synthetic-regression:8000 --batch 1 --epochs 1000 \
    --log-every 1 --checkpoint-every 1 --db "$db" --json >"$tmp/events.jsonl" 2>"$tmp/err" &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  id=$(grep -oE '"event":"started".*' "$tmp/events.jsonl" | grep -oE '"run":[0-9]+' | head -n 1 | cut -d: -f2)
  stored=$(grep -E '^\{.*\}$' "$tmp/events.jsonl" | grep -oE '"stored_metrics":[0-9]+' | tail -n 1 | cut -d: -f2)
  stored=${stored:-0}

  if [[ ! -e $db ]]; then  # killed before it even created the database: nothing to damage
    echo "kill $i after ${delay_ms} ms: before the database existed"
    continue
  fi
  report=$("$cli" runs check --db "$db" 2>&1)
  [[ $report == *": ok" ]] || fail "kill $i (after ${delay_ms} ms): integrity check: $report"
  if [[ -z $id ]]; then
    echo "kill $i after ${delay_ms} ms: before the run started; database ok"
    continue
  fi
  show=$("$cli" runs show "$id" --db "$db" --json) || fail "kill $i: runs show $id failed"
  status=$(grep -oE '"status":"[a-z]+"' <<<"$show" | head -n 1)
  [[ $status == '"status":"interrupted"' ]] || fail "kill $i: run $id has $status, not interrupted"
  rows=$("$cli" runs metrics "$id" --db "$db" --csv | tail -n +2 | wc -l)
  ((rows >= stored)) || fail "kill $i: run $id has $rows metric rows, $stored were reported committed"
  echo "kill $i after ${delay_ms} ms: run $id interrupted, $stored rows reported, $rows stored; database ok"
done

runs=$("$cli" runs list --db "$db" --json | grep -o '"id":' | wc -l)
echo "$kills kills, $runs runs recorded, $failures failures"
[[ $failures -eq 0 ]]
