"""Keras's own names, snake-case included, with keyword arguments, for every kind's `get`.

Keras resolves `"sparse_categorical_crossentropy"` to a plain function (no
configuration), and has no name lookup at all for layers, callbacks or
schedules by their snake-case names (`"batch_normalization"`,
`"early_stopping"`, `"cosine_decay"`) or for `"l1_l2"`. Every kind's `get` goes
through `get` here: a `deeper` name first (exactly as `registry.get`), then
Keras's own getter, then the Keras class whose name is the snake-case name
(`BatchNormalization`, `EarlyStopping`, `CosineDecay`, `L1L2`,
`SparseCategoricalCrossentropy`), built with the keyword arguments:

>>> get("losses", "sparse_categorical_crossentropy", from_logits=True).get_config()["from_logits"]
True
"""

from __future__ import annotations

import keras

from deeper.components import registry

_MODULES = {
    "layers": (keras.layers, keras.layers.Layer),
    "initializers": (keras.initializers, keras.initializers.Initializer),
    "regularizers": (keras.regularizers, keras.regularizers.Regularizer),
    "losses": (keras.losses, keras.losses.Loss),
    "optimizers": (keras.optimizers, keras.optimizers.Optimizer),
    "schedules": (keras.optimizers.schedules, keras.optimizers.schedules.LearningRateSchedule),
    "callbacks": (keras.callbacks, keras.callbacks.Callback),
}


def _key(name):
    return name.replace("_", "").lower()


def _by_name(kind, name):
    module, base = _MODULES[kind]
    for attribute in dir(module):
        cls = getattr(module, attribute)
        if isinstance(cls, type) and issubclass(cls, base) and _key(attribute) == _key(name):
            return cls
    return None


def keras_class(kind, name):
    """The Keras class of `kind` for a Keras name (snake-case or not), or `None`.

    A loss name that Keras resolves to a function (`"mse"`, `"huber"`) gives the
    `Loss` class computing that function (`MeanSquaredError`, `Huber`).
    """
    if kind not in _MODULES or not isinstance(name, str) or not name:
        return None
    found = _by_name(kind, name)
    if found is None and kind == "losses":
        try:
            function = keras.losses.get(name)
        except (ValueError, TypeError, KeyError):
            function = None
        if isinstance(function, keras.losses.Loss):
            return type(function)
        if getattr(function, "__name__", None):
            found = _by_name(kind, function.__name__)
    return found


def _registered(kind, name):
    names = registry.names(kind)
    return name in names or name.lower() in names


def get(kind, identifier, **kwargs):
    """`registry.get(kind, identifier, **kwargs)`, with Keras's names and kwargs working.

    Losses named by Keras resolve to their `Loss` class (so that `(n,)` targets
    meet `(n, 1)` outputs as in `compile`); other kinds use Keras's getter
    first and the class only where the getter fails or returns a function
    that cannot take `kwargs`.
    """
    if not isinstance(identifier, str) or _registered(kind, identifier):
        return registry.get(kind, identifier, **kwargs)
    cls = keras_class(kind, identifier)
    if kind == "losses" and cls is not None:
        return registry.get(kind, cls(**kwargs))  # the object gets the declared checks
    try:
        return registry.get(kind, identifier, **kwargs)
    except (ValueError, AttributeError):
        if cls is None:
            raise
    return registry.get(kind, cls(**kwargs))
