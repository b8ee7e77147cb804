"""`babysit` end to end: every check FAILs on a model with the defect it exists to catch,
and a healthy model PASSes them all (real training on the digits data, no mocks)."""

import dataclasses
import json
import math

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.recipes.babysitting.report import CHECKS

FAST = {"overfit_steps": 80, "probe_size": 128}


@keras.saving.register_keras_serializable(package="tests_babysit")
class NaiveLog(keras.layers.Layer):
    """log(x) of pre-activations, half of which are negative: NaN."""

    def call(self, x):
        return keras.ops.log(x)


def mlp(ds, *, hidden=(64, 64), activation="relu", init="he_normal", bias=0.0, l2=1e-4,
        dropout=0.1, extra=None, seed=0, standardize=True, output_activation="softmax"):
    """A small functional MLP on standardized digits, softmax output."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(ds.input_shape)
    mean, var = ds.x_train.mean(axis=0), ds.x_train.var(axis=0)
    h = keras.layers.Normalization(mean=mean, variance=np.where(var > 0, var, 1.0))(
        inputs) if standardize else inputs
    for i, units in enumerate(hidden):
        h = keras.layers.Dense(units, kernel_initializer=init,
                               bias_initializer=keras.initializers.Constant(bias),
                               kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
                               name=f"hidden{i}")(h)
        h = extra()(h) if (extra is not None and i == 0) else keras.layers.Activation(
            activation)(h)
        if dropout:
            h = keras.layers.Dropout(dropout, seed=seed)(h)
    outputs = keras.layers.Dense(ds.num_classes, activation=output_activation,
                                 kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
                                 name="output")(h)
    return keras.Model(inputs, outputs, name="mlp")


def statuses(report):
    return {check.name: check.status for check in report.checks}


def test_healthy_model_passes_every_check(digits, tmp_path):
    report = recipes.babysit(mlp(digits), digits, output_dir=tmp_path, **FAST)
    assert statuses(report) == dict.fromkeys(CHECKS, "PASS"), str(report)
    assert report.passed and report.failed == []
    first = report["first_loss"].measured
    assert first["expected"] == pytest.approx(math.log(10))  # C = 10 digit classes
    assert report["overfit_subset"].measured["accuracy"] == 1.0
    assert report["regularization"].measured["loss_on"] > report["regularization"].measured[
        "loss_off"]
    assert report["gradient_check"].measured["dtype"] == "float64"
    # The table, the JSON and the files say the same.
    table = report.table()
    assert all(f"PASS    {name}" in table for name in CHECKS)
    saved = json.loads((tmp_path / "babysit.json").read_text())
    assert saved == json.loads(report.to_json())
    assert saved["passed"] is True and len(saved["checks"]) == 6
    assert json.loads((tmp_path / "metrics.json").read_text())["checks"]["first_loss"] == "PASS"
    assert (tmp_path / "signal_variance.png").stat().st_size > 0


def test_a_healthy_sequential_mlp_passes_saved_and_reloaded(digits, tmp_path):
    """Sequential models rebuilt from their config once got zero gradients from
    signal_variance (a stale graph): the reloaded model must pass like the original."""
    keras.utils.set_random_seed(0)
    mean, var = digits.x_train.mean(axis=0), digits.x_train.var(axis=0)
    model = keras.Sequential([
        keras.Input(digits.input_shape),
        keras.layers.Normalization(mean=mean, variance=np.where(var > 0, var, 1.0)),
        keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal",
                           kernel_regularizer=keras.regularizers.L2(1e-4)),
        keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal",
                           kernel_regularizer=keras.regularizers.L2(1e-4)),
        keras.layers.Dense(digits.num_classes, activation="softmax")])
    model.save(tmp_path / "mlp.keras")
    reloaded = keras.saving.load_model(tmp_path / "mlp.keras", safe_mode=True)
    for net in (model, reloaded):
        report = recipes.babysit(net, digits, verbose=0, **FAST)
        assert statuses(report) == dict.fromkeys(CHECKS, "PASS"), str(report)


def test_the_model_passed_in_is_left_untouched(digits):
    model = mlp(digits)
    before = [w.copy() for w in model.get_weights()]
    recipes.babysit(model, digits, **FAST)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_output_layer_100x_too_large_fails_first_loss(digits):
    model = mlp(digits)
    kernel, bias = model.get_layer("output").get_weights()
    model.get_layer("output").set_weights([100 * kernel, bias])
    check = recipes.babysit(model, digits, **FAST)["first_loss"]
    assert check.status == "FAIL"
    # Far above chance on every backend: TensorFlow's cross-entropy reads a softmax's logits
    # (unbounded), JAX's clips the probabilities at 1e-7 (at most -log(1e-7) = 16.1).
    assert check.measured["loss"] > 5 * math.log(10)
    assert "too large" in check.advice


def test_unstandardized_inputs_are_named_as_the_cause_of_a_high_first_loss(digits):
    # Raw digit pixels (0..16, a feature's mean up to 12) into He-initialized ReLU layers.
    check = recipes.babysit(mlp(digits, standardize=False), digits, **FAST)["first_loss"]
    assert check.status == "FAIL"
    assert check.measured["input_mean_abs_max"] > 10
    assert check.advice.startswith("the inputs are not standardized")
    # The same model standardized passes: the inputs were the cause.
    assert recipes.babysit(mlp(digits), digits, **FAST)["first_loss"].status == "PASS"


def test_a_compiled_model_is_checked_on_its_compiled_loss(digits):
    model = mlp(digits, output_activation=None)  # logits
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    report = recipes.babysit(model, digits, **FAST)
    assert report["first_loss"].status == "PASS", str(report)
    assert report["overfit_subset"].status == "PASS", str(report)


def test_each_check_prints_a_progress_line_unless_verbose_is_0(digits, capsys):
    recipes.babysit(mlp(digits), digits, **FAST)
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("babysit [")]
    assert len(lines) == 6 and lines[-1].startswith("babysit [6/6] ")
    recipes.babysit(mlp(digits), digits, verbose=0, **FAST)
    assert capsys.readouterr().out == ""


def test_dead_relus_from_a_large_negative_bias_fail_overfit_subset(digits):
    report = recipes.babysit(mlp(digits, bias=-20.0), digits, **FAST)
    check = report["overfit_subset"]
    assert check.status == "FAIL"
    assert check.measured["accuracy"] < 0.5
    assert report["signal_variance"].status == "FAIL"  # activations exactly 0
    assert "dead" in report["signal_variance"].advice


def test_regularization_too_strong_to_fit_the_subset_fails_regularization(digits):
    report = recipes.babysit(mlp(digits, l2=3.0), digits, **FAST)
    assert report["overfit_subset"].status == "PASS"  # regularization off: it fits
    check = report["regularization"]
    assert check.status == "FAIL"
    assert check.measured["accuracy_on"] < 0.8
    assert "too strong" in check.advice


def test_wrong_custom_gradient_fails_gradient_check(digits, helper_module):
    wrong_tanh = helper_module("planted_layers.py").WrongTanh  # on every backend
    report = recipes.babysit(mlp(digits, extra=wrong_tanh), digits, **FAST)
    check = report["gradient_check"]
    assert check.status == "FAIL"
    assert check.measured["max_relative_error"] > 1e-2
    # Only the layers below the broken backward pass get wrong gradients.
    errors = check.measured["errors"]
    assert errors["hidden0"] > 1e-2 and errors["output"] < 1e-4
    assert "'hidden0'" in check.advice


def test_sigmoid_stack_with_tiny_weights_fails_signal_variance(digits):
    model = mlp(digits, hidden=(64,) * 6, activation="sigmoid", dropout=0.0,
                init=keras.initializers.RandomNormal(stddev=0.01, seed=0))
    check = recipes.babysit(model, digits, **FAST)["signal_variance"]
    assert check.status == "FAIL"
    assert check.measured["activation_ratio"] > 1e6 and check.measured["gradient_ratio"] > 1e6
    assert "activations vanish" in check.advice and "gradients vanish" in check.advice


def test_nan_in_the_data_fails_finite_values(digits):
    x = digits.x_train.copy()
    x[17, 3] = np.nan
    bad = dataclasses.replace(digits, x_train=x)  # data.from_arrays would refuse it
    check = recipes.babysit(mlp(digits), bad, **FAST)["finite_values"]
    assert check.status == "FAIL"
    assert check.measured == {"where": "data", "array": "x_train", "nonfinite": 1,
                              "first_example": 17}
    # Raw (x, y) arrays are accepted as they are, NaN included.
    check = recipes.babysit(mlp(digits), (x, digits.y_train), **FAST)["finite_values"]
    assert check.status == "FAIL" and check.measured["array"] == "x"


def test_a_layer_producing_nan_is_named(digits):
    model = mlp(digits, extra=lambda: NaiveLog(name="log"))
    report = recipes.babysit(model, digits, **FAST)
    check = report["finite_values"]
    assert check.status == "FAIL"
    assert check.measured["where"] == "output" and check.measured["layer"] == "log"


def test_a_model_without_regularization_skips_that_check(digits):
    report = recipes.babysit(mlp(digits, l2=0, dropout=0), digits, **FAST)
    assert report["regularization"].status == "SKIP"
    assert report.passed and "skipped" in report.summary()


def test_recipe_options_build_the_recipe_model(digits):
    report = recipes.babysit({"model": "mlp", "width": 32, "l2": 1e-4}, digits, **FAST)
    assert report.model == "mlp" and report.passed, str(report)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subset": 5000}, "`subset` must be an integer in [1, 1293]. Received: subset=5000"),
        ({"subset": 0}, "`subset` must be an integer in [1, inf). Received: subset=0"),
        ({"gradient_threshold": -1}, "`gradient_threshold` must be in (0, inf). "
                                     "Received: gradient_threshold=-1"),
        ({"epsilon": 0}, "`epsilon` must be in (0, inf). Received: epsilon=0"),
        ({"max_ratio": 0.5}, "`max_ratio` must be in (1, inf). Received: max_ratio=0.5"),
        ({"first_loss_tolerance": 0}, "`first_loss_tolerance` must be in (0, inf)."),
    ],
)
def test_invalid_arguments_are_one_sentence(digits, kwargs, message):
    with pytest.raises(ValueError) as info:
        recipes.babysit("mlp", digits, **kwargs)
    assert message in str(info.value)


def test_wrong_model_or_data_are_rejected(digits):
    with pytest.raises(TypeError, match=r"babysit\(\) got an unexpected option 'epochs'; its "
                                        r"options are model, width"):
        recipes.babysit({"model": "mlp", "epochs": 3}, digits)
    with pytest.raises(TypeError, match="`dataset` must be a deeper.components.data.Dataset"):
        recipes.babysit("mlp", digits.x_train)
    three = keras.Sequential([keras.Input((64,)), keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(ValueError, match=r"one value per class \(10\)"):
        recipes.babysit(three, digits)


# The command line, run as a user runs it ----------------------------------------------------


@pytest.fixture
def deeper(run_deeper):
    return lambda *args: run_deeper("babysit", *args)


def test_cli_prints_the_table_writes_the_report_and_ends_with_the_result(tmp_path, deeper):
    result = deeper("--data", "mnist1d", "--model", "mlp", "--width", "32",
                    "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("babysit: all 6 checks passed")
    assert sum(line.startswith("PASS ") for line in lines) == 6
    saved = json.loads((tmp_path / "babysit.json").read_text())
    assert saved["passed"] is True and saved["summary"] == lines[-1]
    assert json.loads((tmp_path / "metrics.json").read_text())["passed"] is True


def test_cli_exit_status_1_names_the_failed_check(tmp_path, deeper):
    result = deeper("--data", "mnist1d", "--model", "mlp", "--width", "32", "--l2", "3",
                    "--out", str(tmp_path))
    assert result.returncode == 1
    assert "FAIL    regularization" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith(
        "babysit: 1 of 6 checks FAILED (regularization)")


@pytest.mark.parametrize("args, expected", [
    (["--subset", "5000"], "`subset` must be an integer in [1, 3600]. Received: subset=5000"),
    (["--epsilon", "0"], "`epsilon` must be in (0, inf). Received: epsilon=0.0"),
])
def test_cli_bad_arguments_end_in_one_clear_line(tmp_path, args, expected, deeper):
    result = deeper("--data", "mnist1d", "--out", str(tmp_path), *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"deeper babysit: error: {expected}"


def test_cli_help_explains_each_option(deeper):
    result = deeper("--help")
    assert result.returncode == 0
    for option in ("--data", "--model", "--subset", "--overfit-steps", "--gradient-threshold",
                   "--epsilon", "--max-ratio", "--out"):
        assert option in result.stdout
