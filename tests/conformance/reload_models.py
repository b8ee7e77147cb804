"""Fresh-process half of the conformance save/load check.

`python reload_models.py MANIFEST.json` imports every `deeper.components`
package (registration happens on import), loads each saved model with
`keras.saving.load_model(path, safe_mode=True)` and writes what `record`
measures to `<out>/<file>.child.npz` (and `.child.json`). The test process
runs the same `record` on the original model, so both sides measure the same
things the same way. One process for all models: importing TensorFlow costs
seconds.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import sys
import traceback

import numpy as np

KINDS = ("layers", "initializers", "regularizers", "losses", "optimizers", "schedules",
         "callbacks")


def import_components():
    """Import every component package so that every registration has run."""
    importlib.import_module("deeper.components")
    importlib.import_module("deeper.components.data")
    for kind in KINDS:
        importlib.import_module(f"deeper.components.{kind}")


def describe(model):
    """Classes of the model's layers, loss, optimizer and learning rate (for a schedule)."""
    import keras

    def name(obj):
        return f"{type(obj).__module__}.{type(obj).__qualname__}"

    out = {"layers": [name(layer) for layer in model.layers]}
    if getattr(model, "optimizer", None) is not None:
        out["optimizer"] = name(model.optimizer)
        # A wrapper (Keras's LossScaleOptimizer, ours) has no learning rate of its own.
        learning_rate = model.optimizer.get_config().get("learning_rate")
        if isinstance(learning_rate, dict):
            schedule = keras.saving.deserialize_keras_object(learning_rate)
            out["schedule"] = type(schedule).__name__
    if getattr(model, "loss", None) is not None and not isinstance(model.loss, str):
        out["loss"] = name(model.loss)
    return out


def record(model, job):
    """Predictions, loss, optimizer variables and one resumed training step, as arrays."""
    import keras

    x = np.load(job["x"])
    y = np.load(job["y"]) if job.get("y") else None
    out = {}
    predictions = model.predict(x, batch_size=len(x), verbose=0)
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
    for i, prediction in enumerate(predictions):
        out[f"prediction_{i}"] = np.asarray(prediction)
    if job.get("regularized"):
        out["regularization"] = np.asarray(sum(keras.ops.convert_to_numpy(v)
                                               for v in model.losses))
    if job.get("compiled"):
        out["loss"] = np.asarray(
            model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)["loss"])
        for i, variable in enumerate(model.optimizer.variables):
            out[f"optimizer_{i}_{variable.name}"] = keras.ops.convert_to_numpy(variable)
        out["learning_rate"] = keras.ops.convert_to_numpy(model.optimizer.learning_rate)
        model.train_on_batch(x, y)  # resume training from the restored state
        out["resumed_prediction"] = np.asarray(model.predict(x, batch_size=len(x), verbose=0))
    return out


def main(manifest_path):
    import keras

    import_components()
    jobs = json.loads(pathlib.Path(manifest_path).read_text())
    for job in jobs:
        stem = pathlib.Path(job["out"])
        try:
            model = keras.saving.load_model(job["model"], safe_mode=True)
            np.savez(f"{stem}.child.npz", **record(model, job))
            pathlib.Path(f"{stem}.child.json").write_text(json.dumps(describe(model)))
        except Exception:  # reported by the test of this entry, not fatal for the others
            pathlib.Path(f"{stem}.child.error").write_text(traceback.format_exc())


if __name__ == "__main__":
    main(sys.argv[1])
