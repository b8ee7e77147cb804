"""`LRFinder`: the exponential ramp, the recovered batch losses, the bias-corrected EMA,
the stop at divergence, the suggestions, and nothing changed after the test."""

import math

import keras
import numpy as np
import pytest

from deeper.components import callbacks
from deeper.components.callbacks.lr_finder import suggest


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 10)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int32") + (x[:, 3] > 0.5).astype("int32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(
        32, activation="relu", kernel_initializer=keras.initializers.HeNormal(seed)),
        keras.layers.Dense(3, activation="softmax",
                           kernel_initializer=keras.initializers.GlorotUniform(seed))])
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")
    return model, x, y


def test_ramp_losses_and_restore():
    model, x, y = _problem()
    before = [w.copy() for w in model.get_weights()]
    first_batch_loss = model.evaluate(x[:32], y[:32], batch_size=32, verbose=0)
    finder = callbacks.LRFinder(min_lr=1e-5, max_lr=1e3, num_steps=64, diverge_factor=4.0)
    model.fit(x, y, batch_size=32, epochs=8, shuffle=False, verbose=0, callbacks=[finder])
    steps = len(finder.learning_rates)
    # exponential ramp, per step
    np.testing.assert_allclose(finder.learning_rates,
                               [1e-5 * 1e8 ** (i / 63) for i in range(steps)], rtol=1e-12)
    # the batch loss recovered from Keras's running mean: step 0 is the loss at the start
    assert finder.losses[0] == pytest.approx(first_batch_loss, rel=1e-5)
    # bias-corrected EMA of the recorded losses
    average, smoothed = 0.0, []
    for i, loss in enumerate(finder.losses):
        average = 0.98 * average + 0.02 * loss
        smoothed.append(average / (1 - 0.98 ** (i + 1)))
    np.testing.assert_allclose(finder.smoothed, smoothed, rtol=1e-10)
    # rates up to 1000 on this problem diverge, and the finder stops there
    assert finder.diverged and steps < 64
    last = finder.smoothed[-1]
    assert not math.isfinite(last) or last > 4 * min(finder.smoothed)
    # suggestions lie inside the tested range, below the divergence
    assert 1e-6 <= finder.suggestions["min_div_10"] < finder.learning_rates[-1]
    assert finder.suggested_learning_rate == finder.suggestions["min_div_10"]
    # the test changed nothing: weights, optimizer state, rate
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    assert all(not np.any(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables
               if "momentum" in v.path)


def test_suggest_min_div_10_and_steepest_on_a_known_curve():
    rates = np.geomspace(1e-5, 1.0, 101)
    log = np.log10(rates)
    # falls fastest at 1e-3 (center of a tanh in log-rate), lowest at 1e-1, then rises
    losses = 2 - np.tanh(2 * (log + 3)) + np.where(log > -1, 20 * (log + 1) ** 2, 0)
    out = suggest(rates, losses)
    assert out["min_div_10"] == pytest.approx(1e-2, rel=0.05)
    assert out["steepest"] == pytest.approx(1e-3, rel=0.15)


def test_stops_after_num_steps_and_rejects_a_schedule():
    model, x, y = _problem()
    finder = callbacks.LRFinder(min_lr=1e-6, max_lr=1e-4, num_steps=10)
    model.fit(x, y, batch_size=32, epochs=5, verbose=0, callbacks=[finder])
    assert len(finder.learning_rates) == 10 and not finder.diverged
    model.compile(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 5, 0.5)),
                  "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="float learning rate"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LRFinder()])


def test_plot(tmp_path):
    model, x, y = _problem()
    finder = callbacks.LRFinder(min_lr=1e-5, max_lr=1e2, num_steps=40)
    model.fit(x, y, batch_size=32, epochs=5, verbose=0, callbacks=[finder])
    path = finder.plot(tmp_path / "lr.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kwargs, name", [({"min_lr": -1.0}, "min_lr"),
                                           ({"min_lr": 1e-3, "max_lr": 1e-4}, "max_lr"),
                                           ({"suggestion": "valley"}, "suggestion")])
def test_invalid(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}` must"):
        callbacks.LRFinder(**kwargs)


def test_works_through_the_wrapper_optimizers():
    from deeper.components import optimizers

    model, x, y = _problem()
    model.compile(optimizers.PerWeightLearningRates(optimizers.ProximalL1(
        keras.optimizers.SGD(0.01), l1=1e-4), {".*kernel": 0.5}),
        "sparse_categorical_crossentropy")
    finder = callbacks.LRFinder(min_lr=1e-4, max_lr=1.0, num_steps=12)
    model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[finder])
    assert len(finder.learning_rates) == 12
    assert all(type(o) is optimizers.ProximalL1 for o in model.optimizer.optimizers)
    rates = sorted(float(o.learning_rate) for o in model.optimizer.optimizers)
    assert rates == pytest.approx([0.005, 0.01])
