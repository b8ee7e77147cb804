"""Hostile `.keras` files: out-of-range or non-finite values, broken archives, code payloads.

Each file is a real saved model whose `config.json` is then edited (one value
per file, per component kind, nested optimizers and schedules included).
`deeper.components.saving.load_model` refuses every one with one sentence
naming the file; a `deeper` component also refuses under plain
`keras.saving.load_model`, since its `from_config` goes through the checked
`__init__`. With `safe_mode=True` a code payload is never executed.
"""

import json
import math
import os
import zipfile

import keras
import numpy as np
import pytest

from deeper.components import initializers as inits
from deeper.components import layers, losses, optimizers, regularizers, saving, schedules

NAN = float("nan")


def _model(kind):
    """A small compiled model using a valid component of `kind` (and its edit target)."""
    keras.utils.set_random_seed(0)
    dense = {"units": 3}
    inner = []
    optimizer, loss = keras.optimizers.SGD(0.05), "mse"
    if kind == "layers":
        inner = [layers.get("tanh_linear", a=0.2), keras.layers.ReLU(max_value=6.0),
                 layers.get("pca_whitening", n_components=2)]
    elif kind == "initializers":
        dense["kernel_initializer"] = inits.get("xavier_normal", seed=1)
        dense["bias_initializer"] = keras.initializers.RandomNormal(stddev=0.1, seed=2)
    elif kind == "regularizers":
        dense["kernel_regularizer"] = regularizers.get("half_l2", lam=0.01)
        dense["bias_regularizer"] = keras.regularizers.L2(0.01)
    elif kind == "losses":
        loss = losses.get("multiclass_hinge", margin=0.5)
    elif kind == "keras_loss":
        loss = keras.losses.BinaryCrossentropy(label_smoothing=0.1)
    elif kind == "optimizers":
        optimizer = optimizers.ProximalL1(optimizers.get("momentum", learning_rate=0.05), l1=1e-3)
    elif kind == "per_weight":
        optimizer = optimizers.PerWeightLearningRates(
            keras.optimizers.Adam(0.01), {".*bias": 2.0})
    elif kind == "schedules":
        optimizer = keras.optimizers.SGD(schedules.get(
            "scaled_schedule", schedule=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5),
            factor=0.5))
    elif kind == "deeper_schedule":
        optimizer = keras.optimizers.Adam(schedules.get("inverse_decay", initial_learning_rate=0.1,
                                                        decay=0.5, steps_per_epoch=4))
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(16) % 3]
    model = keras.Sequential([keras.Input((4,)), *inner, keras.layers.Dense(**dense)])
    for layer in model.layers:
        if hasattr(layer, "adapt"):
            layer.adapt(x)
    model.compile(optimizer=optimizer, loss=loss)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model


