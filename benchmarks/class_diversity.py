"""Distinct classes per batch: `pipeline(batching="stratified")` vs plain shuffling, MNIST-1D.

    python benchmarks/class_diversity.py --epochs 5

Counts the distinct classes in every full batch over several epochs, at batch
sizes 8, 16, 32 and 64, on MNIST-1D's training split (10 nearly balanced
classes) and on an imbalanced subset of it (class c keeps a fraction
0.1 ** (c / 9) of its examples: 10x between the largest and the smallest
class). Also times one pass over each pipeline (median of alternating repeats).
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from deeper.components import data  # noqa: E402


def imbalanced(x, y, seed=0):
    rng = np.random.default_rng(seed)
    keep = []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        keep.append(rng.choice(idx, int(round(len(idx) * 0.1 ** (c / 9))), replace=False))
    keep = np.sort(np.concatenate(keep))
    return x[keep], y[keep]


def distinct_per_batch(ds, batch_size, epochs):
    counts = []
    for _ in range(epochs):
        for _, yb in ds:
            yb = yb.numpy()
            if len(yb) == batch_size:
                counts.append(len(np.unique(yb)))
    return np.array(counts)


def best_possible(y, batch_size):
    """Distinct classes a batch of b holds when each class c gets floor/ceil of b * n_c / n,
    averaged over positions (the stratified target): sum_c min(1, b * n_c / n)."""
    share = batch_size * np.bincount(y) / len(y)
    return float(np.minimum(share, 1.0).sum())


def epoch_seconds(ds, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in ds:
            pass
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    sets = {"MNIST-1D": (ds.x_train, ds.y_train),
            "MNIST-1D imbalanced": imbalanced(ds.x_train, ds.y_train)}
    print("| data | examples (smallest-largest class) | batch | plain shuffling: distinct "
          "classes, mean (min) | stratified: mean (min) | sum_c min(1, b n_c / n) |")
    print("|---|---|---|---|---|---|")
    for name, (x, y) in sets.items():
        sizes = np.bincount(y)
        for b in args.sizes:
            plain = distinct_per_batch(data.pipeline(x, y, batch_size=b, seed=0), b, args.epochs)
            strat = distinct_per_batch(
                data.pipeline(x, y, batch_size=b, seed=0, batching="stratified"), b, args.epochs)
            print(f"| {name} | {len(y)} ({sizes.min()}-{sizes.max()}) | {b} | "
                  f"{plain.mean():.2f} ({plain.min()}) | {strat.mean():.2f} ({strat.min()}) | "
                  f"{best_possible(y, b):.2f} |", flush=True)
    x, y = sets["MNIST-1D"]
    for b in (8, 64):
        plain_t, strat_t = [], []
        plain = data.pipeline(x, y, batch_size=b, seed=0)
        strat = data.pipeline(x, y, batch_size=b, seed=0, batching="stratified")
        epoch_seconds(plain, 1), epoch_seconds(strat, 1)  # warm up
        for _ in range(args.repeats):  # alternate, so load on the machine hits both alike
            plain_t += epoch_seconds(plain, 1)
            strat_t += epoch_seconds(strat, 1)
        p, s = statistics.median(plain_t), statistics.median(strat_t)
        print(f"batch {b}: one pass over MNIST-1D's training split, shuffle {p * 1e3:.1f} ms, "
              f"stratified {s * 1e3:.1f} ms (ratio {s / p:.2f}, median of {args.repeats})")


if __name__ == "__main__":
    main()
