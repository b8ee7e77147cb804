"""Step time of the optimizer wrappers (ProximalL1, PerWeightLearningRates) vs the
Keras optimizer they wrap, same model and data, alternated repeats, medians.

    python benchmarks/wrapper_step_time.py --repeats 7
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from deeper.components import data, optimizers  # noqa: E402


def build(dataset, optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(dataset.x_train.shape[1:]),
                              keras.layers.Dense(256, activation="relu", name="h1"),
                              keras.layers.Dense(256, activation="relu", name="h2"),
                              keras.layers.Dense(dataset.num_classes, activation="softmax",
                                                 name="out")])
    model.compile(optimizer, "sparse_categorical_crossentropy", steps_per_execution=8)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    dataset = data.load("mnist1d")
    x, y = dataset.x_train, dataset.y_train
    makers = {
        "Keras SGD(momentum=0.9)": lambda: optimizers.get("momentum", learning_rate=0.05),
        "ProximalL1(momentum)": lambda: optimizers.ProximalL1(
            optimizers.get("momentum", learning_rate=0.05), l1=1e-4),
        "PerWeightLearningRates(momentum, 2 patterns)": lambda: optimizers.PerWeightLearningRates(
            optimizers.get("momentum", learning_rate=0.05), {".*h1/kernel": 0.5,
                                                             ".*h2/kernel": 0.7}),
    }
    models = {name: build(dataset, make()) for name, make in makers.items()}
    for model in models.values():  # trace and warm up
        model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
    times = {name: [] for name in models}
    steps = -(-len(x) // args.batch_size)
    for _ in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
            times[name].append((time.perf_counter() - start) / steps * 1e3)
    base = statistics.median(times["Keras SGD(momentum=0.9)"])
    print(f"MNIST-1D MLP 40-256-256-10, batch {args.batch_size}, {steps} steps per epoch, "
          f"medians of {args.repeats} alternated epochs")
    print("| optimizer | ms per step | ratio to Keras SGD |")
    print("|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.3f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
