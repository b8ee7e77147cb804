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

import collections

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


class Pipelines:
    """A trial's (training, validation) pipelines, the last `size` kept across trials.

    A kept pair (same batch size and augmentation as an earlier trial) gets its
    epoch counters set back to a new pipeline's, so the trial reads exactly the
    batches a new pipeline would give; building them again cost every trial its
    tf.data start-up. Each pair holds a copy of the data: `size` bounds them."""

    def __init__(self, dataset, seed, *, keep=True, size=4):
        self.dataset, self.seed, self.keep, self.size = dataset, seed, keep, size
        self._kept = collections.OrderedDict()

    def get(self, batch_size, config):
        key = (batch_size, repr(config.get("augment")))
        if key in self._kept:
            self._kept.move_to_end(key)
            train, val = self._kept[key]
            for counter in getattr(train, "deeper_epoch_counters", ()):
                counter.assign(-1)
            return train, val
        ds = self.dataset
        train = training_data(
            data.pipeline(ds.x_train, ds.y_train, batch_size=batch_size, seed=self.seed),
            config, self.seed)
        val = data.pipeline(ds.x_val, ds.y_val, batch_size=min(512, len(ds.x_val)),
                            shuffle=False)
        if self.keep:
            self._kept[key] = (train, val)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return train, val
