"""`tune(..., tensorboard=True)`: one TensorBoard log per trial with its hyperparameters
(HParams plugin), read back with TensorBoard's own reader; `retrain` and `reuse_models`
accept only booleans."""

import os

import keras_tuner as kt
import pytest


@pytest.fixture(scope="module")
def logged(tmp_path_factory, tune_helpers):
    directory = tmp_path_factory.mktemp("tensorboard")
    space = {**tune_helpers.TINY_SPACE, "learning_rate": (1e-3, 0.1), "schedule": "step"}
    result = tune_helpers.tiny_search(directory, budget=2, space=space, tensorboard=True,
                                      retrain=True, verbose=0)
    return result, result.output_dir / "tensorboard"


def _reader(path):
    from tensorboard.backend.event_processing import event_accumulator

    logs = event_accumulator.EventAccumulator(os.fspath(path), size_guidance={"tensors": 0})
    logs.Reload()
    return logs


def _scalars(logs, tag):
    import tensorflow as tf

    return [float(tf.make_ndarray(event.tensor_proto)) for event in logs.Tensors(tag)]


def test_one_log_per_trial_with_losses_metrics_and_the_learning_rate(logged):
    result, logs = logged
    assert sorted(p.name for p in logs.iterdir() if p.is_dir()) == [
        "retrained", "trial_0", "trial_1"]
    for row in result.trials:
        train = _reader(logs / f"trial_{row['trial_id']}" / "train")
        assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(
            train.Tags()["tensors"])
        # Keras logs the rate at the end of each epoch, the one the next step uses: of 2
        # epochs, the step schedule divides the trial's rate by its lr_drop after each.
        values = row["values"]
        rate, drop = values["learning_rate"], values["lr_drop"]
        assert _scalars(train, "epoch_learning_rate") == pytest.approx(
            [rate / drop, rate / drop**2], rel=1e-6)
        validation = _reader(logs / f"trial_{row['trial_id']}" / "validation")
        assert max(_scalars(validation, "epoch_accuracy")) == pytest.approx(row["score"],
                                                                            abs=1e-6)
    retrained = _reader(logs / "retrained" / "train")
    assert len(_scalars(retrained, "epoch_learning_rate")) == 2


def test_each_trial_log_holds_its_hyperparameters(logged):
    from tensorboard.plugins.hparams import api_pb2, metadata

    result, logs = logged
    for row in result.trials:
        trial = _reader(logs / f"trial_{row['trial_id']}")
        start = metadata.parse_session_start_info_plugin_data(
            trial.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
        values = {name: getattr(value, value.WhichOneof("kind"))
                  for name, value in start.hparams.items()}
        expected = row["values"]
        assert values["learning_rate"] == pytest.approx(expected["learning_rate"], rel=1e-12)
        assert values["batch_size"] == expected["batch_size"]
        assert values["optimizer"] == expected["optimizer"]
        assert set(values) == set(expected)  # the active values, nothing else
        end = metadata.parse_session_end_info_plugin_data(
            trial.SummaryMetadata(metadata.SESSION_END_INFO_TAG).plugin_data.content)
        assert end.status == api_pb2.STATUS_SUCCESS


def test_the_experiment_states_every_domain_and_the_metrics(logged):
    from tensorboard.plugins.hparams import metadata

    result, logs = logged
    experiment = metadata.parse_experiment_plugin_data(
        _reader(logs).SummaryMetadata(metadata.EXPERIMENT_TAG).plugin_data.content)
    infos = {info.name: info for info in experiment.hparam_infos}
    assert {"learning_rate", "batch_size", "optimizer", "momentum"} <= set(infos)
    rate = infos["learning_rate"].domain_interval
    assert (rate.min_value, rate.max_value) == pytest.approx((1e-3, 0.1))
    assert [v.number_value for v in infos["batch_size"].domain_discrete.values] == [
        32, 64, 128, 256]
    assert {(m.name.group, m.name.tag) for m in experiment.metric_infos} >= {
        ("validation", "epoch_accuracy"), ("validation", "epoch_loss")}


def test_a_log_stepped_integer_has_its_true_domain():
    from deeper.recipes.tuning import tensorboard_logs

    hp = kt.HyperParameters()
    hp.Int("width", 16, 64, step=2, sampling="log")
    hp.Float("dropout", 0.0, 0.4, step=0.2)
    hp.Boolean("batch_norm")
    domains = {name: p.domain for name, p in tensorboard_logs._hparams(hp).items()}
    assert domains["width"].values == [16, 32, 64]  # KerasTuner's own: 16, 18, ..., 64
    assert domains["dropout"].values == pytest.approx([0.0, 0.2, 0.4])
    assert domains["batch_norm"].values == [False, True]


@pytest.mark.slow  # ~13 s: a search of its own
def test_without_tensorboard_no_log_is_written(tmp_path, tune_helpers):
    result = tune_helpers.tiny_search(tmp_path, budget=1, epochs=1, verbose=0)
    assert not (result.output_dir / "tensorboard").exists()


@pytest.mark.parametrize("kwargs, name", [
    ({"retrain": "False"}, "retrain"), ({"retrain": 1}, "retrain"),
    ({"reuse_models": "yes"}, "reuse_models"), ({"tensorboard": "true"}, "tensorboard"),
])
def test_boolean_arguments_accept_only_booleans(tmp_path, tune_helpers, kwargs, name):
    value = next(iter(kwargs.values()))
    message = (f"`{name}` must be True or False. Received: {name}={value!r} "
               f"(of type {type(value).__name__})")
    with pytest.raises(TypeError) as info:
        tune_helpers.tiny_search(tmp_path, budget=1, **kwargs)
    assert str(info.value) == message
    assert not (tmp_path / "search").exists()  # refused before any work


def test_the_command_line_has_a_tensorboard_switch():
    from deeper.recipes.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["tune", "--tensorboard"]).tensorboard is True
    assert parser.parse_args(["tune"]).tensorboard is False


def test_keras_tuner_still_has_the_hook_we_fill():
    # `TrialLogs` relies on KerasTuner 1.4's private `Tuner._configure_tensorboard_dir`,
    # called by `Tuner.run_trial` after copying the callbacks.
    import inspect

    assert "_configure_tensorboard_dir" in vars(kt.Tuner)
    assert "self._configure_tensorboard_dir(callbacks, trial, execution)" in inspect.getsource(
        kt.Tuner.run_trial)


@pytest.mark.slow  # ~40 s: a Hyperband search (KerasTuner's own run_trial and its hook)
def test_hyperband_trials_log_too(tmp_path, tune_helpers):
    result = tune_helpers.tiny_search(tmp_path, 3, tuner="hyperband", epochs=3,
                                      tensorboard=True, verbose=0)
    from tensorboard.plugins.hparams import metadata

    for row in result.trials:
        trial = _reader(result.output_dir / "tensorboard" / f"trial_{row['trial_id']}")
        assert metadata.SESSION_START_INFO_TAG in trial.Tags()["tensors"]
        train = _reader(result.output_dir / "tensorboard" / f"trial_{row['trial_id']}" / "train")
        assert len(_scalars(train, "epoch_learning_rate")) == len(row["epoch_seconds"])