def _edit(config, class_name, key, value, *, nth=0):
    """Set `key` in the `nth` serialized object of `class_name` inside `config`."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("class_name") == class_name and isinstance(node.get("config"), dict):
                found.append(node["config"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(config)
    assert len(found) > nth, f"no {class_name} in the config"
    found[nth][key] = value


def _rewrite(src, dst, edit=None, members=None):
    """Copy the archive `src` to `dst`, editing config.json (and replacing members)."""
    with zipfile.ZipFile(src) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if edit is not None:
        config = json.loads(contents["config.json"])
        edit(config)
        contents["config.json"] = json.dumps(config).encode()
    contents.update(members or {})
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return str(dst)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    cache = {}

    def get(kind):
        if kind not in cache:
            path = root / f"{kind}.keras"
            _model(kind).save(path)
            cache[kind] = str(path)
        return cache[kind]

    return get


# (kind of saved model, class edited, argument, hostile value, deeper's own class?)
HOSTILE = [
    ("layers", "TanhLinear", "a", NAN, True),
    ("layers", "TanhLinear", "a", "big", True),
    ("layers", "PCAWhitening", "epsilon", -1.0, True),
    ("layers", "ReLU", "max_value", NAN, False),
    ("initializers", "XavierNormal", "seed", 2**40, True),
    ("initializers", "XavierNormal", "seed", 1.5, True),
    ("initializers", "RandomNormal", "stddev", -1.0, False),
    ("regularizers", "HalfL2", "lam", -1.0, True),
    ("regularizers", "HalfL2", "lam", math.inf, True),
    ("regularizers", "L2", "l2", NAN, False),
    ("losses", "MulticlassHinge", "margin", NAN, True),
    ("losses", "MulticlassHinge", "squared", "yes", True),
    ("keras_loss", "BinaryCrossentropy", "label_smoothing", 5.0, False),
    ("optimizers", "ProximalL1", "l1", -1.0, True),
    ("optimizers", "SGD", "momentum", NAN, True),  # the SGD nested inside ProximalL1
    ("optimizers", "SGD", "learning_rate", -1.0, True),
    ("per_weight", "PerWeightLearningRates", "multipliers", {".*bias": NAN}, True),
    ("per_weight", "Adam", "beta_1", 1.5, True),  # the Adam nested inside the wrapper
    ("schedules", "ScaledSchedule", "factor", 0.0, True),
    ("schedules", "ExponentialDecay", "decay_rate", NAN, True),  # inside ScaledSchedule
    ("schedules", "SGD", "momentum", 1.5, False),
    ("deeper_schedule", "InverseDecay", "decay", -1.0, True),
    ("deeper_schedule", "InverseDecay", "steps_per_epoch", 0, True),
    ("deeper_schedule", "Adam", "learning_rate", math.inf, False),
]


@pytest.mark.parametrize("kind, class_name, key, value, ours", HOSTILE,
                         ids=[f"{k}-{c}-{a}={v!r}" for k, c, a, v, _ in HOSTILE])
def test_out_of_range_value_is_refused(saved, tmp_path, kind, class_name, key, value, ours):
    path = _rewrite(saved(kind), tmp_path / "hostile.keras",
                    lambda config: _edit(config, class_name, key, value))
    with pytest.raises((ValueError, TypeError)) as info:
        saving.load_model(path)
    message = str(info.value)
    assert message.startswith(f"`{key}`") and path in message and "\n" not in message, message
    if ours:  # plain Keras loading goes through the checked __init__ as well
        with pytest.raises((ValueError, TypeError), match=f"`{key}`"):
            keras.saving.load_model(path, safe_mode=True)


def test_untouched_files_load_with_identical_predictions(saved):
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    for kind in ("layers", "optimizers", "per_weight", "schedules", "deeper_schedule"):
        reference = keras.saving.load_model(saved(kind))
        np.testing.assert_array_equal(saving.load_model(saved(kind)).predict(x, verbose=0),
                                      reference.predict(x, verbose=0))


def test_non_finite_weights_are_refused(tmp_path):
    model = _model("layers")
    model.layers[-1].kernel.assign(np.full((2, 3), np.nan, "float32"))
    path = str(tmp_path / "nan.keras")
    model.save(path)
    keras.saving.load_model(path)  # Keras loads it without a word
    with pytest.raises(ValueError, match=r"^`filepath` must hold finite weights, but .*nan\.keras "
                                         r"has 6 NaN or inf values in '.*kernel'"):
        saving.load_model(path)


def test_truncated_and_corrupt_archives_are_named(saved, tmp_path):
    data = open(saved("layers"), "rb").read()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"^`filepath` must be a complete \.keras archive, but "
                                         r".*truncated\.keras is not a zip archive"):
        saving.load_model(truncated)
    with zipfile.ZipFile(saved("layers")) as archive:
        info = archive.getinfo("model.weights.h5")
    corrupt = bytearray(data)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    corrupt[start + info.compress_size // 2] ^= 0xFF
    (tmp_path / "corrupt.keras").write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match=r"corrupt\.keras has a corrupt member model\.weights\.h5"):
        saving.load_model(tmp_path / "corrupt.keras")
    missing = _rewrite(saved("layers"), tmp_path / "missing.keras")
    with zipfile.ZipFile(missing) as archive:
        kept = {n: archive.read(n) for n in archive.namelist() if n != "model.weights.h5"}
    with zipfile.ZipFile(missing, "w") as archive:
        for name, member in kept.items():
            archive.writestr(name, member)
    with pytest.raises(ValueError, match=r"missing\.keras lacks model\.weights\.h5"):
        saving.load_model(missing)
    not_json = _rewrite(saved("layers"), tmp_path / "json.keras", members={"config.json": b"{"})
    with pytest.raises(ValueError, match=r"json\.keras holds a config\.json that is not JSON"):
        saving.load_model(not_json)
    with pytest.raises(FileNotFoundError, match=r"^`filepath` must be an existing .* does not"):
        saving.load_model(tmp_path / "absent.keras")
    with pytest.raises(TypeError, match=r"^`filepath` must be a path"):
        saving.load_model(3)


def test_safe_mode_never_runs_a_payload(tmp_path):
    marker = tmp_path / "payload-ran"

    def payload(x):
        marker.write_text("ran")  # runs when the layer is traced
        return x

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Lambda(
        lambda x: (payload(x), x)[1])(inputs)))
    path = str(tmp_path / "payload.keras")
    model.save(path)
    os.remove(marker)
    with pytest.raises(ValueError, match=r"^`filepath` must be a \.keras file Keras can load, "
                                         r"but loading .*payload\.keras failed: "):
        saving.load_model(path)
    assert not marker.exists()
