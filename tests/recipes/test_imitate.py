"""`recipes.learn.imitate` (teacher forcing to Nesterov momentum), `tune_output_scale`,
`meta_train(init_phi=...)` and the staged preset recipes, on small settings: a NumPy
reference of the teacher, a fit that copies it, exact resume, one-sentence errors."""

import numpy as np
import pytest
from keras import ops

from deeper import recipes
from deeper.components import optimizers
from deeper.components.optimizers import learned_lstm_math
from deeper.recipes.learn import Problem, evaluate, imitate, mnist1d_mlp, presets, quadratic
from deeper.recipes.learn.imitate import teacher
from deeper.recipes.learn.meta_train import tune_output_scale
from deeper.recipes.learn.unroll import Unroller


def regression(seed):
    """Least squares on 8 batches of 4 points in 5 dimensions."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 4, 5)).astype("float32")
    y = (x @ rng.normal(size=(5,)) + 0.1 * rng.normal(size=(8, 4))).astype("float32")
    return Problem([np.zeros((5,), "float32")], {"x": x, "y": y}, regression_loss)


def regression_loss(params, data, step):
    x, y = ops.take(data["x"], step % 8, axis=0), ops.take(data["y"], step % 8, axis=0)
    return ops.mean((ops.matmul(x, params[0]) - y) ** 2)


def test_teacher_is_nesterov_momentum_from_its_formula():
    problem, lr, mu, steps = regression(3), 0.05, 0.9, 12
    grads, updates = teacher(Unroller(problem, 1, 10.0, 1.0), steps, lr, mu)(problem)
    x, y = problem.data["x"].astype("float64"), problem.data["y"].astype("float64")
    theta, velocity = np.zeros(5), np.zeros(5)
    for t in range(steps):
        xb, yb = x[t % 8], y[t % 8]
        g = 2 * xb.T @ (xb @ theta - yb) / len(yb)
        velocity = mu * velocity - lr * g
        update = mu * velocity - lr * g
        theta = theta + update
        np.testing.assert_allclose(grads[t], g, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(updates[t], update, rtol=1e-4, atol=1e-6)


def test_teacher_matches_the_keras_nesterov_run():
    problem, steps = regression(4), 10
    grads, updates = teacher(Unroller(problem, 1, 10.0, 1.0), steps, 0.05, 0.9)(problem)
    theta = np.cumsum(updates, axis=0)  # theta_0 = 0
    ours = [float(regression_loss([ops.convert_to_tensor(th)], problem.data, t + 1))
            for t, th in enumerate(theta)]
    keras_run = evaluate.run_optimizer(optimizers.get("nesterov", learning_rate=0.05), problem,
                                       steps)
    np.testing.assert_allclose(ours, keras_run[1:, 0], rtol=1e-4)


def test_imitation_copies_the_teacher():
    phi, error = imitate(regression, learning_rate=0.05, momentum=0.9, problems=4,
                         fit_steps=300, coordinates=20, steps=20, fit_learning_rate=1e-2,
                         verbose=0)
    assert error < 0.05
    # Fed the teacher's gradients on held-out problems, the LSTM emits the teacher's updates.
    for seed in (100, 101):
        problem = regression(seed)
        grads, updates = teacher(Unroller(problem, 1, 10.0, 1.0), 20, 0.05, 0.9)(problem)
        state, emitted = np.zeros((5, learned_lstm_math.STATE_SIZE), "float32"), []
        for g in grads:
            update, state = learned_lstm_math.lstm_update(phi, ops.convert_to_tensor(g),
                                                          ops.convert_to_tensor(state),
                                                          10.0, 1.0)
            emitted.append(ops.convert_to_numpy(update))
            state = ops.convert_to_numpy(state)
        assert np.sum((np.array(emitted) - updates) ** 2) / np.sum(updates ** 2) < 0.1
    # Run on its own gradients, it trains.
    problems = [regression(100 + i) for i in range(4)]
    learned = evaluate.run_on(lambda: optimizers.LearnedOptimizer(preset=None, phi=phi,
                                                                  output_scale=1.0),
                              problems, 20)
    assert learned[-1].mean() < 0.1 * learned[0].mean()


def test_resumed_imitation_ends_where_the_uninterrupted_one_does(tmp_path):
    small = {"learning_rate": 0.05, "problems": 2, "coordinates": 6, "steps": 10, "verbose": 0}
    straight, _ = imitate(regression, fit_steps=6, **small)
    imitate(regression, fit_steps=3, output_dir=tmp_path, **small)
    with pytest.raises(ValueError, match="pass resume=True"):
        imitate(regression, fit_steps=6, output_dir=tmp_path, **small)
    resumed, _ = imitate(regression, fit_steps=6, output_dir=tmp_path, resume=True, **small)
    np.testing.assert_allclose(resumed, straight, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"learning_rate": 0}, ValueError, "`learning_rate` must be in (0, inf). Received: "
                                       "learning_rate=0"),
    ({"momentum": 1.0}, ValueError, "`momentum` must be in [0, 1). Received: momentum=1.0"),
    ({"task": 3}, TypeError, "`task` must be a callable seed -> Problem"),
    ({"fit_steps": 0}, ValueError, "`fit_steps` must be an integer in [1, inf)"),
    ({"resume": True}, ValueError, "`resume` needs an `output_dir` holding a checkpoint."),
    ({"resume": "yes"}, TypeError, "`resume` must be"),
    ({"verbose": 2}, ValueError, "`verbose` must be one of 0, 1. Received: verbose=2"),
])
def test_imitate_bad_arguments_one_sentence(kwargs, error, message):
    arguments = {"task": regression, "learning_rate": 0.05, "steps": 5, **kwargs}
    with pytest.raises(error) as info:
        imitate(arguments.pop("task"), **arguments)
    assert str(info.value).startswith(message)


def test_meta_training_keeps_a_better_starting_phi():
    good, _ = imitate(regression, learning_rate=0.05, problems=2, fit_steps=100,
                      coordinates=10, steps=20, verbose=0)
    result = recipes.meta_train(regression, init_phi=good, meta_iterations=4, steps=20,
                                unroll=5, meta_learning_rate=1.0, validate_every=2,
                                validation_problems=2, output_scale=1.0, verbose=0)
    assert result.history["validation_iteration"] == [0, 2, 4]
    assert result.best_iteration == 0  # a meta lr of 1.0 only makes it worse
    np.testing.assert_array_equal(result.phi, good)
    with pytest.raises(ValueError, match="`init_phi` must be 5141 finite numbers"):
        recipes.meta_train(regression, init_phi=good[:10], steps=20)


def test_tune_output_scale_picks_the_best_of_its_grid():
    phi = optimizers.learned_lstm.load_preset("quadratic")["phi"]
    task = quadratic(problems=4)
    best, table = tune_output_scale(phi, task, scales=[0.01, 0.1, 1.0], validation_problems=2,
                                    steps=20, validation_metric="sum")
    assert sorted(table) == [0.01, 0.1, 1.0] and best == min(table, key=table.get)
    assert table[0.1] < table[0.01]  # the scale it was meta-trained with beats a tiny one
    with pytest.raises(ValueError, match="`scales` must be a non-empty list of numbers > 0"):
        tune_output_scale(phi, task, scales=[0.1, -1.0], steps=20)
    with pytest.raises(ValueError, match=r"`validation_problems` must be an integer in \[1, "):
        tune_output_scale(phi, task, scales=[0.1], validation_problems=0)


def test_a_staged_recipe_runs_end_to_end(tmp_path):
    recipe = {"task": "mlp", "task_args": {"nets": 2, "steps": 10, "hidden": [8],
                                           "batch_size": 32},
              "imitate": {"learning_rate": 1.0, "problems": 2, "fit_steps": 20,
                          "coordinates": 256},
              "output_scale": 1.0, "output_scales": [0.5, 1.0, 2.0], "scale_problems": 2,
              "validation_metric": "final", "steps": 10, "seed": 0}
    result = presets.run_recipe(recipe, output_dir=tmp_path, verbose=0)
    table = {float(k): v for k, v in result.history["output_scales"].items()}
    assert result.output_scale == min(table, key=table.get)
    assert result.best_validation == table[result.output_scale]
    assert (tmp_path / "imitate.npz").exists() and result.wall_time > 0
    task = mnist1d_mlp(nets=2, steps=10, hidden=(8,), batch_size=32)
    opt = optimizers.LearnedOptimizer(preset=None, phi=result.phi,
                                      output_scale=result.output_scale)
    losses = evaluate.run_optimizer(opt, task(5), 10)
    assert losses[-1].mean() < losses[0].mean()
