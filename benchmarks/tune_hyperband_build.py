"""Hyperband trials with KerasTuner's own build step against `CourseTuner`'s.

    python benchmarks/tune_hyperband_build.py [--budget 8] [--epochs 3] [--repeats 2]

KerasTuner's `Tuner._try_build` runs `keras.backend.clear_session()` and
`gc.collect()` before every trial's build; on TensorFlow the clear also empties the
kernel cache that a reused compiled model (`recipes.tuning.reuse`) needs.
`CourseTuner._try_build` leaves the session to `CourseHyperModel.build`, which
clears it (without a full collection) only when it builds a model. Both run the
same Hyperband searches of the MNIST-1D CNN (`tune_overhead.SPACE`: only the
learning rate varies, so every trial after the first reuses the compiled model),
alternating; printed per search: wall time, the median trial time and the median
time per trained epoch, over the trials after the first.
"""

import argparse
import statistics
import tempfile
import time

import keras_tuner as kt
from tune_overhead import SPACE

from deeper import recipes
from deeper.components import data
from deeper.recipes.tuning import oracles

BUILDS = {"kerastuner": kt.Tuner._try_build, "course": oracles.CourseTuner._try_build}


def search(ds, build, budget, epochs, seed):
    oracles.CourseTuner._try_build = BUILDS[build]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = recipes.tune(ds, tuner="hyperband", budget=budget, epochs=epochs,
                                  directory=tmp, retrain=False, seed=seed, verbose=0,
                                  space=SPACE)
            wall = time.perf_counter() - start
    finally:
        oracles.CourseTuner._try_build = BUILDS["course"]
    rows = [r for r in result.trials if r["epoch_seconds"]][1:]
    return {"wall": wall, "trial": statistics.median(r["seconds"] for r in rows),
            "per_epoch": statistics.median(r["seconds"] / len(r["epoch_seconds"]) for r in rows),
            "trials": len(rows) + 1}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    print(f"MNIST-1D CNN, Hyperband, budget {args.budget}, max {args.epochs} epochs")
    print("build step | search | trials | search wall s | median trial s | median s per epoch")
    for repeat in range(args.repeats):
        order = ("course", "kerastuner") if repeat % 2 == 0 else ("kerastuner", "course")
        for build in order:
            r = search(ds, build, args.budget, args.epochs, seed=repeat)
            print(f"{build:10} | {repeat} | {r['trials']} | {r['wall']:.1f} | {r['trial']:.2f} | "
                  f"{r['per_epoch']:.2f}", flush=True)


if __name__ == "__main__":
    main()
