"""MNIST-1D test accuracy of the default recipe, MLP and CNN, over seeds, against
the published table (Greydanus 2020, "Scaling down deep learning").

    python benchmarks/mnist1d_accuracy.py --seeds 0 1 2
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from deeper import recipes  # noqa: E402
from deeper.components import data  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    args = parser.parse_args()
    rows = []
    for model in args.models:
        accs, secs = [], []
        for seed in args.seeds:
            ds = data.load("mnist1d", seed=seed)
            start = time.perf_counter()
            run = recipes.train_classifier(ds, model=model, seed=seed)
            secs.append(time.perf_counter() - start)
            accs.append(run.test_metrics["accuracy"])
            print(f"{model} seed {seed}: test accuracy {accs[-1]:.3f} "
                  f"({len(run.history['loss'])} epochs, {secs[-1]:.0f} s)", flush=True)
        published = ds.published[model]
        rows.append((model, accs, published, statistics.mean(secs)))
    print("\n| model | test accuracy (mean, min-max) | published | seconds/run |")
    print("|---|---|---|---|")
    for model, accs, published, sec in rows:
        print(f"| {model.upper()} | {statistics.mean(accs):.3f} ({min(accs):.3f}-{max(accs):.3f})"
              f" | {published:.2f} | {sec:.0f} |")


if __name__ == "__main__":
    main()
