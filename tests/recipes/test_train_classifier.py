"""End-to-end tests of `train_classifier`: real training on small data, real floors."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import data

FAST = dict(epochs=3, batch_size=64, verbose=0)


@pytest.fixture(scope="module")
def digits_run(digits, tmp_path_factory):
    out = tmp_path_factory.mktemp("digits_mlp")
    return recipes.train_classifier(digits, model="mlp", width=64, output_dir=out, **FAST)


def test_mlp_learns_digits_and_writes_artifacts(digits_run):
    run = digits_run
    assert run.test_metrics["accuracy"] > 0.85  # chance is 0.10
    assert set(run.test_metrics) >= {"accuracy", "loss"}
    assert len(run.history["loss"]) == 3
    assert run.history["loss"][-1] < run.history["loss"][0]
    out = run.output_dir
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(run.test_metrics["accuracy"])
    assert metrics["config"]["model"] == "mlp"
    rows = (out / "history.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 4
    png = (out / "learning_curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (out / "model.keras").stat().st_size > 0


def test_saved_model_reloads_in_fresh_process_with_identical_predictions(digits, digits_run,
                                                                         tmp_path):
    x = digits.x_test[:50]
    expected = digits_run.model.predict(x, verbose=0)
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(f"""
        import numpy as np, keras
        import deeper.components.data  # registers deeper's layers
        m = keras.saving.load_model({str(digits_run.output_dir / "model.keras")!r}, safe_mode=True)
        np.save({str(tmp_path / "y.npy")!r}, m.predict(np.load({str(tmp_path / "x.npy")!r}),
                                                      verbose=0))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, env=_env())
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expected)


def test_same_seed_gives_same_metrics(digits):
    a = recipes.train_classifier(digits, model="mlp", width=32, seed=3, **FAST)
    b = recipes.train_classifier(digits, model="mlp", width=32, seed=3, **FAST)
    assert a.history == b.history
    assert a.test_metrics == b.test_metrics
    c = recipes.train_classifier(digits, model="mlp", width=32, seed=4, **FAST)
    assert c.history["loss"] != a.history["loss"]


def test_cnn_on_mnist1d_learns():
    ds = data.load("mnist1d")
    run = recipes.train_classifier(ds, model="cnn", width=16, epochs=3, verbose=0)
    assert run.test_metrics["accuracy"] > 0.5  # chance 0.10; published CNN 0.94 after full training
    assert run.summary().endswith("(published CNN: 0.94)")


def test_cnn_on_images(digits):
    images = data.from_arrays(
        np.concatenate([digits.x_train, digits.x_val]).reshape(-1, 8, 8, 1),
        np.concatenate([digits.y_train, digits.y_val]),
        x_test=digits.x_test.reshape(-1, 8, 8, 1), y_test=digits.y_test, name="digits-images")
    run = recipes.train_classifier(images, model="cnn", width=8, standardize="channel", **FAST)
    assert any(isinstance(layer, keras.layers.Conv2D) for layer in run.model.layers)
    assert run.test_metrics["accuracy"] > 0.5


def test_custom_model_callable_gets_standardized_inputs(digits):
    def small(input_shape, num_classes):
        return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(32, "relu"),
                                 keras.layers.Dense(num_classes, activation="softmax")])

    run = recipes.train_classifier(digits, model=small, optimizer="adam", learning_rate=0.01,
                                   **FAST)
    assert isinstance(run.model.layers[1], keras.layers.Normalization)
    assert run.test_metrics["accuracy"] > 0.8


def test_mixed_bfloat16_keeps_output_and_loss_float32(digits):
    run = recipes.train_classifier(digits, model="mlp", width=32,
                                   mixed_precision="mixed_bfloat16", epochs=2, verbose=0)
    dense = [la for la in run.model.layers if isinstance(la, keras.layers.Dense)]
    assert dense[0].compute_dtype == "bfloat16" and dense[0].variable_dtype == "float32"
    assert run.model.get_layer("logits").compute_dtype == "float32"
    assert run.model.output.dtype == "float32"
    assert run.test_metrics["accuracy"] > 0.5


def test_mixed_float16_wraps_loss_scaling(digits):
    run = recipes.train_classifier(digits, model="mlp", width=32,
                                   mixed_precision="mixed_float16", epochs=1, verbose=0)
    assert isinstance(run.model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert np.isfinite(run.history["loss"]).all()


@pytest.mark.slow  # ~20 s: a process with two logical CPUs
def test_mirrored_strategy_over_two_logical_cpus(tmp_path):
    script = textwrap.dedent("""
        import json, sys
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from deeper import recipes
        from deeper.components import data
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        run = recipes.train_classifier(data.load("digits"), model="mlp", width=32, epochs=3,
                                       batch_size=64, distribution=strategy)
        print(json.dumps({"replicas": run.config["replicas"],
                          "accuracy": run.test_metrics["accuracy"]}))
    """)
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True, env=_env()).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["accuracy"] > 0.85


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"model": "rnn"}, ValueError, "model"),
        ({"model": 3}, TypeError, "model"),
        ({"optimizer": "nesterof"}, ValueError, "nesterof"),
        ({"optimizer": 3}, TypeError, "optimizer"),
        ({"optimizer": "newton"}, ValueError, "fit_full_batch"),
        ({"learning_rate": -0.1}, ValueError, "learning_rate"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate"),
        ({"learning_rate": "fast"}, ValueError, "learning_rate"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"l2": -1e-4}, ValueError, "l2"),
        ({"batch_norm": "yes"}, TypeError, "batch_norm"),
        ({"standardize": "pixel"}, ValueError, "standardize"),
        ({"lr_drop": 0.5}, ValueError, "lr_drop"),
        ({"schedule": "linear"}, ValueError, "schedule"),
        ({"early_stopping": -1}, ValueError, "early_stopping"),
        ({"seed": -1}, ValueError, "seed"),
        ({"mixed_precision": "float8"}, ValueError, "mixed_precision"),
        ({"distribution": "tpu"}, ValueError, "distribution"),
        ({"activation": "relux"}, ValueError, "relux"),
        ({"init": "he_uniformm"}, ValueError, "he_uniformm"),
        ({"callbacks": [3]}, TypeError, "callbacks"),
        ({"epoch": 3}, TypeError, "epoch"),
    ],
)
def test_bad_arguments_fail_before_training_with_one_sentence(digits, kwargs, error, name):
    with pytest.raises(error) as info:
        recipes.train_classifier(digits, **{**FAST, **kwargs})
    message = str(info.value)
    assert type(info.value) is error
    assert name in message
    assert "\n" not in message


def test_verbose_zero_is_silent_and_the_default_shows_epochs(digits, capsys):
    recipes.train_classifier(digits, model="mlp", width=16, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    recipes.train_classifier(digits, model="mlp", width=16, epochs=2)
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "\r" not in out and "\x1b" not in out


def test_dataset_must_be_a_dataset():
    with pytest.raises(TypeError, match="`dataset` must be a deeper.components.data.Dataset"):
        recipes.train_classifier((np.zeros((10, 2)), np.zeros(10)))


def _env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
