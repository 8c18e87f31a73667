#!/usr/bin/env bash
# ctest docs.runs_database: every ```sql block of docs/FORMATS.md runs with sqlite3 against a
# database that gradient-cli filled with two short training runs of the MLP on MNIST digits (one
# tagged 'baseline'; each ends with a checkpoint); each must succeed and return at least one row,
# so the documented schema and queries cannot drift from engine/runs/schema.cpp.
# Usage: runs_database_test.sh path/to/gradient-cli docs/FORMATS.md
set -uo pipefail
cli=$1 doc=$2
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is missing (scripts/deps installs it)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/runs.db
for run in "first --epochs 2" "second --epochs 1 --optimizer adam --lr 0.001 --tag baseline"; do
  # shellcheck disable=SC2086
  "$cli" train --model builtin:mlp --dataset mnist-digits --limit 256 --batch 32 --db "$db" \
    --name $run >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log"; echo "FAIL: gradient-cli train"; exit 1; }
done

status=0 n=0
while IFS= read -r -d '' query; do
  n=$((n + 1))
  if ! out=$(sqlite3 -readonly -bail "$db" "$query" 2>&1); then
    echo "FAIL: query $n of $doc failed: $out"
    echo "$query"
    status=1
  elif [[ -z $out ]]; then
    echo "FAIL: query $n of $doc returned no rows"
    echo "$query"
    status=1
  else
    echo "ok: query $n ($(wc -l <<<"$out") rows)"
  fi
done < <(awk '/^```sql$/{on=1; q=""; next} on && /^```$/{on=0; printf "%s%c", q, 0; next} on{q = q $0 "\n"}' "$doc")
((n > 0)) || { echo "FAIL: no sql blocks in $doc"; exit 1; }
exit "$status"
