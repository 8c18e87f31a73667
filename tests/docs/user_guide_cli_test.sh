#!/usr/bin/env bash
# ctest docs.user_guide_cli: every line of every ```sh block of docs/USER_GUIDE.md runs, in order, in
# a scratch HOME (so the default runs database is a new one), with the built gradient-cli first on
# PATH; each must exit 0. So the guide's commands cannot drift from the CLI.
# Usage: user_guide_cli_test.sh path/to/gradient-cli docs/USER_GUIDE.md
set -uo pipefail
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
doc=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home"
ln -s "$cli" "$tmp/bin/gradient-cli"
export HOME=$tmp/home PATH=$tmp/bin:$PATH
unset GS_DB XDG_DATA_HOME
cd "$tmp" || exit 1
status=0 n=0
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  n=$((n + 1))
  if out=$(bash -c "$line" 2>&1); then
    echo "ok: $line"
  else
    echo "FAIL: $line"
    echo "$out" | tail -n 15 | sed 's/^/  | /'
    status=1
  fi
done < <(awk '/^```sh$/{on=1; next} on && /^```$/{on=0; next} on' "$doc")
((n > 0)) || { echo "FAIL: no sh blocks in $doc"; exit 1; }
[[ -s $HOME/.local/share/gradient-studio/runs.db ]] || { echo "FAIL: the guide's runs did not land in the default database"; status=1; }
exit "$status"
