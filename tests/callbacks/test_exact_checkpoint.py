"""ExactCheckpoint and resume_fit: an interrupted run ends exactly as an uninterrupted one."""

import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from deeper.components import callbacks, data
from deeper.components.callbacks import callback_state
from deeper.components.layers import NoisyReLU

SCRIPT = pathlib.Path(__file__).with_name("exact_resume_run.py")
_spec = importlib.util.spec_from_file_location("exact_resume_run", SCRIPT)
exact_resume_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(exact_resume_run)
Interrupted = exact_resume_run.Interrupted


def _run(out, *args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, str(SCRIPT), str(out), *args], env=env,
                          capture_output=True, text=True, timeout=600)


def _final(out):
    with np.load(out / "final.npz") as stored:
        arrays = {key: stored[key] for key in stored.files}
    return arrays, json.loads((out / "history.json").read_text())


@pytest.mark.slow
def test_sigkill_at_three_points_then_resume_is_bitwise_identical(tmp_path):
    reference, killed, plain = tmp_path / "reference", tmp_path / "killed", tmp_path / "plain"
    for out in (reference, killed, plain):
        out.mkdir()
    assert _run(reference).returncode == 0
    # mid-epoch 1 (3 of 8 batches checkpointed), start of epoch 3, last batch of epoch 4
    for epoch, batch in ((1, 4), (3, 0), (4, 7)):
        result = _run(killed, "--kill", str(epoch), str(batch))
        assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
        assert not (killed / "final.npz").exists()
    finished = _run(killed)
    assert finished.returncode == 0, finished.stderr[-2000:]
    expected, expected_history = _final(reference)
    got, got_history = _final(killed)
    assert list(got) == list(expected)  # every model and optimizer variable, seeds included
    assert any("seed_generator" in key for key in got)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    assert got_history == expected_history
    assert got_history["epoch"] == list(range(6))
    assert all(len(values) == 6 for values in got_history["history"].values())
    assert _run(plain, "--plain").returncode == 0  # the checkpoint changes nothing
    plain_arrays, plain_history = _final(plain)
    if keras.backend.backend() == "tensorflow":  # JAX's fit peeks one batch: other keys
        assert all(np.array_equal(plain_arrays[k], expected[k]) for k in expected)
        assert plain_history == expected_history


def _setup(kind, patience):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 12)).astype("float32")
    y = rng.integers(0, 3, 96)
    others = [keras.callbacks.EarlyStopping("val_loss", patience=patience,
                                            restore_best_weights=True),
              callbacks.StepDecay(0.1, drop=2.0, every_epochs=2)]
    if kind == "hard_examples":
        sampler = data.HardExampleSampler(x, y, batch_size=16, seed=1)
        train = sampler.dataset
        others.append(callbacks.HardExampleMining(sampler))
    elif kind == "arrays":  # NumPy input in a fixed order
        train = (x, y)
    elif kind == "numpy_batches":  # the recipes' input where TensorFlow is absent
        train = data.numpy_batches(x, y, batch_size=16, seed=1)
    else:
        train = data.augment_1d(data.pipeline(x, y, batch_size=16, seed=1), seed=2)
    inputs = keras.Input((12,))
    h = NoisyReLU(seed=3)(keras.layers.Dense(8)(inputs))
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Dropout(0.2, seed=4)(h))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, train, (x[:32], y[:32]), others


def _train(directory, kind, crash=None, patience=10, epochs=5):
    model, train, validation, others = _setup(kind, patience)
    checkpoint = callbacks.ExactCheckpoint(directory, every_n_steps=2)
    arrays = dict(batch_size=16, shuffle=False) if isinstance(train, tuple) else {}
    interrupt = exact_resume_run.InterruptAt(*(crash or ()), kill=False)
    history = callbacks.resume_fit(model, *(train if arrays else (train,)), epochs=epochs,
                                   checkpoint=checkpoint, **arrays,
                                   callbacks=[*others, interrupt],
                                   validation_data=validation, verbose=0)
    return [keras.ops.convert_to_numpy(v.value) for v in model.variables], history.history


@pytest.mark.parametrize("kind, patience", [("augment_1d", 10), ("hard_examples", 1),
                                            ("arrays", 10), ("numpy_batches", 10)])
