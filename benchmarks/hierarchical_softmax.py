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


def _fit_timer(model, inputs, y, batch, steps):
    data = tf.data.Dataset.from_tensor_slices((inputs, y)).batch(batch).repeat().prefetch(2)
    model.fit(data, steps_per_epoch=5, epochs=1, verbose=0)  # trace and warm up

    def once():
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
        return (time.perf_counter() - start) / steps
    return once


def _layer_timer(layer, call, steps):
    """Forward + backward of the output layer alone (its loss), in a tf.function."""
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = call()
        return tape.gradient(loss, layer.trainable_variables)
    step()

    def once():
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - start) / steps
    return once


def _paired(timer_a, timer_b, repeats):
    """Alternate the two timers; medians and the median of the paired ratios a/b."""
    a, b = [], []
    for _ in range(repeats):
        a.append(timer_a())
        b.append(timer_b())
    return (float(np.median(a)), float(np.median(b)),
            float(np.median(np.array(a) / np.array(b))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n = args.batch * 8
    x = rng.normal(size=(n, args.dim)).astype("float32")
    y = rng.integers(0, args.classes, n).astype("int32")
    full, tree = _models(args.classes, args.dim, args.hidden)
    t_full, t_tree, ratio = _paired(_fit_timer(full, x, y, args.batch, args.steps),
                                    _fit_timer(tree, (x, y), y, args.batch, args.steps),
                                    args.repeats)
    hs = tree.layers[-1]
    h = tf.random.normal((args.batch, args.hidden))
    labels = tf.constant(y[:args.batch])
    out = full.layers[-1]
    l_full, l_tree, l_ratio = _paired(
        _layer_timer(out, lambda: tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, out(h))), args.steps),
        _layer_timer(hs, lambda: -tf.reduce_mean(hs(h, labels)), args.steps), args.repeats)
    print(f"C={args.classes} hidden={args.hidden} batch={args.batch} "
          f"(tree: {hs.n_clusters} clusters of <= {hs.cluster_size}); medians of "
          f"{args.repeats} alternated repeats")
    print(f"training step (model.fit):     full {1e3 * t_full:7.2f} ms   hierarchical "
          f"{1e3 * t_tree:7.2f} ms   ratio full/hierarchical {ratio:.2f}x")
    print(f"output layer forward+backward: full {1e3 * l_full:7.2f} ms   hierarchical "
          f"{1e3 * l_tree:7.2f} ms   ratio full/hierarchical {l_ratio:.2f}x")
    print(f"multiply-adds per example in the output layer: full {args.hidden * args.classes:,}, "
          f"hierarchical {args.hidden * (hs.n_clusters + hs.cluster_size):,}")
    print(f"output-layer parameters: full {full.layers[-1].count_params():,}, "
          f"hierarchical {tree.layers[-1].count_params():,}")


if __name__ == "__main__":
    main()
