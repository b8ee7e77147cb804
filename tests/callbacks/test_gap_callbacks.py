"""`TrainValGapMonitor` and `GapEarlyStopping` on a model that overfits for real."""

import warnings

import keras
import numpy as np
import pytest

from deeper.components import callbacks
from deeper.components.callbacks import GapEarlyStopping, TrainValGapMonitor


def overfitting_run(callback_list, *, epochs=30, seed=0):
    """A wide MLP memorizing 64 examples with random labels: the validation loss rises."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(128, 20)).astype("float32"), rng.integers(0, 4, 128)
    model = keras.Sequential([keras.Input((20,)),
                              keras.layers.Dense(256, activation="relu", name="hidden"),
                              keras.layers.Dense(4, activation="softmax", name="out")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x[:64], y[:64], validation_data=(x[64:], y[64:]), epochs=epochs,
                        batch_size=16, shuffle=False, verbose=0, callbacks=callback_list)
    return model, history.history


def test_monitor_logs_the_gap_and_warns_once_when_it_crosses():
    monitor = TrainValGapMonitor(threshold=0.5)
    with pytest.warns(UserWarning, match=r"the train/validation gap in loss is .* above 0.5"
                      ) as caught:
        _, history = overfitting_run([monitor])
    expected = np.array(history["val_loss"]) - np.array(history["loss"])
    np.testing.assert_allclose(history["loss_gap"], expected, rtol=1e-6)
    np.testing.assert_allclose(monitor.gaps, expected, rtol=1e-6)
    above = [e for e, gap in enumerate(expected) if gap > 0.5]
    assert monitor.exceeded_epochs == above and above
    crossings = sum(1 for e in above if e == 0 or expected[e - 1] <= 0.5)
    assert len([w for w in caught if "gap" in str(w.message)]) == crossings


def test_monitor_on_accuracy_counts_training_minus_validation():
    monitor = callbacks.get("train_val_gap_monitor", monitor="accuracy", threshold=0.9)
    _, history = overfitting_run([monitor], epochs=5)
    expected = np.array(history["accuracy"]) - np.array(history["val_accuracy"])
    np.testing.assert_allclose(history["accuracy_gap"], expected, rtol=1e-6, atol=1e-7)


def test_without_a_gap_threshold_it_is_kerass_early_stopping():
    ours = GapEarlyStopping(patience=3, restore_best_weights=True)
    keras_own = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    model_a, history_a = overfitting_run([ours])
    model_b, history_b = overfitting_run([keras_own])
    assert history_a == history_b
    assert ours.stopped_epoch == keras_own.stopped_epoch > 0 and not ours.stopped_on_gap
    for a, b in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_stops_on_the_gap_and_restores_the_best_weights():
    stop = GapEarlyStopping(patience=100, restore_best_weights=True, gap_threshold=0.5,
                            gap_patience=1)
    model, history = overfitting_run([stop])
    gaps = np.array(history["val_loss"]) - np.array(history["loss"])
    first = next(e for e in range(1, len(gaps)) if gaps[e] > 0.5 and gaps[e - 1] > 0.5)
    assert stop.stopped_on_gap and stop.stopped_epoch == first
    assert len(history["loss"]) == first + 1 < 30  # patience 100 alone would not have stopped
    # The weights are those of the best validation loss, as with Keras's restore_best_weights.
    assert stop.best_epoch == int(np.argmin(history["val_loss"]))
    for a, b in zip(model.get_weights(), stop.best_weights):
        np.testing.assert_array_equal(a, b)


def test_callbacks_reset_between_fits():
    stop = GapEarlyStopping(patience=100, gap_threshold=0.5)
    overfitting_run([stop])
    assert stop.stopped_on_gap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overfitting_run([stop], epochs=1)  # too short to open a gap (0.07 after one epoch)
    assert not stop.stopped_on_gap and stop.gap_wait == 0 and stop.stopped_epoch == 0


@pytest.mark.parametrize("cls, kwargs, message", [
    (TrainValGapMonitor, {"threshold": -1},
     "`threshold` must be in (0, inf). Received: threshold=-1.0"),
    (TrainValGapMonitor, {"monitor": "val_loss"}, "`monitor` must be a metric name without"),
    (GapEarlyStopping, {"gap_threshold": 0},
     "`gap_threshold` must be in (0, inf). Received: gap_threshold=0.0"),
    (GapEarlyStopping, {"patience": -1},
     "`patience` must be an integer in [0, inf). Received: patience=-1"),
    (GapEarlyStopping, {"mode": "lower"}, "`mode` must be one of 'auto', 'min', 'max'."),
])
def test_invalid_arguments(cls, kwargs, message):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    assert message in str(info.value)
