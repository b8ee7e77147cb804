"""`recipes.lr_find`, `recipes.lr_search` and `deeper lr-find`, trained for real on small data."""

import json

import pytest

from deeper import recipes

SMALL = {"width": 32, "dropout": 0.0}


def test_lr_find_suggests_a_rate_that_trains(digits, tmp_path):
    found = recipes.lr_find(digits, model="mlp", optimizer="nesterov", min_lr=1e-5,
                            max_lr=100.0, num_steps=100, output_dir=tmp_path, **SMALL)
    assert found.diverged  # rates up to 100 blow the loss up
    assert 1e-4 < found.suggested_learning_rate < 1.0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["suggested_learning_rate"] == found.suggested_learning_rate
    assert (tmp_path / "lr_find.png").read_bytes()[:4] == b"\x89PNG"
    good = recipes.train_classifier(digits, model="mlp", epochs=4, lr_drop=1.0,
                                    learning_rate=found.suggested_learning_rate, **SMALL)
    bad = recipes.train_classifier(digits, model="mlp", learning_rate=1e-5, epochs=4,
                                   lr_drop=1.0, **SMALL)
    assert good.test_metrics["accuracy"] > 0.85 > bad.test_metrics["accuracy"]


def test_lr_find_uses_a_compiled_models_own_loss(digits):
    import keras

    model = keras.Sequential([keras.Input((64,)), keras.layers.Normalization(
        mean=digits.x_train.mean(0), variance=digits.x_train.var(0) + 1e-3),
        keras.layers.Dense(10)])  # logits
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    found = recipes.lr_find(digits, model=model, optimizer="sgd", num_steps=40, verbose=0)
    assert found.losses[0] == pytest.approx(2.3, abs=1.0)  # log(10): the logits' own loss
    assert found.config["model"] == model.name


def test_lr_search_small(digits, capsys):
    result = recipes.lr_search(digits, model="mlp", rates=(1e-1, 1e-5), fine_points=1,
                               subset=300, epochs=2, **SMALL)
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("lr_search ")]
    assert [x.split(" trial")[0] for x in lines] == [
        "lr_search coarse", "lr_search coarse", "lr_search fine"]
    assert [t["stage"] for t in result.trials] == ["coarse", "coarse", "fine"]
    coarse = {t["learning_rate"]: t["val_loss"] for t in result.trials[:2]}
    assert coarse[1e-1] < coarse[1e-5]  # 1e-5 learns nothing in 2 epochs
    # one fine point: above the best, at the midpoint to the grid's next step up (1e3)
    assert result.trials[2]["learning_rate"] == pytest.approx(10.0)
    assert result.config["subset_size"] == 300


@pytest.mark.slow
def test_lr_search_coarse_then_fine(digits, tmp_path):
    result = recipes.lr_search(digits, model="mlp", rates=(1.0, 1e-1, 1e-2, 1e-5), fine_points=2,
                               subset=0.5, epochs=3, output_dir=tmp_path, **SMALL)
    coarse = [t for t in result.trials if t["stage"] == "coarse"]
    fine = [t for t in result.trials if t["stage"] == "fine"]
    assert [t["learning_rate"] for t in coarse] == [1.0, 1e-1, 1e-2, 1e-5]
    best_coarse = min(coarse, key=lambda t: t["val_loss"])["learning_rate"]
    assert best_coarse in (1e-1, 1e-2)  # 1e-5 learns nothing in 3 epochs
    assert len(fine) == 2
    assert [t["learning_rate"] for t in fine] == pytest.approx(
        [best_coarse / 10 ** 0.5, best_coarse * 10 ** 0.5])
    best = min(result.trials, key=lambda t: t["val_loss"])
    assert result.best_learning_rate == best["learning_rate"] and best["val_accuracy"] > 0.8
    assert result.config["subset_size"] == round(0.5 * len(digits.x_train))
    assert (tmp_path / "lr_search.png").exists()
    assert "best learning rate" in result.summary() and "| fine |" in result.table()


def test_lr_search_rejects_bad_arguments(digits):
    with pytest.raises(ValueError, match="`rates` must"):
        recipes.lr_search(digits, rates=(0.1,))
    with pytest.raises(ValueError, match="`rates` must be in"):
        recipes.lr_search(digits, rates=(0.1, -1.0))
    with pytest.raises(ValueError, match="`metric` must"):
        recipes.lr_search(digits, metric="loss")
    with pytest.raises(TypeError, match="`learning_rate` is set by lr_search"):
        recipes.lr_search(digits, learning_rate=0.1)


def test_cli_lr_find_writes_metrics_and_plot_and_ends_with_the_rate(tmp_path, run_deeper):
    done = run_deeper(
        "lr-find", "--data", "digits", "--width", "32",
        "--steps", "60", "--min-lr", "1e-4", "--max-lr", "10", "--quiet", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert last.startswith("suggested learning rate ")
    assert f"{metrics['suggested_learning_rate']:.3g}" in last
    assert (tmp_path / "lr_find.png").exists()


def test_cli_lr_find_bad_argument_is_one_sentence(tmp_path, capsys):
    from deeper.recipes.cli import main

    assert main(["lr-find", "--data", "digits", "--steps", "1", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "deeper lr-find: error: `num_steps` must be an integer in [2, inf). Received: num_steps=1")


@pytest.mark.parametrize("recipe", ["babysit", "lr_find", "lr_search"])
def test_an_output_dir_holding_something_is_refused_before_any_work(recipe, digits, tmp_path):
    (tmp_path / "notes.txt").write_text("an earlier run")
    call = {"babysit": lambda **kw: recipes.babysit("mlp", digits, **kw),
            "lr_find": lambda **kw: recipes.lr_find(digits, num_steps=20, **kw),
            "lr_search": lambda **kw: recipes.lr_search(digits, rates=(1e-1, 1e-2),
                                                        fine_points=0, epochs=1, **kw)}[recipe]
    with pytest.raises(FileExistsError, match=r"already holds a run \(1 entries\): pass "
                                              r"overwrite=True \(--overwrite\) to replace it"):
        call(output_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    with pytest.raises(TypeError, match="`overwrite` must be"):
        call(output_dir=tmp_path, overwrite="yes")


def test_lr_find_overwrite_replaces_what_output_dir_holds(digits, tmp_path):
    (tmp_path / "notes.txt").write_text("an earlier run")
    recipes.lr_find(digits, num_steps=20, output_dir=tmp_path, overwrite=True, verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr_find.png", "metrics.json"]
