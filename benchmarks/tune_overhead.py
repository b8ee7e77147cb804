"""Per-trial overhead of a KerasTuner search: fresh models against reused compiled models.

    python benchmarks/tune_overhead.py [--trials 5] [--epochs 3] [--repeats 2]

Runs random searches of the MNIST-1D CNN (the recipe's default configuration with
a constant learning rate drawn in [1e-3, 3e-2], so that every trial has the same
signature) with `reuse_models=False` (a fresh model per trial, traced again) and
`reuse_models=True` (one compiled model, reset per trial: `recipes.tuning.reuse`),
alternating, and prints per trial: wall time, model build, first epoch, a steady
epoch (the median of the later ones), and the overhead = trial time - epochs x
steady epoch, as a fraction of the trial. Medians over the trials (with reuse,
over the trials after the first, which traces).
"""

import argparse
import statistics
import tempfile
import time

from deeper import recipes
from deeper.components import data

SPACE = {"depth": 4, "width": 32, "activation": "relu", "regularizer": "l2", "l2": 1e-4,
         "dropout": 0.2, "batch_norm": True, "optimizer": "nesterov", "momentum": 0.9,
         "schedule": "constant", "batch_size": 64, "standardize": "feature", "augment": False,
         "kernel_size": 3, "pooling": "stride",  # the CNN architecture fixed too
         "learning_rate": (1e-3, 3e-2)}


def run(ds, reuse, trials, epochs, seed):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = recipes.tune(ds, tuner="random", budget=trials, epochs=epochs, directory=tmp,
                              retrain=False, reuse_models=reuse, seed=seed, verbose=0,
                              space=SPACE)
        wall = time.perf_counter() - start
    rows = [r for r in result.trials if r["epoch_seconds"]]
    out = []
    for r in rows[1:] if reuse else rows:
        steady = statistics.median(r["epoch_seconds"][1:]) if len(r["epoch_seconds"]) > 1 else 0
        overhead = r["seconds"] - steady * len(r["epoch_seconds"])
        out.append({"trial": r["seconds"], "build": r["build_seconds"],
                    "first": r["epoch_seconds"][0], "steady": steady,
                    "overhead": overhead, "fraction": overhead / r["seconds"]})
    return out, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    results = {False: [], True: []}
    walls = {False: [], True: []}
    for repeat in range(args.repeats):
        for reuse in ((False, True) if repeat % 2 == 0 else (True, False)):
            rows, wall = run(ds, reuse, args.trials, args.epochs, seed=repeat)
            results[reuse] += rows
            walls[reuse].append(wall)
    print(f"MNIST-1D CNN, random search, {args.trials} trials x {args.epochs} epochs, "
          f"{args.repeats} repeats alternating (medians over trials)")
    print("models | trial s | build s | first epoch s | steady epoch s | overhead s | "
          "overhead / trial | search wall s")
    for reuse, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{'reused' if reuse else 'fresh':6} | {med['trial']:7.2f} | {med['build']:7.2f} | "
              f"{med['first']:13.2f} | {med['steady']:14.2f} | {med['overhead']:10.2f} | "
              f"{med['fraction']:16.2f} | {statistics.median(walls[reuse]):.1f}")
    ratio = (statistics.median(r["trial"] for r in results[True])
             / statistics.median(r["trial"] for r in results[False]))
    print(f"reused / fresh trial time: {ratio:.2f}")


if __name__ == "__main__":
    main()
