"""`recipes.tune`: the search space and its overrides, the report, the saved model, the CLI."""

import csv
import json
import math
import os
import subprocess
import sys

import keras
import keras_tuner as kt
import numpy as np
import pytest

from deeper import recipes
from deeper.recipes.shared.schedule import decay_schedule
from deeper.recipes.tuning import export as tuning_export
from deeper.recipes.tuning import space as tuning_space
from deeper.recipes.tuning.space import CourseHyperModel


@pytest.fixture(scope="module")
def helpers(tune_helpers):
    return tune_helpers


@pytest.fixture(scope="module")
def tiny(helpers):
    return helpers.tiny_dataset()


def _draw(hypermodel, values=None):
    hp = kt.HyperParameters()
    hp.values.update(values or {})
    return hp, hypermodel.draw(hp)


def test_default_space_covers_the_course_and_defaults_are_the_recipe(tiny):
    hp, config = _draw(CourseHyperModel(tiny))
    assert set(tuning_space.DEFAULT_SPACE) - {"l1", "rho", "decay_rate", "decay_factor",
                                              "max_shift", "augment_scale"} <= set(hp.values)
    # Defaults: train_classifier's recipe (CNN 4 x 32, ReLU + He, L2 1e-4, dropout 0.2, BN,
    # Nesterov 0.05 momentum 0.9, step decay by 10 at half, batch 64).
    assert config["depth"] == 4 and config["width"] == 32 and config["init"] == "he_normal"
    assert config["l2"] == 1e-4 and config["l1"] == 0.0 and config["dropout"] == 0.2
    assert config["optimizer"] == "nesterov" and config["learning_rate"] == 0.05
    assert config["optimizer_args"] == {"momentum": 0.9}
    assert config["schedule"] == "step" and config["batch_size"] == 64
    assert config["standardize"] == "feature" and config["augment"] is None
    space = {p.name: p for p in hp.space}
    assert space["learning_rate"].sampling == "log" and space["l2"].sampling == "log"
    assert space["batch_size"].min_value == 32 and space["batch_size"].max_value == 256


def test_conditional_hyperparameters_appear_only_where_they_apply(tiny):
    hypermodel = CourseHyperModel(tiny)
    hp, config = _draw(hypermodel, {"optimizer": "adam", "schedule": "inverse",
                                    "regularizer": "l1", "activation": "tanh"})
    assert "momentum" not in hp.values and "rho" not in hp.values
    assert config["optimizer_args"] == {} and config["init"] == "glorot_uniform"
    assert config["l2"] == 0.0 and config["l1"] == 1e-6 and "decay_rate" in hp.values
    momentum = next(p for p in hp.space if p.name == "momentum")
    assert momentum.conditions[0].name == "optimizer"
    assert set(momentum.conditions[0].values) == {"momentum", "nesterov"}
    # KerasTuner's random sampler draws momentum only for the SGD family.
    oracle = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=40, seed=1)
    hp = kt.HyperParameters()
    hypermodel.draw(hp)
    oracle.update_space(hp)
    for i in range(40):
        values = oracle.populate_space(str(i))["values"]
        assert ("momentum" in values) == (values["optimizer"] in ("momentum", "nesterov"))
        assert ("rho" in values) == (values["optimizer"] == "rmsprop")


def test_space_overrides_fix_narrow_restrict_replace_and_extend(tiny):
    def extend(hp, config):
        config["l1"] = hp.Float("extra_l1", 1e-6, 1e-4, sampling="log")

    hypermodel = CourseHyperModel(tiny, space={
        "depth": 2, "learning_rate": (1e-4, 1e-2), "optimizer": ["adam", "nesterov"],
        "width": lambda hp: hp.Int("width", 8, 128, step=2, sampling="log")}, extend=extend)
    hp, config = _draw(hypermodel)
    space = {p.name: p for p in hp.space}
    assert isinstance(space["depth"], kt.engine.hyperparameters.Fixed) and config["depth"] == 2
    lr = space["learning_rate"]
    assert (lr.min_value, lr.max_value, lr.sampling) == (1e-4, 1e-2, "log")
    assert list(space["optimizer"].values) == ["adam", "nesterov"]
    assert (space["width"].min_value, space["width"].max_value) == (8, 128)
    assert config["l1"] == 1e-6 and "extra_l1" in space
    assert hypermodel.build(hp).count_params() > 0


