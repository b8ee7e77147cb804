"""Training steps per second: `train_classifier` vs a plain hand-written `model.fit`.

Both train the same architecture (built by the recipe's own builder), on the
same data, batch size, optimizer and learning-rate schedule, with validation
after every epoch, in the same process and alternating, so the ratio is
measured side by side. The plain loop is what a user typically writes:
NumPy arrays into `fit(..., shuffle=True)`, default `steps_per_execution`.
The first epoch (tracing) is excluded from the timing.

    python benchmarks/throughput.py --model cnn --epochs 10 --repeats 5
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from deeper import recipes  # noqa: E402
from deeper.components import data, schedules  # noqa: E402
from deeper.recipes import models  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch (training and validation)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def on_train_begin(self, logs=None):
        self.times = []


def steps_per_second(timer, steps_per_epoch):
    timed = timer.times[1:]  # epoch 1 includes tracing
    return steps_per_epoch * len(timed) / sum(timed)


def plain_fit(ds, model_name, epochs, batch_size, seed):
    keras.utils.set_random_seed(seed)
    steps = -(-len(ds.x_train) // batch_size)
    net = models.BUILDERS[model_name](ds.x_train, ds.num_classes, seed=seed)
    lr = schedules.step_decay(0.05, drop=10, every_epochs=max(1, epochs // 2),
                              steps_per_epoch=steps)
    net.compile(optimizer=keras.optimizers.SGD(lr, momentum=0.9, nesterov=True),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    net.fit(ds.x_train, ds.y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
            validation_data=(ds.x_val, ds.y_val), callbacks=[timer], verbose=0)
    return steps_per_second(timer, steps)


def recipe_fit(ds, model_name, epochs, batch_size, seed):
    steps = -(-len(ds.x_train) // batch_size)
    timer = EpochTimer()
    recipes.train_classifier(ds, model=model_name, epochs=epochs, batch_size=batch_size,
                             early_stopping=None, seed=seed, callbacks=[timer])
    return steps_per_second(timer, steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="mnist1d")
    parser.add_argument("--model", default="cnn", choices=("mlp", "cnn"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ds = data.load(args.data)
    plain, recipe = [], []
    for r in range(args.repeats):
        plain.append(plain_fit(ds, args.model, args.epochs, args.batch_size, seed=r))
        recipe.append(recipe_fit(ds, args.model, args.epochs, args.batch_size, seed=r))
        print(f"repeat {r}: plain {plain[-1]:.0f} steps/s, recipe {recipe[-1]:.0f} steps/s",
              flush=True)
    p, q = statistics.median(plain), statistics.median(recipe)
    ratios = sorted(b / a for a, b in zip(plain, recipe))
    print(f"{args.model} on {args.data}, batch {args.batch_size}: plain model.fit "
          f"{p:.0f} steps/s, train_classifier {q:.0f} steps/s (medians of {args.repeats}); "
          f"paired ratio median {statistics.median(ratios):.2f}x "
          f"(range {ratios[0]:.2f}-{ratios[-1]:.2f})")


if __name__ == "__main__":
    main()
