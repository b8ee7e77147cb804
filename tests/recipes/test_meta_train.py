"""`recipes.meta_train` end to end on small settings (real meta-training, no mocks): it
learns, it resumes exactly, the meta-training unroll is the Keras optimizer's run, user
tasks work, bad arguments fail in one sentence; the `meta-train` subcommand; the notebook."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from keras import ops

from deeper import recipes
from deeper.components import optimizers
from deeper.components.optimizers import learned_lstm_math
from deeper.recipes import cli
from deeper.recipes.learn import Problem, evaluate, mnist1d_mlp, presets, quadratic
from deeper.recipes.learn.meta_train import VALIDATION, problem_seed, validate
from deeper.recipes.learn.unroll import Unroller

SMALL = {"steps": 20, "unroll": 5, "validate_every": 10, "validation_problems": 2,
         "meta_learning_rate": 1e-2, "verbose": 0}


def linear_regression(seed):
    """A user task: least squares on 16 points in 3 dimensions, batches of 4 points."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 4, 3)).astype("float32")
    y = (x @ rng.normal(size=(3,)) + 0.1 * rng.normal(size=(4, 4))).astype("float32")
    return Problem([np.zeros((3,), "float32")], {"x": x, "y": y}, regression_loss)


def regression_loss(params, data, step):
    x, y = ops.take(data["x"], step % 4, axis=0), ops.take(data["y"], step % 4, axis=0)
    return ops.mean((ops.matmul(x, params[0]) - y) ** 2)


def test_meta_training_lowers_the_validation_meta_loss():
    task = quadratic(problems=8)
    result = recipes.meta_train(task, meta_iterations=30, seed=1, **SMALL)
    held_out = [task(problem_seed(1, VALIDATION, i)) for i in range(2)]
    unroller = Unroller(held_out[0], 5, result.p, result.output_scale)
    before = validate(unroller, learned_lstm_math.initial_phi(1), held_out, 20, "sum")
    after = validate(unroller, result.phi, held_out, 20, "sum")
    assert after == pytest.approx(result.best_validation, rel=1e-5)
    assert after < 0.5 * before
    assert len(result.history["meta_loss"]) == 30 and result.history["validation_iteration"] == [
        0, 10, 20, 30]  # the starting phi is scored too
    assert isinstance(result.optimizer(), optimizers.LearnedOptimizer)


def test_resumed_meta_training_ends_where_the_uninterrupted_one_does(tmp_path):
    small = {**SMALL, "validate_every": 4}
    straight = recipes.meta_train(linear_regression, meta_iterations=8, seed=2, **small)
    recipes.meta_train(linear_regression, meta_iterations=4, seed=2, output_dir=tmp_path, **small)
    with pytest.raises(ValueError, match="pass resume=True"):
        recipes.meta_train(linear_regression, meta_iterations=8, seed=2, output_dir=tmp_path,
                           **small)
    resumed = recipes.meta_train(linear_regression, meta_iterations=8, seed=2,
                                 output_dir=tmp_path, resume=True, **small)
    np.testing.assert_allclose(resumed.last_phi, straight.last_phi, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(resumed.phi, straight.phi, rtol=1e-5, atol=1e-7)
    assert resumed.history["meta_loss"] == pytest.approx(straight.history["meta_loss"], rel=1e-5)


@pytest.mark.parametrize("make_task, preset", [
    (lambda: quadratic(problems=3), "quadratic"),
    (lambda: mnist1d_mlp(steps=10, nets=2, batch_size=32, hidden=(8,)), "mlp"),
    (lambda: linear_regression, "quadratic")])
def test_unroll_is_the_keras_optimizer_run(make_task, preset):
    task = make_task()
    problem = task(7)
    phi = presets_phi(preset)
    unrolled = Unroller(problem, 5, 10.0, 0.1).rollout(phi, problem, 10)
    keras_run = evaluate.run_optimizer(
        optimizers.LearnedOptimizer(preset=None, phi=phi), problem, 10)
    np.testing.assert_allclose(unrolled, keras_run, rtol=2e-4, atol=1e-6)
    assert (keras_run[-1] < keras_run[0]).all()


def presets_phi(name):
    return optimizers.learned_lstm.load_preset(name)["phi"]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"unroll": 0}, ValueError, "`unroll` must be an integer in [1, 20]. Received: unroll=0"),
    ({"unroll": 30}, ValueError, "`unroll` must be an integer in [1, 20]. Received: unroll=30"),
    ({"task": 3}, TypeError, "`task` must be a callable seed -> Problem, or one of "
                             "'quadratic', 'mlp'. Received: task=3"),
    ({"task": "rosenbrock"}, ValueError, "`task` must be one of 'quadratic', 'mlp'. "
                                         "Received: task='rosenbrock'"),
    ({"p": 0}, ValueError, "`p` must be in (0, inf). Received: p=0"),
    ({"resume": True}, ValueError, "`resume` needs an `output_dir` holding a checkpoint. "
                                   "Received: resume=True, output_dir=None"),
    ({"meta_learning_rate": float("nan")}, ValueError, "`meta_learning_rate`"),
])
def test_bad_arguments_one_sentence(kwargs, error, message):
    arguments = {"task": linear_regression, "steps": 20, **kwargs}
    with pytest.raises(error) as info:
        recipes.meta_train(arguments.pop("task"), **arguments)
    assert str(info.value).startswith(message)


