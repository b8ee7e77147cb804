"""The input-side part of the search space: standardization and `data.augment_1d`.

| name            | values                                          | default   |
|-----------------|-------------------------------------------------|-----------|
| `standardize`   | feature, channel, global, none                  | feature   |
| `augment`       | True / False (1-D signals only)                 | False     |
| `max_shift`     | 1..6 samples (only with `augment`)              | 3         |
| `augment_scale` | 0.0..0.3, step 0.05 (only with `augment`)       | 0.1       |

The defaults are `train_classifier`'s (feature-wise standardization, no augmentation).
"""

from __future__ import annotations

from deeper.components import data

NAMES = ("standardize", "augment", "max_shift", "augment_scale")
STANDARDIZE = ("feature", "channel", "global", "none")


def is_signal(x_train):
    """`augment_1d` applies: `(n, length)` or `(n, length, channels)` inputs."""
    return x_train.ndim in (2, 3)


def draw(hypermodel, hp, config):
    """Define the input-side hyperparameters on `hp`; set `standardize` and `augment` in
    `config` (`augment` a dict of `augment_1d` arguments, or `None`)."""
    standardize = hypermodel._hp(hp, "standardize", "Choice", list(STANDARDIZE),
                                 default="feature")
    config["standardize"] = None if standardize == "none" else standardize
    config["augment"] = None
    if not is_signal(hypermodel.dataset.x_train):
        return config
    if hypermodel._hp(hp, "augment", "Boolean", default=False):
        config["augment"] = {
            "max_shift": hypermodel._hp(hp, "max_shift", "Int", 1, 6, default=3,
                                        parent=("augment", [True])),
            "scale": round(hypermodel._hp(hp, "augment_scale", "Float", 0.0, 0.3, step=0.05,
                                          default=0.1, parent=("augment", [True])), 6)}
    else:  # declared on every draw so that the space is whole from the first build
        for name, kind, args, default in (("max_shift", "Int", (1, 6), 3),
                                          ("augment_scale", "Float", (0.0, 0.3), 0.1)):
            hypermodel._hp(hp, name, kind, *args, default=default,
                           parent=("augment", [True]),
                           **({"step": 0.05} if kind == "Float" else {}))
    return config


def training_data(train, config, seed):
    """`train` (a batched pipeline), augmented as `config["augment"]` says."""
    if not config.get("augment"):
        return train
    return data.augment_1d(train, seed=seed, **config["augment"])
