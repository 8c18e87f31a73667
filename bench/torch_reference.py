#!/usr/bin/env python3
"""PyTorch (CPU) side of the benchmarks: the same workloads as bench/*.cpp, same shapes, same
batch, same thread count, synthetic data in memory. Prints one JSON object per workload.

  /usr/bin/python3 bench/torch_reference.py --threads 2 mlp cnn mlp-eval selu

Debian's torch defaults to one thread and needs OpenBLAS (libopenblas0-openmp) for a fair BLAS;
scripts/deps --bench installs it, and OMP_NUM_THREADS/OPENBLAS_NUM_THREADS are set by the caller.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def mlp_model():
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 512), torch.nn.SiLU(),
                               torch.nn.Linear(512, 10))


def cnn_model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.BatchNorm2d(32, momentum=0.01, eps=1e-5),
        torch.nn.ReLU(), torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.BatchNorm2d(64, momentum=0.01, eps=1e-5),
        torch.nn.ReLU(), torch.nn.AvgPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(64 * 7 * 7, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


def train_epoch(model, opt, x, y, batch, steps):
    model.train()
    n = x.shape[0]
    t0 = time.perf_counter()
    for i in range(steps):
        s = (i * batch) % (n - batch + 1)
        xb, yb = x[s:s + batch], y[s:s + batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def run(workload, steps_override):
    torch.manual_seed(0)
    if workload in ("mlp", "mlp-eval"):
        model = mlp_model()
        x = torch.rand(60000, 1, 28, 28)
        y = torch.randint(0, 10, (60000,))
    if workload == "mlp":
        steps = steps_override or 60000 // 32
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        train_epoch(model, opt, x, y, 32, 20)  # warm-up
        sec = train_epoch(model, opt, x, y, 32, steps)
        return {"workload": "mlp", "steps": steps, "examples": steps * 32, "seconds": sec}
    if workload == "mlp-eval":
        model.eval()
        xt = x[:10000]
        with torch.no_grad():
            model(xt[:1000])
            t0 = time.perf_counter()
            for s in range(0, 10000, 1000):
                model(xt[s:s + 1000]).argmax(-1)
            sec = time.perf_counter() - t0
        return {"workload": "mlp-eval", "steps": 10, "examples": 10000, "seconds": sec}
    if workload == "cnn":
        model = cnn_model().to(memory_format=torch.channels_last)
        x = torch.rand(60000, 1, 28, 28).to(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (60000,))
        steps = steps_override or 600
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.99)
        train_epoch(model, opt, x, y, 100, 3)
        sec = train_epoch(model, opt, x, y, 100, steps)
        return {"workload": "cnn", "steps": steps, "examples": steps * 100, "seconds": sec}
    if workload == "selu":
        v = torch.randn(1_000_000)
        F.selu(v)
        reps = 50
        t0 = time.perf_counter()
        for _ in range(reps):
            F.selu(v)
        return {"workload": "selu", "steps": reps, "examples": reps * 1_000_000,
                "seconds": (time.perf_counter() - t0) / reps}
    raise SystemExit(f"unknown workload {workload}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workloads", nargs="+")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=0, help="override the number of training steps")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for w in a.workloads:
        print(json.dumps(run(w, a.steps)), flush=True)


if __name__ == "__main__":
    main()
