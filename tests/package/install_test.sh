#!/usr/bin/env bash
# ctest package.install: the .deb installed with apt into a clean Debian 12 root (debootstrap), then,
# from the installed files only (the source and build trees do not exist in that root):
# gradient-cli --version, a 200-step training run on Fashion-MNIST (from the Recommends
# dataset-fashion-mnist), runs list, and the studio started offscreen and closed.
# Usage: install_test.sh BUILD_DIR. Exits 77 (skipped) where it cannot run: not root, no debootstrap,
# no mounts, or GS_SKIP_INSTALL_TEST set.
# Cached under BUILD_DIR/package-root, or $GS_INSTALL_ROOT_CACHE (e.g. a folder a CI machine keeps
# between jobs); measured on 2 loaded cores: base 230 s, deps 150 s, then every run about 40 s:
#   base/        debootstrap --variant=minbase bookworm, made once
#   deps-HASH/   base + the package's Depends and Recommends (HASH of those fields), made once per set
# Every run copies deps-HASH and installs the .deb into the copy with `apt-get install ./x.deb`,
# the command a user types; the first run per dependency set does it into the bare base.
set -uo pipefail
build=$(cd "$1" && pwd)
skip() { echo "SKIP: $1"; exit 77; }
[[ -z ${GS_SKIP_INSTALL_TEST:-} ]] || skip "GS_SKIP_INSTALL_TEST is set"
((EUID == 0)) || skip "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is missing (scripts/deps installs it)"
deb=$(ls "$build"/packaging/deb/gradient-studio_*_amd64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "no .deb in $build/packaging/deb: run ctest -R package.deb first"; exit 1; }

cache=${GS_INSTALL_ROOT_CACHE:-$build/package-root}
base=$cache/base
# Making the clean root costs about 6 minutes on 2 cores, which a cold CI run cannot afford inside
# its 20 minutes; `scripts/package --install-test` (GS_INSTALL_TEST=1) makes it, and from then on
# this test runs in about 40 s wherever the root is kept.
[[ -f $base/.complete || -n ${GS_INSTALL_TEST:-} ]] ||
  skip "no clean Debian root cached in $cache yet (scripts/package --install-test makes one, ~6 min)"
