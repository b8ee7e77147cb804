"""`NaNGuard` against Keras's `TerminateOnNaN` + `BackupAndRestore`, on a NaN that enters
with one batch of data, a layer that produces NaN, and a learning rate that explodes."""

import pathlib

import keras
import numpy as np
import pytest

from deeper.components.callbacks import NaNGuard

BAD = 40  # the example holding the NaN: batch 5 (0-based) of 8 examples


@keras.saving.register_keras_serializable(package="tests_callbacks")
class NaiveLog(keras.layers.Layer):
    """log(x): NaN for a negative input."""

    def call(self, x):
        return keras.ops.log(x)


def make_data(nan=True, negative=False):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=(64, 10)).astype("float32")
    y = rng.integers(0, 3, 64)
    if nan:
        x[BAD, 2] = np.nan
    if negative:
        x[BAD, 2] = -1.0  # finite, but log(-1) is NaN
    return x, y


def make_model(first=None, learning_rate=1e-2, optimizer="adam", activation="tanh"):
    """An MLP with logits. tanh passes NaN on to the loss; ReLU, fused with the matmul by
    oneDNN on CPU, may turn a NaN pre-activation into 0 and hide NaN weights from the loss."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((10,))
    h = first(inputs) if first is not None else inputs
    h = keras.layers.Dense(16, activation=activation, name="hidden")(h)
    outputs = keras.layers.Dense(3, name="out")(h)
    model = keras.Model(inputs, outputs)
    opt = (keras.optimizers.Adam(learning_rate) if optimizer == "adam"
           else keras.optimizers.SGD(learning_rate))
    model.compile(optimizer=opt,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def fit(model, x, y, callbacks, epochs=2):
    return model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=callbacks)


def finite(weights):
    return all(np.isfinite(w).all() for w in weights)


def test_terminate_on_nan_keeps_nan_weights_and_backup_and_restore_deletes_its_backup(tmp_path):
    # The problem: Keras stops, but the model is left with NaN weights and no backup.
    x, y = make_data()
    model = make_model()
    backup = tmp_path / "backup"
    fit(model, x, y, [keras.callbacks.BackupAndRestore(str(backup)),
                      keras.callbacks.TerminateOnNaN()])
    assert not finite(model.get_weights())
    assert not backup.exists()


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_terminate_on_nan_raising_after_a_batch_backup_leaves_nan_in_the_backup(tmp_path):
    x, y = make_data()
    model = make_model()
    backup = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        fit(model, x, y, [keras.callbacks.BackupAndRestore(str(backup), save_freq=1),
                          keras.callbacks.TerminateOnNaN(raise_error=True)])
    (saved,) = pathlib.Path(backup).glob("*.weights.h5")
    restored = make_model()
    restored.load_weights(saved)
    assert not finite(restored.get_weights())


def test_nan_weights_hidden_from_the_loss_stop_the_guard_not_terminate_on_nan():
    # In graph mode TensorFlow's oneDNN CPU kernels (on by default on x86) fuse
    # MatMul + BiasAdd + ReLU and map a NaN pre-activation to 0: the NaN input makes NaN
    # weights, yet the loss stays finite, and TerminateOnNaN lets training run on.
    x, y = make_data()
    model = make_model(activation="relu")
    history = fit(model, x, y, [keras.callbacks.TerminateOnNaN()])
    if np.isfinite(history.history["loss"]).all():  # the fused kernel hid the NaN
        assert len(history.history["loss"]) == 2 and not finite(model.get_weights())
    model, guard = make_model(activation="relu"), NaNGuard(snapshot_every=1, verbose=0)
    with pytest.warns(UserWarning, match="went non-finite at epoch 1, batch 6"):
        fit(model, x, y, [guard])
    assert guard.report["layer"] == "hidden" and finite(model.get_weights())
    # Snapshots once per epoch (the default) check the weights at the epoch's end, the
    # loss after every batch (the NaN weights make the next loss NaN, or the fused kernel
    # hides them until the epoch ends): the weights of train begin come back.
    model, guard = make_model(activation="relu"), NaNGuard(verbose=0)
    with pytest.warns(UserWarning, match="went non-finite at epoch 1(, batch 6)?; .*restored "
                                         "the weights of train begin"):
        fit(model, x, y, [guard])
    assert guard.report["layer"] == "hidden" and finite(model.get_weights())
    fresh = make_model(activation="relu")
    for got, expected in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_guard_stops_names_the_layer_and_keeps_the_last_good_weights(tmp_path):
    x, y = make_data()
    model = make_model()
    guard = NaNGuard(snapshot_every=1, verbose=0)
    backup = tmp_path / "backup"
    with pytest.warns(UserWarning, match=r"NaNGuard: loss went non-finite at epoch 1, batch 6"):
        history = fit(model, x, y, [keras.callbacks.BackupAndRestore(
            str(backup), delete_checkpoint=False), guard])
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
    assert guard.report["epoch"] == 0 and guard.report["batch"] == 5
    assert guard.report["where"] == "gradient" and guard.report["layer"] == "hidden"
    assert guard.report["restored"] == (0, 4)
    # The last good weights are those after the 5 batches before the NaN: train on them alone.
    reference = make_model()
    fit(reference, x[:BAD], y[:BAD], [], epochs=1)
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(model.optimizer.variables, reference.optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    # The end-of-epoch backup, written after the guard restored the weights, is finite too.
    (saved,) = pathlib.Path(backup).glob("*.weights.h5")
    restored = make_model()
    restored.load_weights(saved)
    assert finite(restored.get_weights())


def test_epoch_snapshots_restore_the_last_finite_epoch_and_every_n_batches_in_between():
    x, y = make_data(nan=False)
    x_bad = x.copy()
    x_bad[BAD, 2] = np.nan
    reference = make_model()
    fit(reference, x, y, [], epochs=1)  # epoch 1 on clean data: the last good epoch
    model, guard = make_model(), NaNGuard(verbose=0)
    first = keras.callbacks.LambdaCallback(  # epoch 2 sees the NaN
        on_epoch_end=lambda epoch, logs: np.copyto(x, x_bad) if epoch == 0 else None)
    # (the loader may have read a batch or two of epoch 2 ahead, before the NaN went in)
    with pytest.warns(UserWarning, match=r"at epoch 2, batch \d; .*restored the weights of the "
                                         "end of epoch 1; training stopped"):
        model.fit(_Batches(x, y), epochs=3, shuffle=False, verbose=0, callbacks=[first, guard])
    assert guard.report["restored"] == (0, "end")
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)
    x, y = make_data()
    guard = NaNGuard(snapshot_every=2, verbose=0)  # copies after batches 2 and 4 (1-based)
    with pytest.warns(UserWarning, match="restored the weights after epoch 1, batch 4"):
        fit(make_model(), x, y, [guard])
    assert guard.report["restored"] == (0, 3)


class _Batches(keras.utils.PyDataset):
    """Batches of 8 read from `x` at each step (so a callback can change the data)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // 8

    def __getitem__(self, i):
        return self.x[8 * i:8 * i + 8], self.y[8 * i:8 * i + 8]