@pytest.mark.parametrize("space, error, match", [
    ({"depht": 2}, ValueError, r"`space` has unknown names \['depht'\]"),
    ({"activation": ("relu", "tanh")}, ValueError, r"`space\['activation'\]` must be"),
])
def test_bad_space_is_one_sentence(tiny, space, error, match):
    with pytest.raises(error, match=match):
        _draw(CourseHyperModel(tiny, space=space))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"tuner": "grid"}, ValueError, "`tuner` must be one of"),
    ({"budget": 0}, ValueError, r"`budget` must be .*Received: budget=0"),
    ({"model": "rnn"}, ValueError, r"`model` must be one of"),
    ({"extend": 3}, TypeError, r"`extend` must be a callable"),
    ({"space": {"dropout": 1.5}}, ValueError, r"`dropout` must be in \[0, 1\)"),
    ({"space": {"activation": ["relu", "centering"]}}, ValueError, r"`activation` must be one"),
    ({"space": {"width": "wide"}}, TypeError, r"`width` must be an integer"),
])
def test_bad_arguments_fail_before_any_work(tiny, tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        recipes.tune(tiny, directory=tmp_path, **kwargs)
    assert not (tmp_path / "search").exists()


def test_schedules_match_their_formulas():
    steps, eta = 10, 0.1
    t = np.arange(0, 200, 7)
    epoch = t / steps
    inverse = decay_schedule("inverse", eta, steps_per_epoch=steps, epochs=20,
                                          decay_rate=0.3)
    exponential = decay_schedule("exponential", eta, steps_per_epoch=steps,
                                              epochs=20, decay_factor=0.9)
    step = decay_schedule("step", eta, steps_per_epoch=steps, epochs=20, lr_drop=5)
    for schedule, expected in ((inverse, eta / (1 + 0.3 * epoch)),
                               (exponential, eta * 0.9 ** epoch),
                               (step, eta / 5.0 ** np.floor(epoch / 10))):
        got = np.array([float(schedule(int(s))) for s in t])
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert decay_schedule("constant", eta, steps_per_epoch=steps, epochs=20) == eta


@pytest.fixture(scope="module")
def search(tiny, tmp_path_factory, helpers):
    directory = tmp_path_factory.mktemp("tune")
    # A deeper schedule (natural_exp_decay) in the optimizer: the export must drop it.
    space = {**helpers.TINY_SPACE, "width": 64, "optimizer": "adam",
             "learning_rate": (3e-3, 3e-2), "schedule": "exponential"}
    return recipes.tune(tiny, model="mlp", space=space, tuner="random", budget=3,
                        epochs=4, directory=directory, verbose=0)


def test_report_and_retrained_model(search, tiny):
    out = search.output_dir
    for name in ("trials.csv", "objective.png", "hyperparameters.png", "metrics.json",
                 "result.txt", "best_model.keras"):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader(open(out / "trials.csv")))
    assert [r["trial_id"] for r in rows] == ["0", "1", "2"]
    assert {"score", "status", "seconds", "learning_rate", "batch_size"} <= set(rows[0])
    best = max(float(r["score"]) for r in rows)
    assert search.best_score == pytest.approx(best, abs=1e-6)
    line = (out / "result.txt").read_text().strip()
    assert line == search.summary() and "\n" not in line
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] == search.test_metrics["accuracy"] > 0.25  # chance 0.1
    reloaded = keras.saving.load_model(out / "best_model.keras", safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(tiny.x_test, verbose=0),
                               search.model.predict(tiny.x_test, verbose=0), atol=1e-6)


