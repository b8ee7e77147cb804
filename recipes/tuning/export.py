"""`best_model.keras` that loads with plain Keras: no deeper schedule inside the optimizer.

A trained recipe model carries its optimizer, and the optimizer its learning-rate
schedule; deeper's schedules (`inverse_decay`, `natural_exp_decay`, `step_decay`)
are registered by `import deeper`, so plain Keras cannot load the file. The
exported copy has the trained weights, the loss and metrics, and the optimizer's
own Keras class at the learning rate the schedule had reached (a float), with
fresh slots; an optimizer that is not Keras's own is left out (the model loads
uncompiled). What still needs deeper (a deeper layer or activation chosen by the
search) is listed by `deeper_objects`.
"""

from __future__ import annotations

import json
import re

import keras


def deeper_objects(model):
    """The registered names of deeper objects in `model`'s saved configuration."""
    config = json.dumps(keras.saving.serialize_keras_object(model), default=str)
    return sorted(set(re.findall(r'"registered_name": "(deeper>[^"]*)"', config)))


def exportable(net):
    """A copy of the trained `net` whose optimizer (if any) is plain Keras's."""
    copy = keras.models.clone_model(net)
    copy.set_weights(net.get_weights())
    optimizer = net.optimizer
    if optimizer is None or not type(optimizer).__module__.startswith("keras."):
        return copy
    rate = optimizer.learning_rate
    config = {**optimizer.get_config(), "learning_rate": float(keras.ops.convert_to_numpy(rate))}
    copy.compile(optimizer=type(optimizer).from_config(config),
                 loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    copy.optimizer.build(copy.trainable_variables)  # saved with its (fresh) slots: loads whole
    return copy


def save(net, path):
    """Save the exportable copy of `net` to `path`; return the deeper names it still needs."""
    copy = exportable(net)
    copy.save(path)
    return deeper_objects(copy)
