"""Keras's public class of an object that Keras built as a backend subclass.

On Keras's PyTorch backend, `keras.optimizers.SGD(...)` returns an instance of
a backend subclass (`keras.src.backend.torch.optimizers.torch_sgd.SGD`, and
likewise for Adam, AdamW, Adadelta, Adagrad, Adamax, Lion, Nadam, RMSprop),
and `keras.saving.serialize_keras_object` names that backend module: a file
written there names a module that only the PyTorch backend imports, and a
check keyed on `type(obj)` misses it. `public_class` walks the class's MRO to
the class Keras exports; `serialize` writes the object under that name, as
Keras writes it on TensorFlow and JAX; `public_module` maps a serialized
backend module back to the public one.
"""

from __future__ import annotations

import keras

_BACKEND_PREFIX = "keras.src.backend."


def public_class(obj):
    """The first class of `obj` (an instance or a class) that Keras exports by its name
    in `keras.optimizers`; the class itself where none is (every non-optimizer)."""
    cls = obj if isinstance(obj, type) else type(obj)
    if not cls.__module__.startswith(_BACKEND_PREFIX):
        return cls
    for klass in cls.__mro__:
        if getattr(keras.optimizers, klass.__name__, None) is klass:
            return klass
    return cls


def serialize(obj):
    """`keras.saving.serialize_keras_object(obj)`, naming Keras's public class of `obj`
    (`keras.optimizers.SGD`) where `obj` is a backend subclass of it."""
    serialized = keras.saving.serialize_keras_object(obj)
    public = public_class(obj)
    if public is not type(obj) and isinstance(serialized, dict):
        serialized = {**serialized, "module": "keras.optimizers", "class_name": public.__name__,
                      "registered_name": None}
    return serialized


def public_module(module):
    """`"keras.optimizers"` for a backend optimizer module
    (`"keras.src.backend.torch.optimizers.torch_sgd"`), any other module as is."""
    if isinstance(module, str) and module.startswith(_BACKEND_PREFIX) \
            and ".optimizers." in module:
        return "keras.optimizers"
    return module