def test_guard_with_a_probe_names_the_layer_whose_output_went_nan():
    x, y = make_data(nan=False, negative=True)
    without = NaNGuard(verbose=0)
    with pytest.warns(UserWarning, match="NaNGuard"):
        fit(make_model(NaiveLog(name="log")), x, y, [without])
    assert without.report["layer"] == "hidden"  # only the weights tell: the first NaN weights
    model = make_model(NaiveLog(name="log"))
    probe = NaNGuard(x[32:48], y[32:48], verbose=0)
    with pytest.warns(UserWarning, match="first non-finite output in layer 'log'"):
        fit(model, x, y, [probe])
    assert (probe.report["where"], probe.report["layer"]) == ("output", "log")
    assert finite(model.get_weights())


def test_guard_catches_an_exploding_learning_rate():
    x, y = make_data(nan=False)
    model = make_model(optimizer="sgd", learning_rate=1e30, activation=None)
    guard = NaNGuard(verbose=0)
    with pytest.warns(UserWarning, match="NaNGuard"):
        fit(model, x, y, [guard], epochs=5)
    assert guard.report is not None and finite(model.get_weights())


def test_a_clean_run_is_untouched():
    x, y = make_data(nan=False)
    guard, model = NaNGuard(verbose=0), make_model()
    fit(model, x, y, [guard])
    reference = make_model()
    fit(reference, x, y, [])
    assert guard.report is None
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"`y` must be given together with `x`.*Received: y=None"):
        NaNGuard(np.ones((4, 10)))
    with pytest.raises(ValueError, match=r"`y` must hold one target per example of `x` \(4\)"):
        NaNGuard(np.ones((4, 10)), np.zeros(3))
