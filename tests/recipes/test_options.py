"""The declared options: one check per mistake everywhere, and the command line refusing
bad values before TensorFlow or Keras is imported."""

import math

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import initializers, layers, optimizers, registry
from deeper.recipes import options
from deeper.recipes.options import declared
from deeper.recipes.shared import models
from deeper.recipes.shared.progress import fit_verbosity
from deeper.recipes.shared.schedule import decay_schedule

# Every subcommand, one bad value each: the message the user reads.
CLI_ERRORS = [
    (["train", "--epochs", "-1"], "`epochs` must be an integer in [1, inf). Received: epochs=-1"),
    (["train", "--dropout", "1"], "`dropout` must be in [0, 1). Received: dropout=1.0"),
    (["train", "--batch-norm", "maybe"], "`batch_norm` must be True or False. "
                                         "Received: batch_norm='maybe' (of type str)"),
    (["train", "--schedule", "cosin"], "`schedule` must be one of 'constant', 'step', "
                                       "'inverse', 'exponential', 'cosine'."),
    (["train", "--learning-rate", "fast"], "`learning_rate` must be a number or 'find'. "
                                           "Received: learning_rate='fast'"),
    (["train", "--optimizer", "newton"], "train with recipes.fit_full_batch(model, dataset, "
                                         "method='newton')"),
    (["train", "--val-fraction", "1.5"], "`val_fraction` must be in (0, 1)"),
    (["babysit", "--max-ratio", "0.5"], "`max_ratio` must be in (1, inf). Received: max_ratio=0.5"),
    (["lr-find", "--steps", "1"], "`num_steps` must be an integer in [2, inf)."),
    (["lr-find", "--search-epochs", "0"], "`epochs` must be an integer in [1, inf)."),
    (["tune", "--budget", "0"], "`budget` must be an integer in [1, inf). Received: budget=0"),
    (["tune", "--set", "dropout=2"], "`dropout` must be in [0, 1). Received: dropout=2"),
    (["compare-optimizers", "--steps", "0"], "`steps` must be an integer in [1, inf)."),
]


@pytest.mark.parametrize("args, expected", CLI_ERRORS)
def test_cli_value_errors_never_import_tensorflow_or_keras(args, expected, run_python):
    result = run_python(f"""
        import sys
        from deeper.recipes.cli import main
        code = main({args!r})
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        sys.exit(code)
    """, block_frameworks=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deeper {args[0]}: error: "), lines
    assert expected in lines[0]


def test_help_and_version_answer_without_the_frameworks(run_python):
    result = run_python("""
        from deeper.recipes.cli import main
        for argv in (["--help"], ["--version"], ["train", "--help"], ["tune", "--help"]):
            try:
                main(argv)
            except SystemExit as done:
                assert done.code == 0, argv
        import deeper
        print(deeper.__version__)
    """, block_frameworks=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == recipes.__version__


def test_name_errors_list_only_the_names_of_that_argument():
    with pytest.raises(ValueError) as info:
        declared.TRAIN["activation"].check("relux")
    assert "centering" not in str(info.value) and "pca_whitening" not in str(info.value)
    assert "'scaled_tanh'" in str(info.value)


def test_declared_names_are_the_names_get_resolves():
    for name in declared.ACTIVATIONS:
        assert models.activation_layer(name, None) is not None
    preprocessing = {"centering", "pca_whitening", "hierarchical_softmax", "rbf"}  # not units
    for entry in registry.entries("layers"):
        assert (entry.name in declared.ACTIVATIONS) != (entry.name in preprocessing), entry.name
    for name in declared.INITIALIZERS:
        assert isinstance(initializers.get(name), keras.initializers.Initializer), name
    for name in declared.OPTIMIZERS:
        assert isinstance(optimizers.get(name, learning_rate=0.01), keras.optimizers.Optimizer)
    full_batch = {name for name, _ in declared.FULL_BATCH}
    # wrappers of another optimizer, and the learned optimizer (its rate is a multiplier of
    # a meta-trained step: the recipe's learning-rate defaults do not apply)
    needs_arguments = {"proximal_l1", "per_weight_learning_rates", "learned_lstm"}
    for entry in registry.entries("optimizers"):
        assert entry.name in {*declared.OPTIMIZERS, *full_batch, *needs_arguments}, entry.name


@pytest.mark.parametrize("table", [declared.TRAIN, declared.BABYSIT, declared.LR_FIND,
                                   declared.LR_SEARCH, declared.TUNE, declared.COMPARE,
                                   declared.DATA])
def test_every_default_passes_its_own_check(table):
    assert options.validate(table, {}) == options.defaults(table)


@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, "`width` must be an integer in [1, inf). Received: width=0"),
    ("wide", TypeError, "`width` must be an integer. Received: width='wide' (of type str)"),
])
def test_one_mistake_one_error_in_every_recipe(digits, value, error, message, tmp_path):
    calls = [
        lambda: recipes.train_classifier(digits, model="mlp", width=value, epochs=1),
        lambda: recipes.babysit({"model": "mlp", "width": value}, digits),
        lambda: recipes.lr_find(digits, width=value),
        lambda: recipes.lr_search(digits, width=value),
        lambda: recipes.tune(digits, space={"width": value}, directory=tmp_path),
        lambda: models.build_mlp(digits.x_train, 10, width=value),
    ]
    for call in calls:
        with pytest.raises(error) as info:
            call()
        assert message in str(info.value)


