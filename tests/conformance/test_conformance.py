"""Conformance of every registered component with a conformance spec (DESIGN.md rule 4-5).

Runs over `deeper.components.registry.entries()` with `example is not None`, so a
new component is covered as soon as it is registered with an `example`:

1. config round trip: `get_config` holds the example's arguments, `from_config`
   rebuilds the same config, Keras (de)serialization (through JSON) gives the
   registered class back;
2. every `invalid` argument is rejected with "`arg` ... Received: ...";
3. a model using the component saves, then loads in a FRESH process with
   `safe_mode=True`, with identical predictions (and loss, optimizer variables,
   learning rate and one resumed training step for compiled models);
4. dtype kept: float32 by default, float64 when asked (layers, initializers,
   regularizers, optimizers);
5. callbacks survive `copy.deepcopy` (KerasTuner copies them for every trial),
   before and after a `fit`, and reset their state in `on_train_begin`: the
   same instance used for a second, identical `fit` ends in the same state as
   a fresh copy used once.
"""

import copy
import importlib.util
import json
import math
import os
import pathlib
import subprocess
import sys
import traceback

import keras
import numpy as np
import pytest

from deeper.components import registry
from deeper.components.diagnostics import autodiff

_spec = importlib.util.spec_from_file_location(
    "reload_models", pathlib.Path(__file__).with_name("reload_models.py"))
reload_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reload_models)
reload_models.import_components()

ENTRIES = [e for e in registry.entries() if e.example is not None]


def _id(entry):
    return f"{entry.kind}/{entry.name}"


ENTRY_PARAMS = [pytest.param(e, id=_id(e)) for e in ENTRIES]
INVALID_PARAMS = [
    pytest.param(e, kwargs, arg, id=f"{_id(e)}-{arg}-{i}")
    for e in ENTRIES for i, (kwargs, arg) in enumerate(e.invalid)
]


def _inputs(shape, n, seed):
    """Correlated features with a nonzero mean, shape (n, *shape), float32."""
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    mixing = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    x = rng.normal(size=(n, d)) @ mixing + np.linspace(1.0, 3.0, d)
    return x.reshape((n, *shape)).astype("float32")


def _targets(n, seed):
    return np.eye(3, dtype="float32")[np.random.default_rng(seed).integers(0, 3, n)]


def _same(got, expected):
    """Equal, floats up to float32 storage (Keras keeps an optimizer's learning rate
    in a float32 variable: 0.01 comes back as 0.009999999776482582)."""
    if isinstance(expected, float) and isinstance(got, (int, float)) \
            and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-7, abs_tol=0.0)
    return bool(got == expected)


# Registered names the suite cannot cover, each with the reason.
NOT_COVERED = {
    "newton": "a full-batch method of fit_full_batch (step(objective, ...)), not a Keras object",
    "hessian_free": "a full-batch method of fit_full_batch, not a Keras object",
    "full_batch_lbfgs": "a full-batch method of fit_full_batch, not a Keras object",
}


@pytest.mark.parametrize("kind", registry.KINDS)
def test_kind_is_covered(kind):
    entries = registry.entries(kind)
    assert entries, f"no registered {kind}"
    missing = [e.name for e in entries if e.example is None and e.name not in NOT_COVERED]
    assert not missing, f"registered {kind} without a conformance `example`: {missing}"
    assert all(isinstance(e.example, dict) for e in entries if e.example is not None)


# 1. config round trip --------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_PARAMS)
def test_config_round_trip(entry):
    instance = entry.build(**entry.example)
    cls = type(instance)
    cfg = instance.get_config()
    for key, value in entry.example.items():
        assert key in cfg, f"get_config() lacks constructor argument {key!r}"
        assert _same(cfg[key], value), f"get_config()[{key!r}] = {cfg[key]!r} != {value!r}"
    rebuilt = cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)
    assert rebuilt.get_config() == cfg
    if entry.kind == "callbacks" and not hasattr(cls, "from_config"):
        return  # Keras does not serialize callbacks; the config round trip is the contract
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(instance)))
    if cls.__module__.startswith("deeper."):
        assert serialized["registered_name"] == f"deeper>{cls.__name__}"
    restored = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
    assert type(restored) is cls
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(cfg, sort_keys=True)


# 2. invalid arguments --------------------------------------------------------------------

