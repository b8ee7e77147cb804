"""`import deeper.components` and every component work with TensorFlow unimportable (JAX).

A subprocess installs a meta-path finder that refuses `tensorflow` (and
tensorflow-datasets), selects Keras's JAX backend, and uses the components;
what truly needs TensorFlow says so in one sentence.
"""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")

CODE = textwrap.dedent("""
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "tensorflow_datasets", "tf_keras"):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    import keras, numpy as np
    import deeper.components as components
    from deeper.components import callbacks, data, diagnostics, losses, optimizers, registry
    assert keras.backend.backend() == "jax"
    # every registered component builds from its conformance example
    built = 0
    for entry in registry.entries():
        if entry.example is not None:
            entry.build(**entry.example)
            built += 1
    # a model trains on NumPy batches, and the diagnostics and second-order methods run
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizers.get("nesterov"),
                  loss=losses.get("sparse_categorical_crossentropy"))
    model.fit(data.numpy_batches(x, y, batch_size=16, seed=0), epochs=1, verbose=0,
              callbacks=[callbacks.NaNGuard(x[:8], y[:8], verbose=0)])
    assert diagnostics.find_nonfinite(model, x, y).passed
    assert diagnostics.gradient_check(model, x[:4], y[:4]).checked > 0
    diagnostics.signal_variance(model, x, y)
    from deeper.recipes.train.full_batch import fit_full_batch
    fit_full_batch(model, (x, y), max_iterations=3)
    # the recipe on NumPy batches, with its output folder (checkpoint, plots, model.keras)
    import tempfile
    from deeper import recipes
    out = tempfile.mkdtemp()
    run = recipes.train_classifier(data.from_arrays(x, y, val_fraction=0.25), model="mlp",
                                   width=8, epochs=2, batch_size=16, output_dir=out, verbose=0)
    assert len(run.history["loss"]) == 2 and 0 <= run.test_metrics["accuracy"] <= 1
    again = recipes.train_classifier(data.from_arrays(x, y, val_fraction=0.25), model="mlp",
                                     width=8, epochs=2, batch_size=16, output_dir=out,
                                     resume=True, verbose=0)
    assert again.history["loss"] == run.history["loss"]  # finished: nothing trained again
    try:
        data.pipeline(x, y, batch_size=16)
    except ImportError as err:
        print("MESSAGE", err)
    print("BUILT", built, "TF", "tensorflow" in sys.modules)
""")


def test_components_work_without_tensorflow():
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    message = next(line for line in lines if line.startswith("MESSAGE"))
    assert "needs TensorFlow" in message and message.count(". ") == 0
    built = next(line for line in lines if line.startswith("BUILT")).split()
    assert int(built[1]) > 30 and built[3] == "False"
