"""Cost of a full `babysit` on the MNIST-1D CNN, relative to one training epoch of the
recipe's CNN (`train_classifier`, batch 64, validation each epoch), measured side by side.

    python benchmarks/babysit_cost.py --repeats 3

Each repeat runs `recipes.babysit("cnn", ds)` (all six checks, defaults), then trains the
same CNN for 3 epochs with `train_classifier`, timing every epoch with a callback. Epoch 1
includes tracing the training and validation graphs; epochs 2-3 are the steady state.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from deeper import recipes  # noqa: E402
from deeper.components import data  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="cnn", choices=("mlp", "cnn"))
    args = parser.parse_args()
    ds = data.load("mnist1d", seed=0)
    recipes.babysit(args.model, ds, overfit_steps=5)  # warm up TensorFlow once
    babysits, firsts, steadies = [], [], []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        report = recipes.babysit(args.model, ds, seed=repeat)
        babysits.append(time.perf_counter() - start)
        timer = EpochTimer()
        recipes.train_classifier(ds, model=args.model, epochs=3, seed=repeat, callbacks=[timer])
        firsts.append(timer.seconds[0])
        steadies.append(statistics.mean(timer.seconds[1:]))
        print(f"repeat {repeat}: babysit {babysits[-1]:.1f} s ({report.summary()}); epoch 1 "
              f"{firsts[-1]:.2f} s, epochs 2-3 {steadies[-1]:.2f} s/epoch", flush=True)
    b, f, s = (statistics.median(v) for v in (babysits, firsts, steadies))
    print(f"\n| model | babysit (median) | epoch 1 (with tracing) | later epochs | babysit / "
          f"epoch 1 | babysit / later epoch |\n|---|---|---|---|---|---|\n| {args.model.upper()} "
          f"| {b:.1f} s | {f:.2f} s | {s:.2f} s | {b / f:.1f}x | {b / s:.0f}x |")


if __name__ == "__main__":
    main()
