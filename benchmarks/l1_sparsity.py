"""L1 inside the update (ProximalL1) vs a plain L1 penalty (Keras's L1 regularizer) at
equal lambda: fraction of exactly-zero weights and test accuracy, MNIST-1D MLP.

    python benchmarks/l1_sparsity.py --lambdas 1e-4 3e-4 1e-3 --seeds 0 1 --epochs 30
    python benchmarks/l1_sparsity.py --momentum 0 --learning-rate 0.1 ...

With momentum mu, the penalty's gradient lam * sign(w) is amplified by up to
1 / (1 - mu) (10x at 0.9) while the soft threshold stays eta * lam per step:
at equal lambda the two are equally strong only without momentum.
"""

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from deeper.components import data, optimizers  # noqa: E402


def train(dataset, *, lam, prox, seed, epochs, learning_rate, width, momentum):
    """A 2-hidden-layer ReLU MLP on standardized input; returns (zeros, near_zeros, accuracy)."""
    keras.utils.set_random_seed(seed)
    regularizer = None if prox else keras.regularizers.L1(lam)
    mean, std = dataset.x_train.mean(0), dataset.x_train.std(0) + 1e-8
    model = keras.Sequential([keras.Input(dataset.x_train.shape[1:])] + [
        keras.layers.Dense(width, activation="relu", kernel_regularizer=regularizer,
                           kernel_initializer=keras.initializers.HeNormal(seed + i))
        for i in range(2)] + [keras.layers.Dense(
            dataset.num_classes, activation="softmax", kernel_regularizer=regularizer,
            kernel_initializer=keras.initializers.GlorotUniform(seed + 2))])
    optimizer = optimizers.get("sgd", learning_rate=learning_rate, momentum=momentum)
    if prox:
        optimizer = optimizers.ProximalL1(optimizer, l1=lam)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit((dataset.x_train - mean) / std, dataset.y_train, batch_size=64, epochs=epochs,
              verbose=0)
    kernels = np.concatenate([layer.kernel.numpy().ravel() for layer in model.layers])
    accuracy = model.evaluate((dataset.x_test - mean) / std, dataset.y_test, verbose=0,
                              return_dict=True)["accuracy"]
    return float((kernels == 0).mean()), float((np.abs(kernels) < 1e-4).mean()), accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambdas", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--momentum", type=float, default=0.9)
    args = parser.parse_args()
    dataset = data.load("mnist1d")
    print(f"{dataset.summary()}\nMLP 2x{args.width} ReLU, SGD momentum {args.momentum}, lr "
          f"{args.learning_rate}, {args.epochs} epochs, batch 64; medians over seeds "
          f"{args.seeds}")
    print("| lambda | method | exact zeros | abs(w) < 1e-4 | test accuracy |")
    print("|---|---|---|---|---|")
    for lam in args.lambdas:
        for prox in (True, False):
            runs = [train(dataset, lam=lam, prox=prox, seed=s, epochs=args.epochs,
                          learning_rate=args.learning_rate, width=args.width,
                          momentum=args.momentum)
                    for s in args.seeds]
            zeros, near, accuracy = (statistics.median(r[i] for r in runs) for i in range(3))
            method = "ProximalL1 (soft threshold)" if prox else "L1 penalty (Keras L1)"
            print(f"| {lam:g} | {method} | {zeros:.1%} | {near:.1%} | {accuracy:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
