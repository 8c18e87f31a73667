#!/usr/bin/env bash
# The studio driven as a person drives it, through the accessibility tree (AT-SPI) of a real
# window under Xvfb: find Start by its accessible name, press it, wait for the run to finish, find
# it in the Run History table and in the runs database. usage: studio_atspi.sh GRADIENT_STUDIO
# Debian's /usr/bin/python3, where python3-pyatspi installs (a python3 earlier on PATH may lack it).
# Exits 77 (ctest: skipped) where the pieces for a real display and the bus are not installed.
set -euo pipefail
studio=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in xvfb-run dbus-run-session; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
launcher=/usr/libexec/at-spi-bus-launcher
[[ -x $launcher ]] || { echo "SKIP: $launcher is not installed (at-spi2-core)"; exit 77; }
/usr/bin/python3 -c 'import pyatspi' 2>/dev/null || { echo "SKIP: python3-pyatspi is not installed"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GS_STUDIO="$studio" GS_DB="$work/runs.db" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
export QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 QT_ACCESSIBILITY=1 NO_AT_BRIDGE=0
unset QT_QPA_PLATFORM  # a real X server (Xvfb), not the offscreen platform the unit tests use
# The driver starts the studio itself, inside the session bus that the AT-SPI bus belongs to.
timeout 300 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c "
  $launcher --launch-immediately &
  # The studio joins the accessibility bus only if it is up when the studio starts: wait for it.
  for i in \$(seq 100); do
    owner=\$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.a11y.Bus)
    [[ \$owner == *true* ]] && break
    sleep 0.1
  done
  /usr/bin/python3 '$here/studio_atspi.py'
"
