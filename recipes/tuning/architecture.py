"""The architecture part of the search space: the recipe model's blocks, channels, kernel
size and pooling.

| name          | values                                               | default      |
|---------------|------------------------------------------------------|--------------|
| `depth`       | 2..6 conv blocks (MLP: 1..4 hidden layers)           | 4 (MLP: 2)   |
| `width`       | 16..64 channels, log steps x2 (MLP: 64..1024 units)  | 32 (MLP: 512)|
| `kernel_size` | 3, 5, 7 (a 1-D signal's first block: + 2); CNN only  | 3            |
| `pooling`     | stride, max, average: how every second block halves  | stride       |
|               | the length; CNN only                                 |              |

The ranges and defaults are the declared options' (`declared.ARCHITECTURES`,
`declared.MODEL`), so the space's defaults build `train_classifier`'s model.
"""

from __future__ import annotations

from deeper.recipes.options import declared

NAMES = ("depth", "width", "kernel_size", "pooling")
CNN_ONLY = ("kernel_size", "pooling")


def check_space(model, space):
    """Refuse an override of a CNN-only hyperparameter in an MLP search (it would do nothing)."""
    if model == "cnn":
        return
    for name in CNN_ONLY:
        if name in space:
            raise ValueError(f"`space[{name!r}]` is a hyperparameter of the CNN only; an "
                             f"{model!r} search has none. Received: {name}={space[name]!r}")


def draw(hypermodel, hp, config):
    """Define the architecture hyperparameters on `hp` and set them in `config`; an MLP
    search gets the CNN-only options' defaults (they do not change an MLP)."""
    for name in ("depth", "width"):
        default, low, high = declared.architecture(hypermodel.model, name)
        config[name] = hypermodel._declared(hp, name, low=low, high=high, default=default)
    for name in CNN_ONLY:
        config[name] = (hypermodel._declared(hp, name) if hypermodel.model == "cnn"
                        else declared.MODEL[name].default)
    return config
