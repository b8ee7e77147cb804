"""Hard-example sampling vs uniform on MNIST-1D with 0% and 10% flipped training labels.

    python benchmarks/hard_examples.py --seeds 0 1 2 --epochs 30

The recipe's CNN (`recipes.models.build_cnn`, Nesterov SGD at 0.05, batch 64,
constant learning rate) trained for a fixed number of epochs on the training
split, labels flipped to another class for a fraction of the training
examples (validation and test labels stay clean). Variants, run side by side
for every seed (alternating, so load on the shared machine hits all alike):

* uniform: `data.pipeline` (a new shuffled order each epoch), the baseline;
* uniform with replacement: `HardExampleSampler(mix=1)`, what the sampler
  does without preference (separates "with replacement" from "hard");
* hard, cap 0.95: `HardExampleSampler(mix=0.5, cap=0.95)` + `HardExampleMining`
  (a re-scoring pass every epoch, its time included);
* hard, no cap: the same with `cap=None`;
* hard, cap 0.95, importance weights: `importance=True` (unbiased gradient).

Prints, per variant and noise level, the median over seeds of: the test
accuracy after the last epoch, the epochs and the seconds until the validation
accuracy first reaches the target (`--targets`, one per noise level: a model
trained on flipped labels tops out lower), and the share of the sampling probability
held by the flipped examples after the last epoch (10% of the examples).
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from deeper.components import callbacks, data, optimizers  # noqa: E402
from deeper.recipes import models  # noqa: E402

VARIANTS = {
    "uniform (shuffled)": None,
    "uniform, with replacement": {"mix": 1.0, "cap": None},
    "hard, cap 0.95": {"mix": 0.5, "cap": 0.95},
    "hard, no cap": {"mix": 0.5, "cap": None},
    "hard, cap 0.95, importance weights": {"mix": 0.5, "cap": 0.95, "importance": True},
}
MORE_CAPS = {  # not run by default: --variants "hard, cap 0.9" "hard, cap 0.8"
    "hard, cap 0.9": {"mix": 0.5, "cap": 0.9},
    "hard, cap 0.8": {"mix": 0.5, "cap": 0.8},
}


def flip_labels(y, fraction, seed, num_classes=10):
    """Labels with `fraction` of them changed to another class, and the changed indices."""
    rng = np.random.default_rng(seed)
    flipped = rng.choice(len(y), int(round(fraction * len(y))), replace=False)
    y = y.copy()
    y[flipped] = (y[flipped] + rng.integers(1, num_classes, len(flipped))) % num_classes
    return y, np.sort(flipped)


class EpochClock(keras.callbacks.Callback):
    """Seconds since `fit` began, at the end of every epoch (put it last in the list)."""

    def on_train_begin(self, logs=None):
        self.start, self.times = time.perf_counter(), []

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def run(ds, y_train, flipped, variant, *, seed, epochs, batch_size, target):
    keras.utils.set_random_seed(seed)
    model = models.build_cnn(ds.x_train, ds.num_classes, seed=seed)
    model.compile(optimizer=optimizers.get("nesterov", learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=8)
    clock, extra, sampler = EpochClock(), [], None
    options = {**VARIANTS, **MORE_CAPS}[variant]
    if options is None:
        train = data.pipeline(ds.x_train, y_train, batch_size=batch_size, seed=seed)
    else:
        sampler = data.HardExampleSampler(ds.x_train, y_train, batch_size=batch_size,
                                          seed=seed, **options)
        train = sampler.dataset
        if options["mix"] < 1:
            extra = [callbacks.HardExampleMining(sampler)]
    val = data.pipeline(ds.x_val, ds.y_val, batch_size=len(ds.x_val), shuffle=False)
    history = model.fit(train, validation_data=val, epochs=epochs, shuffle=False, verbose=0,
                        callbacks=[*extra, clock]).history
    test = model.evaluate(ds.x_test, ds.y_test, batch_size=1000, verbose=0, return_dict=True)
    reached = [i for i, a in enumerate(history["val_accuracy"]) if a >= target]
    return {
        "val_accuracy": history["val_accuracy"], "times": clock.times,
        "test": test["accuracy"],
        "epochs": reached[0] + 1 if reached else None,
        "seconds": clock.times[reached[0]] if reached else None,
        "total": clock.times[-1],
        "flipped_share": (float(sampler.probabilities[flipped].sum())
                          if sampler is not None and len(flipped) else None),
    }


def median(values, fmt):
    got = [v for v in values if v is not None]
    if not got:
        return "not reached"
    text = fmt.format(statistics.median(got))
    return text if len(got) == len(values) else f"{text} ({len(got)}/{len(values)} reached)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.1])
    parser.add_argument("--targets", type=float, nargs="+", default=[0.9, 0.8],
                        help="validation accuracy to reach, one per --noise level")
    parser.add_argument("--json", default=None, help="write every run's curves here")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        choices=[*VARIANTS, *MORE_CAPS])
    args = parser.parse_args()
    ds = data.load("mnist1d")
    results = {}
    if len(args.targets) != len(args.noise):
        parser.error("--targets needs one value per --noise level")
    targets = dict(zip(args.noise, args.targets, strict=True))
    for noise in args.noise:
        for seed in args.seeds:
            y_train, flipped = flip_labels(ds.y_train, noise, seed)
            for variant in args.variants:
                r = run(ds, y_train, flipped, variant, seed=seed, epochs=args.epochs,
                        batch_size=args.batch_size, target=targets[noise])
                results.setdefault((noise, variant), []).append(r)
                print(f"noise {noise:.0%} seed {seed} {variant}: test {r['test']:.3f}, "
                      f"target at epoch {r['epochs']} ({r['seconds'] and round(r['seconds'], 1)}"
                      f" s), {r['total']:.1f} s in all, flipped share {r['flipped_share']}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"noise": k[0], "variant": k[1], "runs": v} for k, v in results.items()],
                      f)
    print(f"\n{len(args.seeds)} seeds, medians\n")
    print("| flipped labels (target) | sampling | test accuracy | epochs to target "
          "| seconds to target | seconds, all epochs | probability on flipped examples |")
    print("|---|---|---|---|---|---|---|")
    for (noise, variant), rs in results.items():
        shares = [r["flipped_share"] for r in rs]
        share = median(shares, "{:.3f}") if noise and shares[0] is not None else "-"
        print(f"| {noise:.0%} ({targets[noise]:g}) | {variant} | "
              f"{median([r['test'] for r in rs], '{:.3f}')} | "
              f"{median([r['epochs'] for r in rs], '{:g}')} | "
              f"{median([r['seconds'] for r in rs], '{:.1f}')} | "
              f"{median([r['total'] for r in rs], '{:.1f}')} | {share} |")


if __name__ == "__main__":
    main()
