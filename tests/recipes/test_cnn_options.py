"""The CNN's kernel size and pooling: declared options, the same default model as before,
each value trains, and one sentence for a wrong one."""

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import data
from deeper.recipes.options import declared
from deeper.recipes.shared import models


def _convolutions(net):
    return [(la.kernel_size, la.strides, la.filters) for la in net.layers
            if isinstance(la, keras.layers.Conv1D | keras.layers.Conv2D)]


def _images(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return data.from_arrays(rng.normal(size=(n, 8, 8, 1)).astype("float32"),
                            rng.integers(0, 3, size=n), val_fraction=0.25, seed=seed)


def test_the_default_cnn_is_the_recipes_model_of_before(digits):
    net = models.build("cnn", digits.x_train, digits.num_classes, seed=0)
    # Recorded with the builder before kernel_size and pooling existed (commit ea71832):
    # kernels 5, 3, 3, 3; stride 2 in every second block; no pooling layer; 32682 weights.
    assert _convolutions(net) == [((5,), (1,), 32), ((3,), (2,), 32), ((3,), (1,), 64),
                                  ((3,), (2,), 64)]
    assert net.count_params() == 32682
    assert [type(la).__name__ for la in net.layers] == [
        "InputLayer", "Normalization", "Reshape",
        *["Conv1D", "BatchNormalization", "ReLU"] * 4, "Flatten", "Dropout", "Dense",
        "Activation"]
    keras.backend.clear_session()  # the same layer names
    keras.utils.set_random_seed(0)
    default = models.build("cnn", digits.x_train, digits.num_classes, seed=0)
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    explicit = models.build("cnn", digits.x_train, digits.num_classes, seed=0, kernel_size=3,
                            pooling="stride")
    assert default.get_config() == explicit.get_config()
    for a, b in zip(default.get_weights(), explicit.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_options_are_declared_once_and_in_the_signatures():
    import inspect

    assert declared.MODEL["kernel_size"].default == 3
    assert declared.MODEL["pooling"].choices == ("stride", "max", "average")
    params = inspect.signature(recipes.train_classifier).parameters
    assert params["kernel_size"].default == 3 and params["pooling"].default == "stride"
    assert "kernel_size:" in recipes.train_classifier.__doc__


def _pooling_layers(net):
    return [type(la).__name__ for la in net.layers if "Pooling" in type(la).__name__]


@pytest.mark.parametrize("options, kernels, pooling_layers", [
    ({"kernel_size": 7}, [9, 7], []),
    ({"pooling": "max"}, [5, 3], ["MaxPooling1D"]),
    ({"pooling": "average", "kernel_size": 1}, [3, 1], ["AveragePooling1D"]),
])
def test_each_value_builds_and_trains_one_tiny_epoch(digits, options, kernels, pooling_layers):
    x, y = digits.x_train[:64], digits.y_train[:64]
    net = models.build("cnn", x, 10, depth=2, width=8, **options)
    assert [k for (k,), _, _ in _convolutions(net)] == kernels
    assert _pooling_layers(net) == pooling_layers
    assert [s for _, (s,), _ in _convolutions(net)] == ([1, 1] if pooling_layers else [1, 2])
    # Pooling halves the length as the strided convolution does: the same head.
    stride_net = models.build("cnn", x, 10, depth=2, width=8)
    assert net.get_layer("logits").kernel.shape == stride_net.get_layer("logits").kernel.shape
    net.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = net.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_the_recipe_trains_with_them(digits):
    small = data.from_arrays(digits.x_train[:128], digits.y_train[:128], val_fraction=0.25)
    run = recipes.train_classifier(small, model="cnn", depth=2, width=8, epochs=1,
                                   kernel_size=5, pooling="max", verbose=0)
    assert [k for (k,), _, _ in _convolutions(run.model)] == [7, 5]
    assert _pooling_layers(run.model) == ["MaxPooling1D"]
    assert np.isfinite(run.history["loss"]).all() and len(run.history["loss"]) == 1


@pytest.mark.parametrize("pooling, layer", [("max", "MaxPooling2D"),
                                            ("average", "AveragePooling2D")])
def test_images_pool_in_two_dimensions(pooling, layer):
    images = _images()
    net = models.build("cnn", images.x_train, 3, depth=2, width=4, kernel_size=5,
                       pooling=pooling)
    assert _convolutions(net) == [((5, 5), (1, 1), 4), ((5, 5), (1, 1), 4)]
    assert _pooling_layers(net) == [layer, "GlobalAveragePooling2D"]
    net.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = net.fit(images.x_train, images.y_train, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_the_mlp_accepts_and_ignores_them(digits):
    plain = models.build("mlp", digits.x_train, 10, width=8)
    other = models.build("mlp", digits.x_train, 10, width=8, kernel_size=7, pooling="max")
    assert [type(la).__name__ for la in plain.layers] == [
        type(la).__name__ for la in other.layers]


@pytest.mark.parametrize("options, error, message", [
    ({"kernel_size": 0}, ValueError,
     "`kernel_size` must be an integer in [1, inf). Received: kernel_size=0"),
    ({"kernel_size": 2.5}, TypeError,
     "`kernel_size` must be an integer in [1, inf). Received: kernel_size=2.5"),
    ({"pooling": "min"}, ValueError, "`pooling` must be one of 'stride', 'max', 'average'. "
                                     "Received: pooling='min'"),
])
def test_a_wrong_value_is_one_sentence_everywhere(digits, tmp_path, options, error, message):
    calls = [
        lambda: models.build_cnn(digits.x_train, 10, **options),
        lambda: recipes.train_classifier(digits, epochs=1, **options),
        lambda: recipes.tune(digits, space=options, directory=tmp_path),
    ]
    for call in calls:
        with pytest.raises(error) as info:
            call()
        assert message in str(info.value)
        assert len(str(info.value).splitlines()) == 1


def test_the_command_line_refuses_a_wrong_pooling_before_tensorflow(run_python):
    result = run_python("""
        import sys
        from deeper.recipes.cli import main
        code = main(["train", "--pooling", "min"])
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        sys.exit(code)
    """, block_frameworks=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "deeper train: error: `pooling` must be one of 'stride', 'max', 'average'. "
        "Received: pooling='min'"]


def test_they_are_in_the_cnn_search_space_with_the_recipes_defaults(digits):
    import keras_tuner as kt

    from deeper.recipes.tuning import oracles
    from deeper.recipes.tuning.space import CourseHyperModel

    hp = kt.HyperParameters()
    config = CourseHyperModel(digits).draw(hp)
    space = {p.name: p for p in hp.space}
    assert list(space["kernel_size"].values) == [3, 5, 7]
    assert list(space["pooling"].values) == ["stride", "max", "average"]
    assert (config["kernel_size"], config["pooling"]) == (3, "stride")
    defaults = oracles.default_values(hp)  # the first trial's values
    assert (defaults["kernel_size"], defaults["pooling"]) == (3, "stride")
    mlp = kt.HyperParameters()
    CourseHyperModel(digits, model="mlp").draw(mlp)
    assert "kernel_size" not in mlp.values and "pooling" not in mlp.values
    with pytest.raises(ValueError, match=r"`space\['pooling'\]` is a hyperparameter of the "
                                         r"CNN only"):
        CourseHyperModel(digits, model="mlp", space={"pooling": "max"})
    hp = kt.HyperParameters()
    hp.values.update(depth=2, width=8, kernel_size=5, pooling="average")
    net = CourseHyperModel(digits, reuse_models=False).build(hp)
    assert [k for (k,), _, _ in _convolutions(net)] == [7, 5]
    assert any(isinstance(la, keras.layers.AveragePooling1D) for la in net.layers)
