"""Schedules in epoch terms against their formulas; saved inside an optimizer; the
`StepDecay` callback right after an interrupted and resumed `fit`; `plot_schedule`."""

import importlib.util
import math
import pathlib

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import callbacks, schedules

_spec = importlib.util.spec_from_file_location(
    "optimizer_refs", pathlib.Path(__file__).with_name("optimizer_refs.py"))
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)

STEPS = [0, 1, 7, 50, 99, 100, 101, 250, 1000, 4321]


def _values(schedule):
    return np.array([float(keras.ops.convert_to_numpy(schedule(t))) for t in STEPS])


def test_inverse_decay_is_eta0_over_one_plus_k_epoch():
    got = _values(schedules.InverseDecay(0.1, decay=0.5, steps_per_epoch=100))
    want = [refs.inverse_decay(0.1, 0.5, t, 100) for t in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_natural_exp_decay_is_eta0_exp_minus_k_epoch():
    got = _values(schedules.NaturalExpDecay(0.1, decay=0.3, steps_per_epoch=100))
    want = [refs.natural_exp_decay(0.1, 0.3, t, 100) for t in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("cls, ref", [(schedules.InverseDecay, refs.inverse_decay),
                                      (schedules.NaturalExpDecay, refs.natural_exp_decay)])
def test_staircase_changes_the_rate_once_per_epoch(cls, ref):
    got = _values(cls(0.1, decay=0.5, steps_per_epoch=100, staircase=True))
    want = [ref(0.1, 0.5, (t // 100) * 100, 100) for t in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_step_decay_and_constant():
    got = _values(schedules.step_decay(0.1, drop=2, every_epochs=3, steps_per_epoch=100))
    want = [refs.step_decay(0.1, 2, 3, t // 100) for t in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(_values(schedules.get("constant", learning_rate=0.05)), 0.05,
                               rtol=1e-7)


def test_names_resolve():
    keras_schedules = keras.optimizers.schedules
    assert isinstance(schedules.get("inverse_decay", initial_learning_rate=0.1,
                                    steps_per_epoch=10), keras_schedules.InverseTimeDecay)
    assert isinstance(schedules.get("natural_exp_decay", initial_learning_rate=0.1,
                                    steps_per_epoch=10), keras_schedules.ExponentialDecay)


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(
        16, activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(seed)),
        keras.layers.Dense(3, activation="softmax",
                           kernel_initializer=keras.initializers.GlorotUniform(seed + 1))])


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")


def test_schedule_saves_inside_the_optimizer_and_resumes(tmp_path):
    x, y = _data()
    model = _model()
    schedule = schedules.NaturalExpDecay(0.2, decay=0.7, steps_per_epoch=4)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9),
                  "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    restored = loaded.optimizer.get_config()["learning_rate"]
    assert restored["registered_name"] == "deeper>NaturalExpDecay"
    assert int(loaded.optimizer.iterations) == 8
    np.testing.assert_allclose(float(loaded.optimizer.learning_rate),
                               refs.natural_exp_decay(0.2, 0.7, 8, 4), rtol=1e-6)
    for m in (model, loaded):
        m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 3:
            raise RuntimeError("interrupted")


def _fit_step_decay(x, y, extra, epochs=7):
    model = _model()
    model.compile(keras.optimizers.SGD(0.5, momentum=0.9), "sparse_categorical_crossentropy")
    decay = callbacks.StepDecay(0.2, drop=2, every_epochs=2)
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0,
                        callbacks=[*extra, decay])
    return model, history.history, decay


def test_step_decay_callback_stays_right_after_backup_and_restore(tmp_path):
    x, y = _data()
    straight, history, _ = _fit_step_decay(x, y, [])
    assert history["learning_rate"] == pytest.approx(
        [refs.step_decay(0.2, 2, 2, e) for e in range(7)], rel=1e-6)

    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        _fit_step_decay(x, y, [keras.callbacks.BackupAndRestore(backup), _Interrupt()])
    resumed, history, decay = _fit_step_decay(x, y, [keras.callbacks.BackupAndRestore(backup)])
    assert sorted(decay.learning_rates) == [4, 5, 6]  # resumed at epoch 4, not 0
    assert history["learning_rate"] == pytest.approx([0.05, 0.05, 0.025], rel=1e-6)
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.025, rel=1e-6)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_step_decay_callback_rejects_an_optimizer_with_a_schedule():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(schedules.Constant(0.1)), "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="float learning rate"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.StepDecay(0.1)])


def test_plot_schedule_writes_a_png(tmp_path):
    path = recipes.plot_schedule(
        {"constant": 0.1, "step": schedules.step_decay(0.1, drop=10, every_epochs=10,
                                                       steps_per_epoch=50),
         "inverse": schedules.InverseDecay(0.1, decay=0.5, steps_per_epoch=50),
         "exponential": schedules.NaturalExpDecay(0.1, decay=math.log(10) / 20,
                                                  steps_per_epoch=50)},
        tmp_path / "schedules.png", epochs=30, steps_per_epoch=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    with pytest.raises(ValueError, match="`epochs`"):
        recipes.plot_schedule(0.1, tmp_path / "x.png", epochs=0, steps_per_epoch=5)
