"""Drives gradient-studio through AT-SPI as a screen reader user would (see studio_atspi.sh).

Finds the Start button by its accessible name, presses it, waits for the run to finish in the
runs database, then finds the finished run in the Run History table and the state in the status
bar; then opens the Autodiff Lab, types sum(x*x)/2, steps its VJP to the end and reads the
cotangent of x. Every failure says what was looked for and what was there instead."""
import os
import re
import sqlite3
import subprocess
import sys
import time

import pyatspi
from gi.repository import GLib

STUDIO = os.environ["GS_STUDIO"]
DB = os.environ["GS_DB"]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# Views whose children are their cells: the dataset grid alone has 60,000, and reading each over
# D-Bus made one search take tens of seconds. Searches for anything but a cell skip their insides.
ITEM_VIEWS = {"table", "tree table", "list", "tree"}
CELL_ROLES = {"table cell", "list item", "tree item"}


def walk(node, depth=0, max_depth=40, into_views=False):
    """Every accessible below node (node first), without the cells of item views unless
    into_views; nodes that vanish mid-walk are skipped."""
    if node is None or depth > max_depth:
        return
    yield node
    try:
        count = node.childCount
        if not into_views and depth > 0 and node.getRoleName() in ITEM_VIEWS:
            return
    except Exception:
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception as e:
            log(f"child {i} of {node.getRoleName()} '{node.name}' unreadable: {e}")
            continue
        yield from walk(child, depth + 1, max_depth, into_views)


def find(root, role, name=None, timeout=30.0, where=""):
    return find_where(root, role, lambda n: name is None or n == name, f"named {name!r} {where}", timeout)


def find_where(root, role, pred, what, timeout=30.0):
    """The first node of `role` whose name satisfies pred; fails naming what was there instead."""
    deadline = time.time() + timeout
    while True:
        seen = []
        for node in walk(root, into_views=role in CELL_ROLES):
            try:
                r, n = node.getRoleName(), node.name
            except Exception:
                continue
            if r == role:
                if pred(n):
                    return node
                seen.append(n)
        if time.time() > deadline:
            raise SystemExit(f"FAIL: no {role} {what}; {role}s present: {seen[:40]}")
        time.sleep(0.5)


def press(button):
    """Presses button; False when it is disabled. The state AT-SPI reports can lag a moment behind
    the widget, and Qt refuses the press action of a disabled button (as an unknown object path),
    so the refusal itself is the answer."""
    try:
        if not button.getState().contains(pyatspi.STATE_ENABLED):
            return False
        button.queryAction().doAction(0)
        return True
    except GLib.GError:
        return False


def autodiff_lab(app):
    """Opens the Autodiff Lab, types sum(x*x)/2, steps its VJP to the end and reads the cotangent
    of x. The lab opens on the preset ½xᵀx with x = [1, -2, 3], a row kept when the typed
    expression still reads x; the gradient of sum(x*x)/2 is x itself."""
    tab = find(app, "page tab", "Autodiff Lab", where="(the lab's dock tab)")
    tab.queryAction().doAction(0)
    log("Autodiff Lab tab pressed")
    find(app, "radio button", "VJP").queryAction().doAction(0)
    step = find(app, "push button", "Step")
    # One step into the preset's walk first: the typed function's own walk then shows as a
    # position back at 0, so the test knows the lab has rebuilt (350 ms after typing stops).
    press(step)
    find_where(app, "label", lambda n: n.startswith("Step 1 of "), "showing the preset's walk at step 1", timeout=10)
    expression = find(app, "text", "Expression", where="(the lab's expression editor)")
    expression.queryEditableText().setTextContents("sum(x*x)/2")
    typed = expression.queryText().getText(0, -1)
    if typed != "sum(x*x)/2":
        raise SystemExit(f"FAIL: the expression editor holds {typed!r} after typing sum(x*x)/2")
    log("typed sum(x*x)/2")
    position = find_where(app, "label", lambda n: n.startswith("Step 0 of "),
                          "showing the typed function's walk at step 0", timeout=20)
    find_where(app, "label", lambda n: n.startswith("cotangent of x: not reached yet"),
               "saying x's cotangent is not reached yet", timeout=10)

    def step_of():
        m = re.match(r"Step (\d+) of (\d+)", position.name)
        if not m:
            raise SystemExit(f"FAIL: the lab's position reads {position.name!r}")
        return int(m[1]), int(m[2])

    # Step by step, each press checked by the position it moves to.
    k, n = step_of()
    while k < n:
        press(step)
        deadline = time.time() + 5
        while step_of()[0] == k and time.time() < deadline:
            time.sleep(0.05)
        if step_of()[0] != k + 1:
            raise SystemExit(f"FAIL: Step at {k} of {n} moved the lab to {position.name!r}")
        k += 1
    log(f"stepped the VJP of sum(x*x)/2 through all {n} steps")
    if press(step):
        raise SystemExit("FAIL: Step is still enabled at the end of the walk")
    label = find_where(app, "label", lambda n: "cotangent of x = " in n, "showing the cotangent of x", timeout=10)
    got = label.name.split("cotangent of x = ")[1].split("\n")[0]
    if got != "[1, -2, 3]":
        raise SystemExit(f"FAIL: the cotangent of x reads {got!r}, expected [1, -2, 3] (x itself)")
    log(f"the cotangent of x reads {got}")


def application(studio, timeout=30.0):
    desktop = pyatspi.Registry.getDesktop(0)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if studio.poll() is not None:
            raise SystemExit(f"FAIL: the studio exited with status {studio.returncode} before it appeared on the accessibility bus")
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == "gradient-studio":
                return app
        time.sleep(0.5)
    raise SystemExit("FAIL: gradient-studio never appeared on the accessibility bus")


def runs():
    if not os.path.exists(DB):
        return []
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT id, name, status FROM runs ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def main():
    studio = subprocess.Popen([STUDIO, "--db", DB])
    try:
        app = application(studio)
        log("studio is on the accessibility bus")
        start = find(app, "push button", "Start", where="(the toolbar's or the dashboard's Start)")
        states = start.getState()
        if not states.contains(pyatspi.STATE_ENABLED):
            raise SystemExit("FAIL: Start is disabled: " + (start.description or "no reason given"))
        log("pressing Start")
        start.queryAction().doAction(0)

        deadline = time.time() + 240
        while time.time() < deadline:
            rows = runs()
            if rows and rows[-1][2] not in ("running",):
                break
            time.sleep(0.5)
        rows = runs()
        log(f"runs database: {rows}")
        if not rows or rows[-1][2] != "finished":
            raise SystemExit(f"FAIL: expected a finished run in {DB}, found {rows}")
        run_id, run_name, _ = rows[-1]

        table = find(app, "table", "Run history table")
        deadline = time.time() + 20
        cells = []
        while time.time() < deadline:
            cells = [c.name for c in walk(table, max_depth=3) if c.getRoleName() in ("table cell", "cell")]
            if run_name in cells and "finished" in cells:
                break
            time.sleep(0.5)
        if run_name not in cells or "finished" not in cells:
            raise SystemExit(f"FAIL: the history table does not show run {run_id} '{run_name}' finished; cells: {cells[:40]}")
        log(f"history table shows run {run_id} '{run_name}' finished")
        find(app, "label", "Finished", timeout=10, where="(the status bar's run state)")
        log("status bar says Finished")
        autodiff_lab(app)
        print("2 passed, 0 failed")
    finally:
        studio.terminate()
        try:
            studio.wait(timeout=20)
        except subprocess.TimeoutExpired:
            studio.kill()


if __name__ == "__main__":
    main()
