"""What does `train_classifier`'s default NaN guard cost? Epoch time with and without it.

The recipe's MNIST-1D CNN, compiled as `train_classifier` compiles it (Nesterov SGD
with the step schedule, `steps_per_execution=8`), trains one epoch at a time on the
recipe's training pipeline, without `callbacks.NaNGuard`, with it as the recipe
adds it (the loss checked after every call into the graph, the weights checked and
copied with the optimizer state at the end of each epoch) and with
`snapshot_every=1` (checked and copied after every call into the graph),
alternating, `--repeats` rounds after one untimed epoch each; medians and their
ratio. Each timed `fit` is one epoch, so the guard also copies at its train begin:
two copies per timed epoch where a long run makes one.

    python benchmarks/train_guard_overhead.py --repeats 5
"""

import argparse
import statistics
import time

import keras

from deeper.components import callbacks, data
from deeper.recipes import options
from deeper.recipes.options import declared
from deeper.recipes.train import setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    o = options.validate(declared.TRAIN, {"model": "cnn", "epochs": 10})
    o["lr_drop_every"], o["learning_rate"] = 5, 0.05
    steps = -(-len(ds.x_train) // o["batch_size"])
    runs = {}
    settings = {"none": None, "NaNGuard (recipe: per epoch)": "epoch",
                "NaNGuard(snapshot_every=1)": 1}
    for name, every in settings.items():
        keras.utils.set_random_seed(0)
        train, val, _ = setup.pipelines(ds, o["batch_size"], o["seed"])
        net = setup.build_and_compile(ds, o, steps)
        extra = [] if every is None else [callbacks.NaNGuard(
            ds.x_train[:64], ds.y_train[:64], snapshot_every=every, verbose=0)]
        runs[name] = (net, train, val, extra, [])
        net.fit(train, validation_data=val, epochs=1, callbacks=extra, verbose=0)
    for _ in range(args.repeats):
        for net, train, val, extra, times in runs.values():
            start = time.perf_counter()
            net.fit(train, validation_data=val, epochs=1, callbacks=extra, verbose=0)
            times.append(time.perf_counter() - start)
    base = statistics.median(runs["none"][4])
    print("| setting | epoch s (median) | ratio to none |\n|---|---|---|")
    for name, (*_, times) in runs.items():
        median = statistics.median(times)
        print(f"| {name} | {median:.3f} | {median / base:.3f} |")


if __name__ == "__main__":
    main()
