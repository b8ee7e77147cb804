"""`callbacks.HardExampleMining` in `model.fit`: per-example losses drive the sampler."""

import copy
import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import callbacks, data

_spec = importlib.util.spec_from_file_location(
    "sampling_refs", pathlib.Path(__file__).parents[1] / "references" / "sampling_refs.py")
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(3, 5))[y] * 2 + rng.normal(size=(n, 5))).astype("float32")
    return x, y


def _model(from_logits=False):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(
        3, activation=None if from_logits else "softmax")])
    loss = (keras.losses.SparseCategoricalCrossentropy(from_logits=True) if from_logits
            else "sparse_categorical_crossentropy")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss, metrics=["accuracy"])
    return model


def _cross_entropy(probabilities, y):
    return -np.log(np.asarray(probabilities, "float64")[np.arange(len(y)), y])


@pytest.mark.parametrize("from_logits", [False, True])
def test_records_per_example_losses_and_sets_the_sampler_probabilities(from_logits):
    x, y = _blobs()
    sampler = data.HardExampleSampler(x, y, batch_size=16, mix=0.3, cap=0.9, seed=0)
    mining = callbacks.HardExampleMining(sampler)
    model = _model(from_logits)
    history = model.fit(sampler.dataset, epochs=3, callbacks=[mining], shuffle=False, verbose=0)
    out = model.predict(x, verbose=0)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(out)) if from_logits else out
    np.testing.assert_allclose(mining.losses, _cross_entropy(probs, y), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(sampler.probabilities,
                               ref.hard_example_probabilities(mining.losses, 0.3, 0.9),
                               rtol=1e-12)
    assert mining.scored_epochs == [0, 1, 2]
    shares = history.history["hard_example_top_share"]
    assert len(shares) == 3 and all(0.1 < s < 1 for s in shares)
    assert history.history["accuracy"][-1] > 0.8


def test_every_k_epochs():
    x, y = _blobs()
    sampler = data.HardExampleSampler(x, y, batch_size=16)
    mining = callbacks.HardExampleMining(sampler, every=2)
    _model().fit(sampler.dataset, epochs=5, callbacks=[mining], shuffle=False, verbose=0)
    assert mining.scored_epochs == [1, 3]


class _Recorder(keras.layers.Layer):
    """Passes its input through and, in eager training steps, records the ids it saw."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        if training:
            self.seen.append(keras.ops.convert_to_numpy(inputs)[:, 0].astype(int))
        return inputs


def _odd_only(y_true, y_pred):
    """Zero for examples with y=0 (the even ids), positive for y=1."""
    return keras.ops.cast(y_true, "float32") * (1.0 + keras.ops.mean(y_pred ** 2, axis=-1))


def test_the_next_epoch_inside_fit_draws_from_the_updated_probabilities():
    n = 40
    x = np.arange(n, dtype="float32")[:, None]
    y = (np.arange(n) % 2).astype("float32")
    recorder = _Recorder()
    model = keras.Sequential([keras.Input((1,)), recorder, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=_odd_only, run_eagerly=True)
    sampler = data.HardExampleSampler(x, y, batch_size=8, mix=0.0, cap=None, seed=0)
    epochs = []
    marks = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epochs.append(len(recorder.seen)))
    model.fit(sampler.dataset, epochs=3, verbose=0, shuffle=False,
              callbacks=[marks, callbacks.HardExampleMining(sampler, loss=_odd_only)])
    first = np.concatenate(recorder.seen[epochs[0]:epochs[1]])
    later = np.concatenate(recorder.seen[epochs[1]:])
    assert len(first) == n and np.any(first % 2 == 0)  # uniform in epoch 1
    assert len(later) == 2 * n and np.all(later % 2 == 1)  # only the hard ones after


def test_on_train_begin_resets_the_sampler_and_deepcopy_shares_it():
    x, y = _blobs()
    sampler = data.HardExampleSampler(x, y, batch_size=16)
    mining = callbacks.HardExampleMining(sampler)
    _model().fit(sampler.dataset, epochs=2, callbacks=[mining], shuffle=False, verbose=0)
    assert np.ptp(sampler.probabilities) > 0
    clone = copy.deepcopy(mining)
    assert clone.sampler is sampler and clone.model is None
    clone.on_train_begin()
    np.testing.assert_array_equal(sampler.probabilities, np.full(len(x), 1 / len(x)))
    assert clone.losses is None and clone.scored_epochs == []
    assert mining.losses is not None  # the original keeps its own records


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"sampler": None}, TypeError, r"^`sampler` must be a deeper\.components\.data\."
                                   r"HardExampleSampler\. Received: sampler=None"),
    ({"every": 0}, ValueError, r"^`every` must be an integer in \[1, inf\)\. Received: every=0$"),
    ({"batch_size": 0}, ValueError, r"^`batch_size` must be an integer in \[1, inf\)\."),
    ({"loss": 3}, TypeError, r"^`loss` must be a Keras loss .* Received: loss=3$"),
])
def test_bad_arguments(kwargs, error, pattern):
    x, y = _blobs()
    args = {"sampler": data.HardExampleSampler(x, y, batch_size=4), **kwargs}
    with pytest.raises(error, match=pattern):
        callbacks.HardExampleMining(**args)


def test_registered_by_name():
    x, y = _blobs()
    sampler = data.HardExampleSampler(x, y, batch_size=4)
    assert isinstance(callbacks.get("hard_example_mining", sampler=sampler),
                      callbacks.HardExampleMining)
