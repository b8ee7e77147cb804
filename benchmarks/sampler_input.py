"""Input for hard-example sampling: the `tf.data` sampler vs a `keras.utils.PyDataset`.

    python benchmarks/sampler_input.py --repeats 5

Both draw N indices per epoch from the same probabilities (with replacement)
and serve batches of 64 MNIST-1D examples to `model.fit` of the recipe's CNN.
`HardExampleSampler.dataset` draws and gathers inside `tf.data` (prefetched,
no Python per step); the `PyDataset` draws with NumPy in `on_epoch_end` and
slices NumPy arrays in `__getitem__` (Keras's documented pattern). The plain
shuffled `data.pipeline` is timed alongside as the reference. Prints the
median seconds per epoch (epochs 2-4 of each fit, the first includes tracing),
alternating the two in every repeat; the machine is shared, so read the ratio.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from deeper.components import data, optimizers  # noqa: E402
from deeper.recipes import models  # noqa: E402


class NumpySampler(keras.utils.PyDataset):
    """Batches of examples drawn with probabilities `p`, redrawn every epoch."""

    def __init__(self, x, y, p, batch_size, seed=0):
        super().__init__()
        self.x, self.y, self.p, self.batch_size = x, y, p, batch_size
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        ids = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self.x[ids], self.y[ids]

    def on_epoch_end(self):
        self.order = self.rng.choice(len(self.x), len(self.x), p=self.p)


class Clock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def epoch_seconds(ds, inputs, epochs=4):
    keras.utils.set_random_seed(0)
    model = models.build_cnn(ds.x_train, ds.num_classes, seed=0)
    model.compile(optimizer=optimizers.get("nesterov", learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", steps_per_execution=8)
    clock = Clock()
    model.fit(inputs, epochs=epochs, shuffle=False, verbose=0, callbacks=[clock])
    return statistics.median(clock.times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    losses = np.random.default_rng(0).exponential(size=len(ds.x_train))
    tfdata, numpy, plain = [], [], []
    for _ in range(args.repeats):
        sampler = data.HardExampleSampler(ds.x_train, ds.y_train, batch_size=64)
        p = sampler.update(losses)
        tfdata.append(epoch_seconds(ds, sampler.dataset))
        numpy.append(epoch_seconds(ds, NumpySampler(ds.x_train, ds.y_train, p, 64)))
        plain.append(epoch_seconds(ds, data.pipeline(ds.x_train, ds.y_train, batch_size=64)))
        print(f"tf.data {tfdata[-1]:.3f} s/epoch, PyDataset {numpy[-1]:.3f} s/epoch, "
              f"shuffled pipeline {plain[-1]:.3f} s/epoch", flush=True)
    t, n, u = (statistics.median(v) for v in (tfdata, numpy, plain))
    print(f"median seconds per epoch: tf.data sampler {t:.3f}, PyDataset {n:.3f} "
          f"(PyDataset / tf.data = {n / t:.2f}); data.pipeline (uniform, no sampling) {u:.3f}")


if __name__ == "__main__":
    main()