def test_best_model_loads_in_plain_keras_without_deeper(search, tiny, tmp_path):
    np.save(tmp_path / "x.npy", tiny.x_test)
    code = ("import sys, keras, numpy as np; "
            f"m = keras.saving.load_model({str(search.output_dir / 'best_model.keras')!r}, "
            "safe_mode=True); "
            "assert not [n for n in sys.modules if n.startswith('deeper')]; "
            f"np.save({str(tmp_path / 'p.npy')!r}, m.predict(np.load({str(tmp_path / 'x.npy')!r}),"
            " verbose=0)); print(type(m.optimizer).__name__)")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "Adam"  # Keras's own, still trainable
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"),
                               search.model.predict(tiny.x_test, verbose=0), atol=1e-6)
    assert search.needs_deeper == [] and "needs `import deeper`" not in search.summary()


def test_a_deeper_layer_in_the_best_model_is_named(tiny):
    hp = kt.HyperParameters()
    hp.values.update(activation="scaled_tanh", schedule="inverse")
    net = CourseHyperModel(tiny, model="mlp", reuse_models=False).build(hp)
    assert tuning_export.deeper_objects(net) == ["deeper>InverseDecay", "deeper>ScaledTanh"]
    assert tuning_export.deeper_objects(tuning_export.exportable(net)) == ["deeper>ScaledTanh"]


def test_summary_shows_the_recipes_defaults_next_to_the_best(search):
    assert search.default_score == search.trials[0]["score"]
    assert f"(recipe's defaults: {search.default_score:.4f})" in search.summary()


def test_first_trial_is_the_recipes_defaults(search):
    first = search.trials[0]["values"]
    # Not fixed by the space: the recipe's batch size and standardization, no augmentation,
    # and a narrowed range keeps the recipe's default when it lies inside.
    assert first["batch_size"] == 64 and first["standardize"] == "feature"
    assert first["augment"] is False and "max_shift" not in first
    # The second: the same with augment_1d at its defaults; the third is random.
    second = search.trials[1]["values"]
    assert (second["augment"], second["max_shift"], second["augment_scale"]) == (True, 3, 0.1)
    assert {k: v for k, v in second.items() if k not in ("augment", "max_shift",
                                                          "augment_scale")} == {
        k: v for k, v in first.items() if k != "augment"}
    assert search.trials[2]["values"] not in (first, second)


def _starts(hypermodel):
    from deeper.recipes.tuning import oracles

    oracle = oracles.RandomSearchOracle(objective="val_accuracy", max_trials=3)
    oracle.hyperparameters, _ = _draw(hypermodel)
    oracle.starting_points = tuple(hypermodel.starting_points())
    return oracle.starts()


def test_starting_points_skip_what_the_space_fixes_or_lacks(tiny):
    starts = _starts(CourseHyperModel(tiny))
    assert [s["augment"] for s in starts] == [False, True]
    assert _starts(CourseHyperModel(tiny, space={"augment": False}))[0]["augment"] is False
    assert len(_starts(CourseHyperModel(tiny, space={"augment": False}))) == 1
    from deeper.components import data

    rng = np.random.default_rng(0)
    images = data.from_arrays(rng.normal(size=(60, 8, 8, 1)).astype("float32"),
                              np.arange(60) % 3, val_fraction=0.25)
    starts = _starts(CourseHyperModel(images))  # no augment_1d for images
    assert len(starts) == 1 and "augment" not in starts[0]


@pytest.mark.slow  # ~30 s: a whole Hyperband bracket
def test_hyperband_plan_states_the_epochs_it_trains(tmp_path, helpers, capsys):
    result = helpers.tiny_search(tmp_path, 4, tuner="hyperband", epochs=3)
    plan = capsys.readouterr().out.splitlines()[0]
    trained = sum(len(r["epoch_seconds"]) for r in result.trials)
    assert (len(result.trials), trained) == (4, 5)  # 3 one-epoch trials, one continued to 3
    assert plan.startswith("hyperband search: at most 4 trials training 5 epochs in all")
    assert "one Hyperband iteration is 6 trials, 11 epochs" in plan