run=$cache/run
log=$cache/install.log
mkdir -p "$cache"
: >"$log"
mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" 2>/dev/null; done
  mounted=()
}
trap cleanup EXIT
trap 'cleanup; exit 143' INT TERM
fail() { echo "FAIL: $1"; tail -n 25 "$log"; echo "(full log: $log)"; exit 1; }
# Removes a root, first unmounting whatever a killed earlier run left mounted in it: the host's
# /dev and apt archive are bind-mounted there, and rm -rf must never reach through into them.
safe_rm() {
  local dir=$1 mnt
  [[ -e $dir ]] || return 0
  dir=$(cd "$dir" && pwd -P)
  while read -r _ mnt _; do
    [[ $mnt == "$dir"/* ]] && umount -l "$mnt"
  done < <(tac /proc/mounts)
  if grep -q " $dir/" /proc/mounts; then fail "cannot unmount everything under $dir; not removing it"; fi
  rm -rf --one-file-system "$dir"
}

# enter ROOT: mounts /proc and /dev, and the host's apt archive so a package is downloaded once
# per machine, not once per root.
enter() {
  local root=$1
  mount -t proc proc "$root/proc" && mounted+=("$root/proc") || skip "cannot mount /proc in a chroot here"
  mount --bind /dev "$root/dev" && mounted+=("$root/dev") || skip "cannot bind-mount /dev here"
  mkdir -p /var/cache/apt/archives/partial
  mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives" && mounted+=("$root/var/cache/apt/archives")
  cp /etc/resolv.conf "$root/etc/resolv.conf"
}
in_root() { chroot "$1" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive bash -c "$2"; }

start=$SECONDS
if [[ ! -f $base/.complete ]]; then
  echo "install: making a clean Debian 12 root in $base (once)"
  safe_rm "$base"
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  mkdir -p /var/cache/apt/archives
  debootstrap --variant=minbase --cache-dir=/var/cache/apt/archives bookworm "$base" \
    ${mirror:+"$mirror"} >>"$log" 2>&1 || fail "debootstrap failed"
  # The same sources and apt settings as this machine (its mirror, its snapshot's date checks).
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    cp /etc/apt/sources.list.d/debian.sources "$base/etc/apt/sources.list.d/"
    rm -f "$base/etc/apt/sources.list"
  fi
  cp /etc/apt/apt.conf.d/99artifact-registry "$base/etc/apt/apt.conf.d/" 2>/dev/null
  # A throwaway root: dpkg need not fsync every file it unpacks.
  echo force-unsafe-io >"$base/etc/dpkg/dpkg.cfg.d/unsafe-io"
  touch "$base/.complete"
  echo "install: base root made in $((SECONDS - start)) s"
fi

hash=$(dpkg-deb --field "$deb" Depends Recommends | sha1sum | cut -c1-12)
deps=$cache/deps-$hash
if [[ ! -f $deps/.complete ]]; then
  echo "install: first install of this dependency set, into the bare root"
  for old in "$cache"/deps-* "$run"; do safe_rm "$old"; done
  cp -a "$base" "$run"
  enter "$run"
  cp "$deb" "$run/tmp/"
  in_root "$run" "apt-get update -q && apt-get install -y -q /tmp/$(basename "$deb")" >>"$log" 2>&1 \
    || fail "apt-get install ./$(basename "$deb") into a clean Debian root failed"
  # Keep the root with the dependencies only, for the next runs.
  in_root "$run" "dpkg --remove gradient-studio && rm -f /tmp/*.deb" >>"$log" 2>&1 || fail "dpkg --remove failed"
  cleanup
  mv "$run" "$deps"
  touch "$deps/.complete"
  echo "install: dependencies cached in $deps after $((SECONDS - start)) s"
fi

safe_rm "$run"
cp -a "$deps" "$run"
enter "$run"
cp "$deb" "$run/tmp/"
in_root "$run" "apt-get install -y -q /tmp/$(basename "$deb")" >>"$log" 2>&1 || fail "apt-get install of the .deb failed"
echo "install: installed in $((SECONDS - start)) s"

status=0
check() {  # check DESCRIPTION COMMAND: runs COMMAND in the root, prints its output
  local out
  if out=$(in_root "$run" "$2" 2>&1); then
    echo "ok: $1"
    echo "$out" | tail -n 4 | sed 's/^/  | /'
  else
    echo "FAIL: $1"
    echo "$out" | tail -n 20 | sed 's/^/  | /'
    status=1
  fi
}
check "gradient-cli --version" "gradient-cli --version"
check "every installed program and library finds its libraries" \
  "! ldd /usr/bin/gradient-cli /usr/bin/gradient-studio | grep 'not found'"
check "200 training steps on Fashion-MNIST (6400 examples, batch 32)" \
  "cd /root && OMP_WAIT_POLICY=passive gradient-cli train --model builtin:mlp --dataset fashion-mnist \
   --limit 6400 --batch 32 --epochs 1 --log-every 1 --json --name installed > train.jsonl && \
   steps=\$(grep -c '\"event\":\"step\"' train.jsonl) && echo \"\$steps step events\" && \
   test \"\$steps\" = 200 && tail -n 1 train.jsonl | grep -q '\"status\":\"finished\"'"
check "runs list shows the finished run" \
  "cd /root && gradient-cli runs list | tee /dev/stderr | grep -Eq '^1 +installed +finished +fashion-mnist'"
check "the studio starts offscreen and closes" \
  "cd /root && QT_QPA_PLATFORM=offscreen timeout 60 gradient-studio --measure-startup | grep -q '^ready'"
check "the .desktop entry and icon are where the menu looks" \
  "test -f /usr/share/applications/gradient-studio.desktop && test -f /usr/share/icons/hicolor/48x48/apps/gradient-studio.png"
check "man pages" "test -s /usr/share/man/man1/gradient-cli.1.gz && test -s /usr/share/man/man1/gradient-studio.1.gz"
cleanup
safe_rm "$run"  # 800 MB; the cached roots stay
echo "install: test took $((SECONDS - start)) s"
exit "$status"