@pytest.mark.parametrize("entry, kwargs, argname", INVALID_PARAMS)
def test_invalid_argument_rejected(entry, kwargs, argname):
    with pytest.raises((ValueError, TypeError)) as info:
        entry.build(**{**entry.example, **kwargs})
    message = str(info.value)
    assert f"`{argname}`" in message and "Received:" in message, message


# 3. save, then load in a fresh process with safe_mode=True -------------------------------


def _model_for(entry, instance):
    """A small model using `instance`, trained 2 steps when compiled; returns (model, job)."""
    keras.utils.set_random_seed(0)
    x, y = _inputs((4,), 16, seed=1), _targets(16, seed=2)
    job = {}
    inputs = keras.Input((4,))
    dense = {"units": 3, "kernel_initializer": keras.initializers.GlorotUniform(seed=0)}
    if entry.kind == "layers":
        if entry.input_shape is None:
            raise ValueError(f"{_id(entry)} needs `input_shape` in its registration")
        if hasattr(instance, "adapt"):
            instance.adapt(_inputs(entry.input_shape, 256, seed=0))
        inputs = keras.Input(entry.input_shape)
        x = _inputs(entry.input_shape, 16, seed=1)
        out = instance(inputs)
        head = keras.layers.Dense(**dense)(keras.layers.Flatten()(out))
        return keras.Model(inputs, [out, head]), {**job, "x": x}
    if entry.kind == "initializers":
        dense["kernel_initializer"] = instance
    elif entry.kind == "regularizers":
        dense["kernel_regularizer"] = instance
        job["regularized"] = True
    elif entry.kind == "losses":
        dense["activation"] = "softmax"
    model = keras.Model(inputs, keras.layers.Dense(**dense)(inputs))
    if entry.kind in ("losses", "optimizers", "schedules"):
        optimizer = keras.optimizers.SGD(learning_rate=0.05)
        if entry.kind == "optimizers":
            optimizer = instance
        elif entry.kind == "schedules":
            optimizer = keras.optimizers.SGD(learning_rate=instance)
        model.compile(optimizer=optimizer, loss=instance if entry.kind == "losses" else "mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 2 steps
        job.update(compiled=True, y=y)
    return model, {**job, "x": x}


@pytest.fixture(scope="session")
def reloaded(tmp_path_factory):
    """Save every entry's model, reload all in ONE fresh process; id -> (parent, child)."""
    root = tmp_path_factory.mktemp("conformance")
    jobs, parent, failures = [], {}, {}
    for i, entry in enumerate(e for e in ENTRIES if e.kind != "callbacks"):
        stem = root / f"entry{i}"
        try:
            model, job = _model_for(entry, entry.build(**entry.example))
            np.save(f"{stem}.x.npy", job["x"])
            job["x"] = f"{stem}.x.npy"
            if "y" in job:
                np.save(f"{stem}.y.npy", job["y"])
                job["y"] = f"{stem}.y.npy"
            model.save(f"{stem}.keras")
            description = reload_models.describe(model)
            parent[_id(entry)] = (reload_models.record(model, job), description)
            jobs.append({**job, "model": f"{stem}.keras", "out": str(stem), "id": _id(entry)})
        except Exception:
            failures[_id(entry)] = traceback.format_exc()
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps(jobs))
    child_log = ""
    if jobs:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            [sys.executable, str(pathlib.Path(__file__).with_name("reload_models.py")),
             str(manifest)],
            cwd=root, env=env, capture_output=True, text=True, timeout=300,
        )
        child_log = f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return {"jobs": {j["id"]: j for j in jobs}, "parent": parent, "failures": failures,
            "child_log": child_log}


@pytest.mark.parametrize("entry", ENTRY_PARAMS)
def test_save_load_fresh_process(entry, reloaded):
    if entry.kind == "callbacks":
        pytest.skip("callbacks are not saved with a model: config round trip only")
    key = _id(entry)
    if key in reloaded["failures"]:
        pytest.fail(f"building/saving the model failed:\n{reloaded['failures'][key]}")
    stem = reloaded["jobs"][key]["out"]
    if os.path.exists(f"{stem}.child.error"):
        pytest.fail(f"loading in a fresh process failed:\n{open(f'{stem}.child.error').read()}")
    if not os.path.exists(f"{stem}.child.npz"):
        pytest.fail(f"the fresh process wrote no result:\n{reloaded['child_log']}")
    expected, description = reloaded["parent"][key]
    assert json.loads(open(f"{stem}.child.json").read()) == description
    with np.load(f"{stem}.child.npz") as child:
        assert sorted(child.files) == sorted(expected)
        for name, value in expected.items():
            np.testing.assert_array_equal(child[name], value, err_msg=name)


