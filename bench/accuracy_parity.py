#!/usr/bin/env python3
"""Accuracy parity (#24 item 1): our reference programs against PyTorch trained with the same
recipe (bench/torch_accuracy.py), over several seeds, in one table.

  /usr/bin/python3 bench/accuracy_parity.py              # the full comparison (hours on 2 cores)
  /usr/bin/python3 bench/accuracy_parity.py --quick      # 1 seed, 1 epoch of each workload

Workloads: mnist_mlp 10 epochs (5 seeds), fashion_cnn 2 epochs (5 seeds), fashion_cnn 10 epochs
(3 seeds). A workload PASSes when our mean final test accuracy is at least PyTorch's mean minus
0.6 points: seeds spread by about +-0.5-1 point, so a tighter margin or fewer seeds would fail an
identical implementation by chance.

Our side runs `gradient-cli example NAME --seed S --epochs E`, which exits 1 on a clearly wrong
result (a loss that did not fall); that fails the script too. Neither recipe depends on the number
of epochs (fashion_cnn's learning rate is constant, mnist_mlp's decays with the step), so a run of
a seed for more epochs gives the fewer-epoch accuracy too; the workloads run in order, each row
printed once its seeds are done (so a cut-short run still reports the finished workloads). Each
seed trains once, for the most epochs any workload asks of it: fashion_cnn's seeds 0-2 run 10
epochs and serve both of its rows.

Exit status: 0 when every workload passes, 1 otherwise.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import torch  # noqa: E402
import torch_accuracy  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARGIN = 0.6  # points of accuracy

# (example, epochs, seeds)
FULL = [("mnist_mlp", 10, [0, 1, 2, 3, 4]), ("fashion_cnn", 2, [0, 1, 2, 3, 4]), ("fashion_cnn", 10, [0, 1, 2])]
QUICK = [("mnist_mlp", 1, [0]), ("fashion_cnn", 1, [0])]

# What each example prints per epoch: the test accuracy as a fraction or in percent.
ACCURACY_LINE = {
    "mnist_mlp": (re.compile(r"^Test set accuracy ([0-9.]+)$", re.M), 1.0),
    "fashion_cnn": (re.compile(r"test accuracy: ([0-9.]+),", re.M), 0.01),
}


def find_cli(given):
    for candidate in [given, os.environ.get("GS_CLI"), ROOT / "build/test/app/gradient-cli",
                      ROOT / "build/release/app/gradient-cli"]:
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    sys.exit("no gradient-cli found: build it (ninja -C build/test gradient-cli) or pass --cli PATH")


def machine_line(cli):
    """The CPU and the ISA oneDNN dispatches, from `gradient-cli --version`, like the C++ benches."""
    text = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    cpu = re.search(r"^CPU: (.*) \(oneDNN dispatches ([^,]+), (\d+) threads\)$", text, re.M)
    version = text.splitlines()[0].replace("gradient-cli ", "")
    if not cpu:
        return f"machine: unknown ({text.strip()})"
    return f"machine: {cpu.group(1)} | oneDNN ISA {cpu.group(2)} | {cpu.group(3)} threads | gradient-studio {version}"


def ours(cli, example, seed, epochs, threads):
    """Test accuracy after each epoch of `gradient-cli example`; raises when it exits non-zero."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    start = time.perf_counter()
    proc = subprocess.run([cli, "example", example, "--seed", str(seed), "--epochs", str(epochs)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"gradient-cli example {example} --seed {seed} exited {proc.returncode}:\n"
                           f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    pattern, scale = ACCURACY_LINE[example]
    accuracies = [float(m) * scale for m in pattern.findall(proc.stdout)]
    if len(accuracies) != epochs:
        raise RuntimeError(f"expected {epochs} test accuracies from gradient-cli example {example}, "
                           f"found {len(accuracies)} in:\n{proc.stdout[-2000:]}")
    print(f"ours    {example} seed {seed}: {' '.join(f'{100 * a:.2f}' for a in accuracies)} "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    return accuracies


def pytorch(example, seed, epochs):
    start = time.perf_counter()
    accuracies = torch_accuracy.run(torch_accuracy.RECIPES[example], seed, epochs)
    print(f"pytorch {example} seed {seed}: {' '.join(f'{100 * a:.2f}' for a in accuracies)} "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    return accuracies


def mean_std(values):
    points = [100 * v for v in values]
    return statistics.mean(points), (statistics.stdev(points) if len(points) > 1 else 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 1 epoch of each example (a smoke test)")
    parser.add_argument("--cli", help="gradient-cli to run (default: build/test's, or $GS_CLI)")
    parser.add_argument("--threads", type=int, default=2, help="OpenMP and torch threads (default 2)")
    args = parser.parse_args()
    cli = find_cli(args.cli)
    torch.set_num_threads(args.threads)
    workloads = QUICK if args.quick else FULL

    header = (f"accuracy parity: final test accuracy (points), PASS when ours >= pytorch's mean - {MARGIN}\n"
              f"{machine_line(cli)} | torch {torch.__version__}, {args.threads} threads\n"
              f"{'workload':<24} {'seeds':>5} {'ours':>14} {'pytorch':>14} {'ours-pt':>8}  result")
    results = {"ours": {}, "pytorch": {}}  # (example, seed) -> test accuracy after each epoch
    longest = {}  # (example, seed) -> the most epochs any workload needs of it
    for example, epochs, seeds in workloads:
        for seed in seeds:
            longest[(example, seed)] = max(epochs, longest.get((example, seed), 0))
    rows, all_pass = [], True
    for example, epochs, seeds in workloads:
        for seed in seeds:
            run_epochs = longest[(example, seed)]
            for side, train in (("ours", lambda: ours(cli, example, seed, run_epochs, args.threads)),
                                ("pytorch", lambda: pytorch(example, seed, run_epochs))):
                if (example, seed) not in results[side]:
                    results[side][(example, seed)] = train()
        ours_acc = [results["ours"][(example, s)][epochs - 1] for s in seeds]
        pt_acc = [results["pytorch"][(example, s)][epochs - 1] for s in seeds]
        (om, osd), (pm, psd) = mean_std(ours_acc), mean_std(pt_acc)
        ok = om >= pm - MARGIN
        all_pass &= ok
        rows.append(f"{f'{example} {epochs} epoch(s)':<24} {len(seeds):>5} {f'{om:.2f}±{osd:.2f}':>14} "
                    f"{f'{pm:.2f}±{psd:.2f}':>14} {om - pm:>+8.2f}  {'PASS' if ok else 'FAIL'}")
        print(f"\n{header}\n" + "\n".join(rows) + "\n", flush=True)
    sys.exit(0 if all_pass else 1)


if __name__ == "__main__":
    main()
