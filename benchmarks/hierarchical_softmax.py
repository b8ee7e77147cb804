"""A training step with C = 10,000 classes: hierarchical softmax (label path, O(sqrt C))
vs a full softmax Dense(C) + sparse cross-entropy, same hidden size, side by side.

    python benchmarks/hierarchical_softmax.py --classes 10000 --hidden 256 --batch 256
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from deeper.components import layers, losses  # noqa: E402


def _models(classes, dim, hidden):
    x = keras.Input((dim,))
    h = keras.layers.Dense(hidden, activation="relu")(x)
    full = keras.Model(x, keras.layers.Dense(classes)(h))
    full.compile(keras.optimizers.SGD(0.01),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x2 = keras.Input((dim,))
    y2 = keras.Input((), dtype="int32")
    h2 = keras.layers.Dense(hidden, activation="relu")(x2)
    tree = keras.Model([x2, y2], layers.HierarchicalSoftmax(classes)(h2, y2))
    tree.compile(keras.optimizers.SGD(0.01), loss=losses.get("hierarchical_softmax"))
    return full, tree


def _time(model, inputs, y, batch, steps, repeats):
    data = tf.data.Dataset.from_tensor_slices((inputs, y)).batch(batch).repeat().prefetch(2)
    model.fit(data, steps_per_epoch=5, epochs=1, verbose=0)  # trace and warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n = args.batch * 8
    x = rng.normal(size=(n, args.dim)).astype("float32")
    y = rng.integers(0, args.classes, n).astype("int32")
    full, tree = _models(args.classes, args.dim, args.hidden)
    t_full = _time(full, x, y, args.batch, args.steps, args.repeats)
    t_tree = _time(tree, (x, y), y, args.batch, args.steps, args.repeats)
    k = tree.layers[-1].n_clusters
    print(f"C={args.classes} hidden={args.hidden} batch={args.batch} "
          f"(tree: {k} clusters of <= {tree.layers[-1].cluster_size})")
    print(f"full softmax     {1e3 * t_full:8.2f} ms/step")
    print(f"hierarchical     {1e3 * t_tree:8.2f} ms/step")
    print(f"speed-up full/hierarchical: {t_full / t_tree:.2f}x")
    print(f"output-layer parameters: full {full.layers[-1].count_params():,}, "
          f"hierarchical {tree.layers[-1].count_params():,}")


if __name__ == "__main__":
    main()