# 4. dtype kept ---------------------------------------------------------------------------


def _dtype(tensor):
    return keras.backend.standardize_dtype(tensor.dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("entry", ENTRY_PARAMS)
def test_dtype_kept(entry, dtype):
    # float64 on Keras's JAX backend needs JAX's x64 mode (without it every float64 array
    # is float32); float32 runs in each backend's default mode, as users run it.
    with autodiff.precision(dtype):
        _check_dtype_kept(entry, dtype)


def _check_dtype_kept(entry, dtype):
    if entry.kind == "layers":
        kwargs = {"dtype": dtype} if dtype == "float64" else {}
        layer = entry.build(**{**entry.example, **kwargs})
        x = _inputs(entry.input_shape, 64, seed=3).astype(dtype)
        if hasattr(layer, "adapt"):
            layer.adapt(x)
        outputs = keras.tree.flatten(layer(x))
        assert [_dtype(o) for o in outputs] == [dtype] * len(outputs)
        assert all(_dtype(w) == dtype for w in layer.weights if "float" in _dtype(w))
    elif entry.kind == "initializers":
        assert _dtype(entry.build(**entry.example)((4, 3), dtype=dtype)) == dtype
    elif entry.kind == "regularizers":
        penalty = entry.build(**entry.example)(keras.ops.ones((4, 3), dtype=dtype))
        assert _dtype(keras.ops.convert_to_tensor(penalty)) == dtype
    elif entry.kind == "optimizers":
        variable = keras.Variable(np.ones((3,)), dtype=dtype)
        entry.build(**entry.example).apply_gradients(
            [(keras.ops.ones((3,), dtype=dtype), variable)])
        assert _dtype(variable) == dtype and np.isfinite(variable.numpy()).all()
    elif entry.kind == "callbacks":
        pytest.skip("callbacks: no dtype to keep")
    elif dtype == "float64":
        pytest.skip(f"{entry.kind}: only the float32 default is checked")
    elif entry.kind == "losses":
        y = _targets(8, seed=4)
        assert _dtype(entry.build(**entry.example)(y, np.full_like(y, 1 / 3))) == "float32"
    elif entry.kind == "schedules":
        assert _dtype(keras.ops.convert_to_tensor(entry.build(**entry.example)(0))) == "float32"
    else:
        pytest.fail(f"unknown kind {entry.kind!r}")


# 5. callbacks: deepcopy and state reset ---------------------------------------------------

CALLBACK_PARAMS = [pytest.param(e, id=_id(e)) for e in ENTRIES if e.kind == "callbacks"]


def _fit_with(callback):
    """Three epochs of a small softmax classifier (4 features, 3 classes) with `callback`."""
    keras.utils.set_random_seed(0)
    x = _inputs((4,), 32, seed=1)
    y = np.random.default_rng(2).integers(0, 3, 32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        3, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(seed=0),
        name="dense")], name="classifier")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, validation_data=(x[:8], y[:8]), epochs=3, batch_size=8,
                        shuffle=False, verbose=0, callbacks=[callback])
    return model, history.history


def _state(callback):
    """The callback's public attributes, as text (arrays and results by their repr)."""
    return {k: repr(v) for k, v in sorted(vars(callback).items())
            if not k.startswith("_") and not isinstance(v, keras.Model)}


@pytest.mark.parametrize("entry", CALLBACK_PARAMS)
def test_callback_survives_deepcopy_and_resets_state(entry, tensorflow_or_skip):
    original = entry.build(**entry.example)
    fresh = copy.deepcopy(original)
    assert type(fresh) is type(original) and fresh.get_config() == original.get_config()
    with tensorflow_or_skip():  # hard-example mining samples through tf.data
        model, first = _fit_with(original)
    used = copy.deepcopy(original)  # after fit: a usable copy, without the trained model
    assert getattr(used, "model", None) is not model
    state = _state(original)
    _, second = _fit_with(original)  # same instance, identical run: state starts over
    assert _state(original) == state
    _, copied = _fit_with(used)
    assert _state(used) == state and copied == first == second
