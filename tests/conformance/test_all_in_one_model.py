"""One model using every activation, initializer, regularizer and loss of `deeper` saves,
then reloads in a FRESH process with `safe_mode=True`: identical predictions, losses,
optimizer state and one resumed training step (issue 3's "done when")."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np

from deeper.components import initializers, layers, losses, regularizers

_spec = importlib.util.spec_from_file_location(
    "reload_models", pathlib.Path(__file__).with_name("reload_models.py"))
reload_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reload_models)

CHILD = """
import json, sys
import numpy as np
sys.path.insert(0, {here!r})
import reload_models
reload_models.import_components()
import keras
from all_in_one_job import measure
data = np.load({data!r})
model = keras.saving.load_model({model!r}, safe_mode=True)
np.savez({out!r}, **measure(model, data))
"""


def _model():
    keras.utils.set_random_seed(0)
    x_in = keras.Input((8,), name="x")
    labels = keras.Input((), dtype="int32", name="labels")
    h = keras.layers.Dense(16, activation=layers.scaled_tanh,
                           kernel_initializer=keras.initializers.GlorotUniform(1),
                           kernel_regularizer=regularizers.get("l2", l2=1e-3))(x_in)
    h = layers.TanhLinear(a=0.25)(h)
    h = keras.layers.Dense(16, activation=layers.NoisyReLU(seed=3),
                           kernel_initializer=initializers.get("he_normal_untruncated", seed=2),
                           kernel_regularizer=regularizers.get("half_l2", lam=1e-3),
                           activity_regularizer=regularizers.get("decov", strength=0.01))(h)
    h = layers.get("leaky_relu")(h)
    h = layers.get("prelu")(keras.layers.Dense(
        12, kernel_initializer=initializers.get("xavier_normal", seed=4),
        kernel_regularizer=regularizers.get("l1", l1=1e-4))(h))
    h = layers.get("softplus")(h)
    h = layers.NoisyReLU(noise_scale=0.5, seed=5)(layers.get("relu")(h))
    h = keras.layers.Dense(12, activation=layers.tanh_linear)(h)
    r = layers.RBF(6, beta=0.3, seed=0)
    h = keras.layers.Concatenate()([h, r(x_in), layers.ScaledTanh()(h)])
    s = keras.layers.Dense(8, activation="sigmoid",
                           kernel_initializer=initializers.get("sigmoid_glorot_uniform",
                                                               seed=6))(h)
    tree = layers.HierarchicalSoftmax(10, n_clusters=3)
    outputs = {
        "scores": keras.layers.Dense(4, name="scores")(s),
        "scores_sq": keras.layers.Dense(4, name="scores_sq")(s),
        "tags": keras.layers.Dense(3, name="tags")(s),
        "tags_p": keras.layers.Dense(3, activation="sigmoid", name="tags_p")(s),
        "reg": keras.layers.Dense(2, name="reg")(s),
        "reg_l1": keras.layers.Dense(2, name="reg_l1")(s),
        "reg_rbf": keras.layers.Dense(2, name="reg_rbf")(s),
        "tree": keras.layers.Identity(name="tree")(tree(s, labels)),
        "tree_probs": keras.layers.Identity(name="tree_probs")(tree(s)),
    }
    model = keras.Model({"x": x_in, "labels": labels}, outputs)
    model.compile(keras.optimizers.Adam(0.01), loss={
        "scores": losses.get("multiclass_hinge", margin=0.5),
        "scores_sq": losses.get("squared_multiclass_hinge"),
        "tags": losses.get("multilabel_hinge"),
        "tags_p": losses.get("multilabel_crossentropy"),
        "reg": losses.get("euclidean"),
        "reg_l1": losses.get("l1"),
        "reg_rbf": losses.get("rbf_euclidean", scale=0.5),
        "tree": losses.get("hierarchical_softmax"),
        "tree_probs": losses.get("hierarchical_softmax"),
    })
    return model, r


def _data():
    rng = np.random.default_rng(0)
    n = 32
    labels = rng.integers(0, 10, n)
    return {"x": rng.normal(size=(n, 8)).astype("float32"), "labels": labels,
            "y_scores": labels % 4, "y_tags": rng.integers(0, 2, (n, 3)).astype("float32"),
            "y_reg": rng.normal(size=(n, 2)).astype("float32")}


JOB = '''
import numpy as np

def split(data):
    x = {"x": data["x"], "labels": data["labels"]}
    y = {"scores": data["y_scores"], "scores_sq": data["y_scores"], "tags": data["y_tags"],
         "tags_p": data["y_tags"], "reg": data["y_reg"], "reg_l1": data["y_reg"],
         "reg_rbf": data["y_reg"], "tree": data["labels"], "tree_probs": data["labels"]}
    return x, y

def measure(model, data):
    import keras
    x, y = split(data)
    out = {f"pred_{k}": np.asarray(v) for k, v in
           model.predict(x, batch_size=len(data["x"]), verbose=0).items()}
    for k, v in model.evaluate(x, y, batch_size=len(data["x"]), verbose=0,
                               return_dict=True).items():
        out[f"eval_{k}"] = np.asarray(v)
    for i, variable in enumerate(model.optimizer.variables):
        out[f"opt_{i}"] = keras.ops.convert_to_numpy(variable)
    model.train_on_batch(x, y)  # the noisy units draw from their restored seed state
    out["resumed"] = np.asarray(model.predict(x, batch_size=len(data["x"]),
                                              verbose=0)["tree_probs"])
    return out
'''


def test_model_with_every_component_reloads_identically_in_a_fresh_process(tmp_path):
    (tmp_path / "all_in_one_job.py").write_text(JOB)
    sys.path.insert(0, str(tmp_path))
    try:
        job = importlib.import_module("all_in_one_job")
    finally:
        sys.path.remove(str(tmp_path))
    data = _data()
    model, rbf_layer = _model()
    rbf_layer.adapt(np.random.default_rng(1).normal(size=(64, 8)))
    x, y = job.split(data)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)  # 2 steps
    model.save(tmp_path / "all.keras")
    np.savez(tmp_path / "data.npz", **data)
    expected = job.measure(model, data)
    used = {type(layer).__module__ for layer in model.layers}
    assert "deeper.components.layers.hierarchical_softmax" in used
    here = str(pathlib.Path(__file__).parent)
    script = CHILD.format(here=here, data=str(tmp_path / "data.npz"),
                          model=str(tmp_path / "all.keras"), out=str(tmp_path / "child.npz"))
    (tmp_path / "child.py").write_text(script)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(tmp_path / "child.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    with np.load(tmp_path / "child.npz") as child:
        assert sorted(child.files) == sorted(expected), json.dumps(sorted(child.files))
        for name, value in expected.items():
            np.testing.assert_array_equal(child[name], value, err_msg=name)
