"""Keras's own losses under the course's names, and Keras's snake-case names as classes.

* `"l1"`: Keras's `MeanAbsoluteError`, mean_k |y_k - h_k|. The course's L1
  loss is the sum ||y - h||_1 = C * MAE for C outputs.
* `"multilabel_crossentropy"`: Keras's `BinaryCrossentropy` on independent
  sigmoid outputs, mean_k -[y_k log p_k + (1 - y_k) log(1 - p_k)]. The course
  sums over the labels (C times Keras's mean). Pass `from_logits=True` when
  the outputs are raw scores.

Keras resolves a snake-case name (`"sparse_categorical_crossentropy"`,
`"mse"`, `"huber"`) to a plain function, which takes no configuration.
`keras_loss_class` maps it to the `keras.losses.Loss` class computing the
same function (`SparseCategoricalCrossentropy`, `MeanSquaredError`, `Huber`),
so that `losses.get("sparse_categorical_crossentropy", from_logits=True)`
works, and the loss squeezes `(n,)` targets against `(n, 1)` outputs as
`compile` does.
"""

import keras

from deeper.components import registry

registry.add("losses", "l1", keras.losses.MeanAbsoluteError, example={})
registry.add("losses", "multilabel_crossentropy", keras.losses.BinaryCrossentropy,
             example={"from_logits": False})


def _key(name):
    return name.replace("_", "").lower()


def keras_loss_class(name):
    """The `keras.losses.Loss` subclass for a Keras loss name, or `None` if there is none.

    Example:

    >>> keras_loss_class("sparse_categorical_crossentropy").__name__
    'SparseCategoricalCrossentropy'
    """
    if not isinstance(name, str):
        return None
    try:
        found = keras.losses.get(name)
    except (ValueError, TypeError, KeyError):
        return None
    if isinstance(found, type) and issubclass(found, keras.losses.Loss):
        return found
    if isinstance(found, keras.losses.Loss):
        return type(found)
    function = getattr(found, "__name__", None)
    if function is None:
        return None
    for attribute in dir(keras.losses):
        cls = getattr(keras.losses, attribute)
        if isinstance(cls, type) and issubclass(cls, keras.losses.Loss) \
                and _key(attribute) == _key(function):
            return cls
    return None