def test_resume_finished_search_runs_nothing(search, tiny, capsys, helpers):
    space = {**helpers.TINY_SPACE, "width": 64, "optimizer": "adam",
             "learning_rate": (3e-3, 3e-2), "schedule": "exponential"}
    again = recipes.tune(tiny, model="mlp", space=space, tuner="random", budget=3, epochs=4,
                         directory=search.output_dir.parent, retrain=False)
    assert [r["trial_id"] for r in again.trials] == ["0", "1", "2"]
    assert again.best_score == search.best_score
    assert not [x for x in capsys.readouterr().out.splitlines() if x.startswith("trial ")]


@pytest.mark.slow  # ~40 s: a TensorFlow process and a small Hyperband search
def test_cli_tune_prints_a_line_per_trial_and_the_result(tmp_path, run_deeper):
    result = run_deeper(
        "tune", "--data", "digits", "--model", "mlp", "--tuner", "hyperband", "--budget", "5",
        "--epochs", "3", "--set", "depth=1", "--set", "width=16:64",
        "--set", "optimizer=adam,nesterov", "--out", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    trials = [x for x in lines if x.startswith("trial ")]
    assert len(trials) == 5 and all("depth=1" in x for x in trials)
    assert lines[-1].startswith("5 trials (") and "test accuracy" in lines[-1]
    assert (tmp_path / "search" / "best_model.keras").exists()


def test_cli_bad_setting_is_one_line(run_deeper):
    result = run_deeper("tune", "--set", "depth", timeout=120)
    assert result.returncode == 2
    assert "expected name=value, name=low:high or name=a,b,c, got 'depth'" in result.stderr


@pytest.mark.slow  # ~3 min on 2 shared cores
def test_small_search_beats_the_default_recipe_on_validation(tmp_path):
    from deeper.components import data

    ds = data.load("mnist1d")
    epochs = 8
    default = recipes.train_classifier(ds, epochs=epochs, early_stopping=None, seed=0)
    default_val = max(default.history["val_accuracy"])
    # The course's advice: keep the architecture, tune the optimization first (learning
    # rate on a log scale, batch size, schedule) and the regularization amounts.
    space = {"depth": 4, "activation": "relu", "batch_norm": True, "optimizer": "nesterov",
             "regularizer": "l2", "width": [32, 64], "learning_rate": (0.02, 0.2),
             "batch_size": [32, 64, 128], "schedule": ["step", "exponential", "inverse"],
             "l2": (1e-5, 1e-3)}
    found = recipes.tune(ds, tuner="random", budget=6, epochs=epochs, retrain=False,
                         space=space, directory=tmp_path, verbose=0)
    assert math.isfinite(found.best_score)
    assert found.best_score >= default_val, (found.best_score, default_val)


@pytest.mark.slow  # 77 s measured while the machine was loaded (3 tiny trials)
def test_bayesian_search_runs_and_reports(tmp_path, helpers):
    result = helpers.tiny_search(tmp_path, 3, tuner="bayesian", epochs=1, verbose=0)
    assert [r["status"] for r in result.trials] == ["COMPLETED"] * 3
    assert result.best_score == max(r["score"] for r in result.trials)
    assert (result.output_dir / "trials.csv").exists()


def test_stepped_floats_reach_their_top_value(tiny):
    # KerasTuner's grid drops the top of Float(0, 0.5, step=0.1): 0.5 // 0.1 == 4.0.
    hp, _ = _draw(CourseHyperModel(tiny))
    space = {p.name: p for p in hp.space}
    for name, top in (("dropout", 0.5), ("augment_scale", 0.3)):
        drawn = {round(space[name].random_sample(seed=s), 6) for s in range(400)}
        assert max(drawn) == top and len(drawn) == round(top / space[name].step) + 1
    narrowed, _ = _draw(CourseHyperModel(tiny, space={"dropout": (0.1, 0.3)}))
    values = {round(p.random_sample(seed=s), 6) for p in narrowed.space
              if p.name == "dropout" for s in range(200)}
    assert values == {0.1, 0.2, 0.3}
