"""Small settings shared by the tuning tests (also run as a script by the kill-and-resume test).

    python tune_helpers.py DIRECTORY BUDGET [TUNER]

runs a tiny search (MLP, 1-2 epochs, a 600-example MNIST-1D subset) that resumes
from DIRECTORY, printing one line per finished trial.
"""

import sys

TINY_SPACE = {"depth": 1, "width": 16, "batch_norm": False, "dropout": 0.0,
              "batch_size": [32, 64, 128, 256]}


def tiny_dataset(n=600, seed=0):
    from deeper.components import data

    full = data.load("mnist1d", seed=seed)
    return data.from_arrays(full.x_train[:n], full.y_train[:n], x_test=full.x_test[:200],
                            y_test=full.y_test[:200], val_fraction=0.25, seed=seed)


def tiny_search(directory, budget, tuner="random", **kwargs):
    from deeper import recipes

    options = {"model": "mlp", "space": TINY_SPACE, "tuner": tuner, "budget": budget,
               "epochs": 2, "directory": directory, "retrain": False, "seed": 0}
    options.update(kwargs)
    return recipes.tune(tiny_dataset(), **options)


if __name__ == "__main__":
    tiny_search(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4])
