"""The registry and the argument checks that every component relies on."""

import keras
import pytest

from deeper.components import layers, optimizers, registry, schedules
from deeper.components.validation import check_bool, check_choice, check_number, interval


def test_message_shape_of_design_md():
    with pytest.raises(ValueError) as info:
        check_number("momentum", 1.5, low=0, high=1, high_open=True)
    assert str(info.value) == "`momentum` must be in [0, 1). Received: momentum=1.5"


@pytest.mark.parametrize(
    "kwargs, value, error, text",
    [
        ({"low": 0, "low_open": True}, 0.0, ValueError, "`x` must be in (0, inf). Received: x=0.0"),
        ({"low": 1, "integer": True}, 0, ValueError, "`x` must be an integer in [1, inf)."),
        ({"low": 1, "integer": True}, 2.5, TypeError, "`x` must be an integer in [1, inf)."),
        ({}, float("nan"), ValueError, "Received: x=nan"),
        ({}, float("inf"), ValueError, "Received: x=inf"),
        ({}, "3", TypeError, "`x` must be a number. Received: x='3' (of type str)"),
        ({}, True, TypeError, "(of type bool)"),
        ({}, None, TypeError, "`x` must be a number."),
    ],
)
def test_check_number_rejects(kwargs, value, error, text):
    with pytest.raises(error) as info:
        check_number("x", value, **kwargs)
    assert text in str(info.value)


def test_check_number_accepts_and_normalizes():
    assert check_number("x", 3, low=1, integer=True) == 3
    assert check_number("x", 4.0, integer=True) == 4
    assert isinstance(check_number("x", 1), float)
    assert check_number("x", None, allow_none=True) is None
    assert interval(0, 1, high_open=True) == "[0, 1)"
    assert interval(None, 2) == "(-inf, 2]"


def test_check_choice_and_bool():
    with pytest.raises(ValueError, match=r"`model` must be one of 'mlp', 'cnn' or a callable\. "
                                         r"Received: model='rnn'"):
        check_choice("model", "rnn", ["mlp", "cnn"], allow_callable=True)
    assert check_choice("model", len, ["mlp"], allow_callable=True) is len
    with pytest.raises(TypeError, match=r"`zca` must be True or False\. Received: zca='yes'"):
        check_bool("zca", "yes")


def test_get_resolves_deeper_names_with_defaults_then_keras_names():
    nesterov = optimizers.get("nesterov", learning_rate=0.05)
    assert isinstance(nesterov, keras.optimizers.SGD)
    assert nesterov.nesterov and float(nesterov.momentum) == pytest.approx(0.9)
    assert float(nesterov.learning_rate) == pytest.approx(0.05)
    assert isinstance(optimizers.get("adamw"), keras.optimizers.AdamW)  # Keras's own
    assert isinstance(optimizers.get("nadam", learning_rate=0.1), keras.optimizers.Nadam)
    assert layers.get("gelu") is keras.activations.gelu  # a Keras activation we do not rename
    assert isinstance(layers.get("relu"), keras.layers.ReLU)  # the course's name: Keras's layer
    assert "pca_whitening" in layers.names() and "centering" in layers.names()
    opt = keras.optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match=r"`identifier` must be a `deeper` optimizer name "
                                         r".*'nesterov'.*Received: identifier='nesterof'"):
        optimizers.get("nesterof")
    with pytest.raises(ValueError, match=r"`kind` must be one of"):
        registry.get("metrics", "x")


def test_register_adds_keras_serialization_and_the_string_name():
    entry = next(e for e in registry.entries("layers") if e.name == "pca_whitening")
    assert keras.saving.get_registered_name(entry.obj) == "deeper>PCAWhitening"
    with pytest.raises(ValueError, match="already registered"):
        registry.add("layers", "pca_whitening", keras.layers.Dense)


def test_step_decay_is_kerass_staircase_exponential_decay():
    lr = schedules.step_decay(0.1, drop=10, every_epochs=3, steps_per_epoch=50)
    assert isinstance(lr, keras.optimizers.schedules.ExponentialDecay)
    for step in (0, 149, 150, 299, 300, 451):
        assert float(lr(step)) == pytest.approx(0.1 / 10 ** (step // 150), rel=1e-6)
    with pytest.raises(ValueError, match=r"`drop` must be in \[1, inf\)\. Received: drop=0.5"):
        schedules.step_decay(0.1, drop=0.5, steps_per_epoch=10)


def test_recipe_default_initialization_matches_the_activation():
    from deeper.recipes import models

    assert models.default_init("relu") == "he_normal"
    assert models.default_init("tanh") == "glorot_uniform"
    assert models.default_init("selu") == "lecun_normal"
