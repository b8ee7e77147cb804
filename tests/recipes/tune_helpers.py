"""Small settings shared by the tuning tests (also run as a script by the kill-and-resume test).

    python tune_helpers.py DIRECTORY BUDGET [TUNER]
    python tune_helpers.py --reuse      # prints reuse_equivalence() as JSON

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


# A small CNN with every kind of state a reused model must reset: batch norm statistics,
# dropout seed generators, momentum slots, the iteration count, a float learning rate.
REUSE_VALUES = {"depth": 2, "width": 16, "batch_norm": True, "dropout": 0.3,
                "optimizer": "nesterov", "schedule": "constant", "batch_size": 64,
                "activation": "relu", "regularizer": "l2", "l2": 1e-4, "momentum": 0.9}


def _trained(hypermodel, learning_rate, epochs):
    import keras_tuner as kt

    hp = kt.HyperParameters()
    hp.values.update(REUSE_VALUES, learning_rate=learning_rate)
    net = hypermodel.build(hp)
    start = [w.copy() for w in net.get_weights()]
    hypermodel.fit(hp, net, epochs=epochs)
    return net, start


def reuse_equivalence():
    """Train a trial (lr 0.01, 1 epoch), then a second trial of the same signature (lr 0.03,
    2 epochs) on the reused model, and the second trial on a fresh model: the largest
    differences of their starting and final weights and optimizer variables."""
    import numpy as np

    from deeper.recipes.tuning.space import CourseHyperModel

    ds = tiny_dataset()
    reusing = CourseHyperModel(ds, model="cnn", epochs=2, steps_per_execution=1, seed=3)
    first, _ = _trained(reusing, 0.01, 1)
    second, second_start = _trained(reusing, 0.03, 2)
    fresh_model = CourseHyperModel(ds, model="cnn", epochs=2, steps_per_execution=1, seed=3,
                                   reuse_models=False)
    fresh, fresh_start = _trained(fresh_model, 0.03, 2)

    def gap(xs, ys):
        return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(xs, ys))

    return {"reused": second is first, "hits": reusing.cache.hits,
            "start_gap": gap(second_start, fresh_start),
            "weight_gap": gap(second.get_weights(), fresh.get_weights()),
            "optimizer_gap": gap([v.numpy() for v in second.optimizer.variables],
                                 [v.numpy() for v in fresh.optimizer.variables]),
            "iterations": int(second.optimizer.iterations.numpy()),
            "fresh_iterations": int(fresh.optimizer.iterations.numpy())}


if __name__ == "__main__":
    if sys.argv[1] == "--reuse":
        import json

        print(json.dumps(reuse_equivalence()))
    else:
        tiny_search(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4])
