"""Is augmentation the bottleneck? Input examples/s vs the CNN's training examples/s.

For two workloads, side by side in one process, alternating, medians over
`--repeats` rounds:

* MNIST-1D (4000 examples, 40 samples each): `data.augment_1d` (shift and
  scale) on `data.pipeline(batch_size=64)`, against the recipe's CNN
  (`models.build_cnn`, compiled like `train_classifier`: Nesterov SGD,
  `steps_per_execution=8`);
* CIFAR-sized images (random 32x32x3 in [0, 1]): `data.augment` (flip,
  pad-4 crop, contrast, tint) on `data.pipeline(batch_size=128)`, against a
  small 2-D CNN (`models.build_cnn(width=16, depth=4)`).

Measured per round: (a) the input alone, iterating the augmented pipeline
for one epoch; (b) one training epoch fed by the plain pipeline, cached in
memory (the model's consumption rate); (c) one training epoch fed by the
augmented pipeline. The ratio (a)/(b) > 1 says the input can outrun the
model; (c)/(b) is what augmentation costs end to end (on a CPU both compete
for the same cores, so (c) is the figure that counts).

    python benchmarks/augment_throughput.py --repeats 5
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from deeper.components import data  # noqa: E402
from deeper.recipes import models  # noqa: E402


def _epoch_seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _consume(dataset):
    for _ in dataset:
        pass


def workload(name, x, y, num_classes, batch_size, augmenter, build_kwargs):
    keras.utils.set_random_seed(0)
    model = models.build_cnn(x, num_classes, **build_kwargs)
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                  "sparse_categorical_crossentropy", steps_per_execution=8)
    plain = data.pipeline(x, y, batch_size=batch_size, seed=0)
    cached = plain.cache()
    augmented = augmenter(data.pipeline(x, y, batch_size=batch_size, seed=0))
    _consume(cached)
    model.fit(cached, epochs=1, verbose=0, shuffle=False)      # tracing
    model.fit(augmented, epochs=1, verbose=0, shuffle=False)
    return {
        "name": name, "n": len(x),
        "input": lambda: _consume(augmented),
        "model": lambda: model.fit(cached, epochs=1, verbose=0, shuffle=False),
        "model+augment": lambda: model.fit(augmented, epochs=1, verbose=0, shuffle=False),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--images", type=int, default=5000)
    args = parser.parse_args()

    ds = data.load("mnist1d", seed=0)
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (args.images, 32, 32, 3)).astype("float32")
    labels = rng.integers(0, 10, args.images)
    loads = [
        workload("MNIST-1D, recipe CNN, batch 64, augment_1d", ds.x_train, ds.y_train,
                 ds.num_classes, 64, lambda p: data.augment_1d(p, seed=0), {}),
        workload("32x32x3, 2-D CNN (width 16, depth 4), batch 128, augment", images, labels,
                 10, 128, lambda p: data.augment(p, value_range=(0, 1), seed=0),
                 {"width": 16, "depth": 4}),
    ]
    times = {(w["name"], k): [] for w in loads for k in ("input", "model", "model+augment")}
    for _ in range(args.repeats):
        for w in loads:
            for kind in ("input", "model", "model+augment"):
                times[(w["name"], kind)].append(_epoch_seconds(w[kind]))
    print(f"examples/s, medians of {args.repeats} alternated repeats")
    print("| workload | input with augmentation | model training (cached input) | "
          "training fed by augmentation | input / model | augmented / cached training |")
    print("|---|---|---|---|---|---|")
    for w in loads:
        rate = {k: w["n"] / statistics.median(times[(w["name"], k)])
                for k in ("input", "model", "model+augment")}
        print(f"| {w['name']} | {rate['input']:,.0f} | {rate['model']:,.0f} | "
              f"{rate['model+augment']:,.0f} | {rate['input'] / rate['model']:.1f}x | "
              f"{rate['model+augment'] / rate['model']:.2f} |")


if __name__ == "__main__":
    main()