def test_interrupted_mid_epoch_resumes_exactly(tmp_path, kind, patience):
    expected, expected_history = _train(tmp_path / "reference", kind, patience=patience)
    with pytest.raises(Interrupted):
        _train(tmp_path / "run", kind, crash=(1, 3), patience=patience)
    state = callbacks.ExactCheckpoint(tmp_path / "run").load()
    assert (state["epoch"], state["batch"]) == (1, 2)  # the mid-epoch checkpoint
    got, history = _train(tmp_path / "run", kind, patience=patience)
    assert history == expected_history
    assert len(history["loss"]) == (5 if patience == 10 else len(expected_history["loss"]))
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    again, history_again = _train(tmp_path / "run", kind, patience=patience)  # finished
    assert history_again == expected_history
    for a, b in zip(again, expected):
        np.testing.assert_array_equal(a, b)


def test_plain_fit_refuses_an_existing_checkpoint(tmp_path):
    model, train, validation, others = _setup("augment_1d", 10)
    model.fit(train, epochs=1, verbose=0,
              callbacks=[callbacks.ExactCheckpoint(tmp_path, data=train)])
    with pytest.raises(FileExistsError, match="resume_fit"):
        model.fit(train, epochs=1, verbose=0,
                  callbacks=[callbacks.ExactCheckpoint(tmp_path, data=train)])
    model.fit(train, epochs=1, verbose=0,
              callbacks=[callbacks.ExactCheckpoint(tmp_path, data=train, overwrite=True)])


def test_resume_with_other_callbacks_is_refused(tmp_path):
    _train(tmp_path, "augment_1d", epochs=1)
    model, train, validation, others = _setup("augment_1d", 10)
    with pytest.raises(ValueError, match="callbacks must be those"):
        callbacks.resume_fit(model, train, epochs=2, callbacks=others[:1], verbose=0,
                             checkpoint=callbacks.ExactCheckpoint(tmp_path))


def test_resume_refuses_shuffled_arrays(tmp_path):
    model, *_ = _setup("augment_1d", 10)
    x, y = np.zeros((8, 12), "float32"), np.zeros(8, "int64")
    with pytest.raises(ValueError, match="shuffle=False"):
        callbacks.resume_fit(model, x, y, epochs=1, batch_size=4,
                             checkpoint=callbacks.ExactCheckpoint(tmp_path))


def test_checkpoint_file_is_replaced_atomically(tmp_path):
    _train(tmp_path, "augment_1d", epochs=2)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.npz"]  # no temporary file left
    assert callbacks.ExactCheckpoint(tmp_path).load()["epoch"] == 2


def test_callback_state_round_trips_exactly():
    value = {"best": float("inf"), "wait": 2, "at": (1, 3), 3: [np.float32(0.1), None],
             "weights": [np.arange(6, dtype="float32").reshape(2, 3)], "name": "x",
             "nan": float("nan"), "flag": True}
    arrays = {}
    encoded = json.loads(json.dumps(callback_state.encode(value, arrays, "cb"),
                                    allow_nan=False))
    decoded = callback_state.decode(encoded, arrays)
    assert decoded.keys() == value.keys() and decoded["at"] == (1, 3)
    assert decoded["best"] == float("inf") and np.isnan(decoded["nan"])
    assert decoded[3][0] == value[3][0] and decoded[3][0].dtype == np.float32
    np.testing.assert_array_equal(decoded["weights"][0], value["weights"][0])
    assert decoded["flag"] is True and decoded["wait"] == 2


def test_early_stopping_state_saved_attribute_by_attribute():
    stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    stop.wait, stop.best, stop.best_epoch = 2, 0.5, 4
    stop.best_weights = [np.ones((2, 2), "float32")]
    arrays = {}
    state = callback_state.get_state(stop, arrays, "cb0")
    fresh = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    fresh.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]))
    fresh.on_train_begin()  # resets wait and best, as every fit does
    callback_state.set_state(fresh, state, arrays)
    assert (fresh.wait, fresh.best, fresh.best_epoch) == (2, 0.5, 4)
    np.testing.assert_array_equal(fresh.best_weights[0], stop.best_weights[0])


def test_invalid_arguments():
    with pytest.raises(TypeError, match="`directory`"):
        callbacks.ExactCheckpoint(None)
    with pytest.raises(ValueError, match="`every_n_steps`"):
        callbacks.ExactCheckpoint("d", every_n_steps=0)
    with pytest.raises(TypeError, match="`checkpoint`"):
        callbacks.resume_fit(keras.Sequential([keras.Input((2,))]), None, epochs=1,
                             checkpoint="d")