def test_cli_subcommand_writes_a_loadable_preset(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["meta-train", "--task", "quadratic", "--problems", "4", "--steps", "10",
                     "--unroll", "5", "--meta-iterations", "3", "--validate-every", "3",
                     "--validation-problems", "1", "--out", str(out)])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("meta-iteration 1/3: meta-loss ")
    assert lines[-1].startswith("meta-train quadratic: best validation sum ")
    saved = json.loads((out / "quadratic.json").read_text())
    assert saved["recipe"]["task_args"] == {"problems": 4} and len(saved["phi"]) == 5141
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["best_iteration"] == 3
    opt = optimizers.LearnedOptimizer(preset=None, phi=saved["phi"])
    assert opt.get_config()["phi"] == [float(np.float32(v)) for v in saved["phi"]]


@pytest.mark.parametrize("name", sorted(presets.RECIPES))
def test_shipped_presets_state_their_recipe(name):
    shipped = json.loads((Path(optimizers.learned_lstm.__file__).parent / "presets" /
                          f"{name}.json").read_text())
    assert shipped["recipe"] == presets.RECIPES[name]
    assert shipped["wall_time_s"] <= 20 * 60


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DEEPER_REPRODUCE_PRESETS"),
                    reason="20 minutes of meta-training: set DEEPER_REPRODUCE_PRESETS=1 to run")
def test_quadratic_preset_is_reproduced_by_its_recipe(tmp_path):
    made = json.loads(presets.make_preset("quadratic", tmp_path, verbose=0).read_text())
    shipped = optimizers.learned_lstm.load_preset("quadratic")
    assert made["best_iteration"] == shipped["best_iteration"]
    assert made["best_validation"] == pytest.approx(shipped["best_validation"], rel=1e-3)



@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DEEPER_REPRODUCE_PRESETS"),
                    reason="7 minutes of imitation and scale search: set "
                           "DEEPER_REPRODUCE_PRESETS=1 to run")
def test_mlp_preset_is_reproduced_by_its_recipe(tmp_path):
    made = json.loads(presets.make_preset("mlp", tmp_path, verbose=0).read_text())
    shipped = optimizers.learned_lstm.load_preset("mlp")
    assert made["best_validation"] == pytest.approx(shipped["best_validation"], rel=2e-2)
    assert made["wall_time_s"] <= 20 * 60


# notebooks/08_learning_to_learn.ipynb executes in tests/test_notebooks.py.
