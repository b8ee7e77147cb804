"""`LearnedOptimizer` against the NumPy LSTM reference, its presets, argument errors, and
save / reload / resume inside `fit`."""

import importlib.util
import json
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import optimizers
from deeper.components.diagnostics import autodiff
from deeper.components.optimizers import learned_lstm, learned_lstm_math

_spec = importlib.util.spec_from_file_location(
    "learned_lstm_refs",
    pathlib.Path(__file__).parents[1] / "references" / "learned_lstm_refs.py")
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)

# Both branches of the preprocessing: |g| >= e^-10 (about 4.5e-5) and below, 0 included.
GRADIENTS = [np.array([[-3.0, 0.5, 1e-6], [-2e-5, 0.0, 7e-5]]), np.array([0.25, -1e-7])]


def run_steps(optimizer, steps, dtype="float64"):
    variables = [keras.Variable(np.linspace(-1, 1, g.size).reshape(g.shape), dtype=dtype)
                 for g in GRADIENTS]
    for t in range(steps):
        grads = [keras.ops.convert_to_tensor(g * (1.5 ** t), dtype) for g in GRADIENTS]
        optimizer.apply_gradients(zip(grads, variables))
    return [v.numpy() for v in variables]


def run_reference(reference, steps):
    params = [np.linspace(-1, 1, g.size).reshape(g.shape) for g in GRADIENTS]
    for t in range(steps):
        params = [reference.step(i, p, g * (1.5 ** t)) for i, (p, g) in
                  enumerate(zip(params, GRADIENTS))]
    return params


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("p, scale, lr", [(10.0, 0.1, 1.0), (5.0, 0.3, 0.5)])
def test_steps_match_numpy_lstm_equations(steps, p, scale, lr):
    phi = learned_lstm_math.initial_phi(seed=3)
    phi[-21:] = np.random.default_rng(0).normal(size=21)  # a visible output layer
    with autodiff.precision("float64"):  # JAX computes in float32 unless x64 is on
        got = run_steps(optimizers.LearnedOptimizer(preset=None, phi=phi, p=p,
                                                    output_scale=scale, learning_rate=lr), steps)
    want = run_reference(refs.LearnedLSTM(phi, p=p, output_scale=scale, learning_rate=lr),
                         steps)
    for g, w, x0 in zip(got, want, [np.linspace(-1, 1, 6), np.linspace(-1, 1, 2)]):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-12)  # float64; JAX ~1e-9 off
        assert np.abs(g.ravel() - x0).max() > 1e-3  # the step moved the weights


def test_preprocessing_matches_the_paper():
    g = np.array([-3.0, 1e-6, 0.0, -2e-5, 7e-5, np.exp(-10.0)])
    with autodiff.precision("float64"):
        got = keras.ops.convert_to_numpy(learned_lstm_math.preprocess(
            keras.ops.convert_to_tensor(g), 10.0))
    np.testing.assert_allclose(got, refs.preprocess(g, 10.0), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", learned_lstm.PRESETS)
def test_presets_load_by_name_offline(name):
    opt = optimizers.get("learned_lstm", preset=name)
    shipped = json.loads((pathlib.Path(learned_lstm.__file__).parent / "presets" /
                          f"{name}.json").read_text())
    assert isinstance(opt, optimizers.LearnedOptimizer) and opt.preset == name
    assert opt.p == shipped["p"] and opt.output_scale == shipped["output_scale"]
    np.testing.assert_array_equal(opt._initial_phi, np.float32(shipped["phi"]))
    assert opt.get_config()["phi"] is None  # the config names the preset, not its numbers


@pytest.mark.parametrize("kwargs, message", [
    ({"p": 0.0}, "`p` must be in (0, inf). Received: p=0.0"),
    ({"p": -2}, "`p` must be in (0, inf). Received: p=-2.0"),
    ({"output_scale": -0.1}, "`output_scale` must be in (0, inf). Received: output_scale=-0.1"),
    ({"preset": "adam"}, "`preset` must be one of 'quadratic', 'mlp' or None. "
                         "Received: preset='adam'"),
    ({"preset": None, "phi": [1.0, 2.0]}, "`phi` must be a flat list of 5141 finite numbers. "
                                          "Received: phi of shape (2,)"),
])
def test_invalid_arguments_one_sentence(kwargs, message):
    with pytest.raises(ValueError) as info:
        optimizers.LearnedOptimizer(**kwargs)
    assert str(info.value) == message


def test_phi_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="`phi` must be a flat list of 5141 numbers"):
        optimizers.LearnedOptimizer(preset=None, phi="weights.json")


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1)])
    # The mlp preset's steps are tuned Nesterov's at lr 1.78, times 1.26: far too large for
    # this regression, so the extra factor `learning_rate` scales them down.
    model.compile(optimizer=optimizers.get("learned_lstm", preset="mlp", learning_rate=0.03),
                  loss="mse")
    return model


def test_fit_saved_mid_training_and_reloaded_resumes_exactly(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    straight = _model()
    first = straight.evaluate(x, y, verbose=0)
    straight.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    interrupted = _model()
    interrupted.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    interrupted.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(reloaded.optimizer, optimizers.LearnedOptimizer)
    reloaded.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert straight.evaluate(x, y, verbose=0) < first  # it trained
