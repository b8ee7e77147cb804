"""Per-trial overhead of a KerasTuner search, and what `steps_per_execution` does to it.

    python benchmarks/tune_overhead.py [--trials 4] [--epochs 3]

Runs random searches of the MNIST-1D CNN (the recipe's space, seeded) with
`steps_per_execution` 1 and 8, alternating, and prints per trial: wall time,
model build, first epoch (tracing the train and test functions), a steady
epoch (the median of the later ones), and the overhead = trial time - epochs x
steady epoch, as a fraction of the trial. Medians over the trials.
"""

import argparse
import statistics
import tempfile
import time

from deeper import recipes
from deeper.components import data


def run(ds, spe, trials, epochs, seed):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = recipes.tune(ds, tuner="random", budget=trials, epochs=epochs, directory=tmp,
                              retrain=False, steps_per_execution=spe, seed=seed, verbose=0,
                              space={"learning_rate": (1e-3, 3e-2)})
        wall = time.perf_counter() - start
    rows = [r for r in result.trials if r["epoch_seconds"]]
    out = []
    for r in rows:
        steady = statistics.median(r["epoch_seconds"][1:]) if len(r["epoch_seconds"]) > 1 else 0
        overhead = r["seconds"] - steady * len(r["epoch_seconds"])
        out.append({"trial": r["seconds"], "build": r["build_seconds"],
                    "first": r["epoch_seconds"][0], "steady": steady,
                    "overhead": overhead, "fraction": overhead / r["seconds"]})
    return out, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    results = {1: [], 8: []}
    walls = {1: [], 8: []}
    for repeat in range(args.repeats):
        for spe in ((1, 8) if repeat % 2 == 0 else (8, 1)):
            rows, wall = run(ds, spe, args.trials, args.epochs, seed=repeat)
            results[spe] += rows
            walls[spe].append(wall)
    print(f"MNIST-1D CNN, random search, {args.trials} trials x {args.epochs} epochs, "
          f"{args.repeats} repeats alternating (medians over trials; shared 2-core CPU)")
    print("steps_per_execution | trial s | build s | first epoch s | steady epoch s | "
          "overhead s | overhead / trial | search wall s")
    for spe, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{spe:19d} | {med['trial']:7.2f} | {med['build']:7.2f} | {med['first']:13.2f} | "
              f"{med['steady']:14.2f} | {med['overhead']:10.2f} | {med['fraction']:16.2f} | "
              f"{statistics.median(walls[spe]):.1f}")


if __name__ == "__main__":
    main()