def test_unknown_options_are_type_errors_naming_the_option(digits):
    with pytest.raises(TypeError, match=r"train_classifier\(\) got an unexpected option 'epoch'"):
        recipes.train_classifier(digits, epoch=3)
    with pytest.raises(TypeError, match=r"babysit\(\) got an unexpected option 'epochs'"):
        recipes.babysit({"model": "mlp", "epochs": 3}, digits)
    with pytest.raises(TypeError, match=r"lr_find\(\) got an unexpected option 'lr'"):
        recipes.lr_find(digits, lr=3)


def test_signatures_come_from_the_declaration():
    import inspect

    params = inspect.signature(recipes.train_classifier).parameters
    assert params["epochs"].default == 40 and params["optimizer"].default == "nesterov"
    assert inspect.signature(recipes.lr_find).parameters["model"].default == "mlp"
    assert "Options (declared" in recipes.babysit.__doc__


def test_cosine_schedule_with_warm_up_is_kerass_formula():
    steps, epochs, warmup, eta = 10, 8, 2, 0.1
    schedule = decay_schedule("cosine", eta, steps_per_epoch=steps, epochs=epochs,
                              warmup_epochs=warmup)
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    t = np.arange(0, epochs * steps + 1)
    w, d = warmup * steps, (epochs - warmup) * steps
    expected = np.where(t < w, eta * t / w,
                        eta * 0.5 * (1 + np.cos(math.pi * np.clip(t - w, 0, d) / d)))
    np.testing.assert_allclose([float(schedule(int(s))) for s in t], expected, atol=1e-7)


def test_activation_layers_follow_the_mixed_precision_policy(digits):
    policy = keras.DTypePolicy("mixed_bfloat16")
    for activation in ("relu", "scaled_tanh", "tanh"):
        net = models.build_mlp(digits.x_train, 10, width=8, activation=activation, dtype=policy)
        hidden = [la for la in net.layers if la.name not in ("inputs", "probabilities")
                  and not isinstance(la, (keras.layers.Normalization, keras.layers.InputLayer))
                  and la.name != "logits"]
        assert hidden and all(la.compute_dtype == "bfloat16" for la in hidden), [
            (la.name, la.compute_dtype) for la in hidden]
    assert layers.get("relu").compute_dtype == "float32"  # the registry's own is unchanged


def test_auto_verbosity_is_plain_when_stdout_is_not_a_terminal(capsys):
    assert fit_verbosity("auto") == 2  # pytest captures stdout: not a terminal
    assert fit_verbosity(0) == 0
