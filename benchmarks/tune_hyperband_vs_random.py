"""Hyperband vs random search vs Bayesian optimization on MNIST-1D at equal wall time.

    python benchmarks/tune_hyperband_vs_random.py [--seconds 240] [--epochs 9]
        [--tuners hyperband,random,bayesian] [--seeds 0,1]

First trains the default recipe (`train_classifier`, CNN, `--epochs` epochs, no
early stopping) and takes its best validation accuracy as the target. Then runs
each search (the default space, CNN) with `max_seconds=--seconds` (no trial
starts after that; the running one finishes), and prints for each: trials
run, best validation accuracy, the time at which a trial first reached the
default recipe's validation accuracy (or "not reached"), total wall time; then
retrains each search's best configuration and reports its test accuracy next
to the published MNIST-1D table (CNN 0.94, human 0.96, best reported ~0.988).
Every search starts from the same trials (the recipe's defaults, then the same
with `augment_1d`: `CourseHyperModel.starting_points`); the tuners differ in
what they try after those. Each (tuner, seed) prints a JSON line; a Markdown
table of all of them, in the order run, ends the output.
"""

import argparse
import json
import tempfile
import time

from deeper import recipes
from deeper.components import data


def search(ds, tuner, seconds, epochs, target, seed):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = recipes.tune(ds, tuner=tuner, budget=1000, epochs=epochs, max_seconds=seconds,
                              directory=tmp, seed=seed, verbose=0)
        wall = time.perf_counter() - start
        reached, elapsed = None, 0.0
        for row in result.trials:  # trials in creation order; a single worker runs them in turn
            elapsed += row["seconds"] or 0.0
            if row["score"] is not None and row["score"] >= target and reached is None:
                reached = elapsed
    return result, wall, reached


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--epochs", type=int, default=9)
    parser.add_argument("--seeds", default="0", help="comma-separated search seeds")
    parser.add_argument("--tuners", default="hyperband,random",
                        help="comma-separated, of hyperband, random, bayesian")
    args = parser.parse_args()
    ds = data.load("mnist1d")
    start = time.perf_counter()
    default = recipes.train_classifier(ds, epochs=args.epochs, early_stopping=None, seed=0)
    target = max(default.history["val_accuracy"])
    print(f"default recipe ({args.epochs} epochs): best val_accuracy {target:.4f}, test "
          f"{default.test_metrics['accuracy']:.4f}, {time.perf_counter() - start:.0f} s")
    rows = []
    for seed in [int(x) for x in args.seeds.split(",")]:
        for tuner in args.tuners.split(","):
            result, wall, reached = search(ds, tuner, args.seconds, args.epochs, target, seed)
            failed = sum(r["status"] == "FAILED" for r in result.trials)
            epochs_run = sum(len(r["epoch_seconds"] or []) for r in result.trials)
            best_id = max((r for r in result.trials if r["score"] is not None),
                          key=lambda r: r["score"])["trial_id"]
            rows.append({
                "tuner": tuner, "seed": seed, "max_seconds": args.seconds,
                "trials": len(result.trials), "failed": failed, "epochs_trained": epochs_run,
                "best_val_accuracy": round(result.best_score, 4), "best_trial": best_id,
                "seconds_to_default_accuracy": None if reached is None else round(reached, 1),
                "retrained_test_accuracy": round(result.test_metrics["accuracy"], 4),
                "wall_seconds_with_retraining": round(wall, 1),
                "best": result.best_hyperparameters})
            print(json.dumps(rows[-1]), flush=True)
    print("\n| tuner | seed | trials (failed) | epochs trained | best val accuracy | best trial "
          "| retrained test accuracy | wall s |\n|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tuner']} | {r['seed']} | {r['trials']} ({r['failed']}) | "
              f"{r['epochs_trained']} | {r['best_val_accuracy']:.4f} | {r['best_trial']} | "
              f"{r['retrained_test_accuracy']:.4f} | {r['wall_seconds_with_retraining']:.0f} |")

if __name__ == "__main__":
    main()
