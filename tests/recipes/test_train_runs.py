"""Trustworthy runs of `train_classifier` / `deeper train`: one run per directory,
exact resume after an interruption, divergence reported, TensorBoard logs."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import callbacks

FAST = dict(model="mlp", width=32, epochs=2, verbose=0)
# Dropout, noise (NoisyReLU's seeded draws) and augmentation all on.
RANDOM = dict(model="mlp", width=32, depth=2, activation="noisy_relu", dropout=0.3,
              augment=True, epochs=4, checkpoint_every=4, verbose=0)


def _strict(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _snapshot(directory):
    """{relative path: (size, mtime_ns, sha256)} of every file below `directory`."""
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            stat = os.stat(path)
            with open(path, "rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
            found[os.path.relpath(path, directory)] = (stat.st_size, stat.st_mtime_ns, digest)
    return found


class _Started(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.started = False

    def on_train_begin(self, logs=None):
        self.started = True


def _variables(model):
    return [keras.ops.convert_to_numpy(v.value) for v in
            [*model.variables, *model.optimizer.variables]]


def test_a_second_run_into_the_same_directory_is_refused_and_changes_nothing(
        digits, tmp_path, run_deeper):
    recipes.train_classifier(digits, output_dir=tmp_path, **FAST)
    before = _snapshot(tmp_path)
    assert {"metrics.json", "history.csv", "learning_curves.png", "model.keras",
            "config.json", "checkpoint/checkpoint.npz"} <= set(before)
    with pytest.raises(FileExistsError, match="already holds a run"):
        recipes.train_classifier(digits, output_dir=tmp_path, **FAST)
    result = run_deeper("train", "--data", "digits", "--model", "mlp", "--epochs", "1",
                        "--out", tmp_path, "--quiet")
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("deeper train: error: `output_dir` already holds a run")
    assert "--resume" in last and "Traceback" not in result.stderr
    assert _snapshot(tmp_path) == before
    again = recipes.train_classifier(digits, output_dir=tmp_path, overwrite=True,
                                     **dict(FAST, epochs=1))
    assert len(again.history["loss"]) == 1
    assert _strict((tmp_path / "metrics.json").read_text())["epochs_run"] == 1


@pytest.mark.parametrize("kind", ["read_only", "under_a_file"])
def test_an_unwritable_output_fails_before_the_first_training_step(digits, tmp_path, kind):
    if kind == "read_only":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only directory")
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o555)
    else:
        (tmp_path / "file").write_text("")
        out = tmp_path / "file" / "out"
    started = _Started()
    with pytest.raises(PermissionError, match="must be a writable directory"):
        recipes.train_classifier(digits, output_dir=out, callbacks=[started], **FAST)
    assert not started.started


def test_metrics_json_is_strict_with_status_config_and_versions(digits, tmp_path):
    run = recipes.train_classifier(digits, output_dir=tmp_path, **FAST)
    metrics = _strict((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["divergence"] is None
    assert metrics["config"]["width"] == 32 and metrics["config"]["dataset"] == digits.name
    assert set(metrics["versions"]) >= {"deeper", "keras", "tensorflow", "backend"}
    assert metrics["versions"]["keras"] == keras.__version__
    assert metrics["history"]["loss"] == run.history["loss"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary left


def test_interrupted_run_resumes_exactly_with_dropout_noise_and_augmentation(
        digits, tmp_path, helper_module):
    interrupt = helper_module("callbacks/exact_resume_run.py")
    reference = recipes.train_classifier(digits, output_dir=tmp_path / "reference",
                                         callbacks=[interrupt.InterruptAt()], **RANDOM)
    run_dir = tmp_path / "run"
    with pytest.raises(interrupt.Interrupted):
        recipes.train_classifier(digits, output_dir=run_dir,
                                 callbacks=[interrupt.InterruptAt(1, 16, kill=False)], **RANDOM)
    state = callbacks.ExactCheckpoint(run_dir / "checkpoint").load()
    assert (state["epoch"], state["batch"]) == (1, 8)  # mid-epoch (19 steps, 8 per call)
    with pytest.raises(ValueError, match="`dropout` was 0.3"):
        recipes.train_classifier(digits, output_dir=run_dir, resume=True,
                                 callbacks=[interrupt.InterruptAt()], **dict(RANDOM, dropout=0.1))
    resumed = recipes.train_classifier(digits, output_dir=run_dir, resume=True,
                                       callbacks=[interrupt.InterruptAt()], **RANDOM)
    assert resumed.history == reference.history
    assert len(resumed.history["loss"]) == 4
    for got, expected in zip(_variables(resumed.model), _variables(reference.model)):
        np.testing.assert_array_equal(got, expected)
    assert resumed.test_metrics == reference.test_metrics


def test_divergence_stops_keeps_good_weights_and_is_recorded(digits, tmp_path):
    run = recipes.train_classifier(digits, output_dir=tmp_path, learning_rate=1e6,
                                   **dict(FAST, epochs=3))
    assert run.status == "diverged"
    assert len(run.history["loss"]) == 1  # stopped in the first epoch
    assert all(np.isfinite(w).all() for w in run.model.get_weights())
    metrics = _strict((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "diverged"
    assert metrics["divergence"]["epoch"] == 0 and metrics["divergence"]["layer"]
    assert run.summary().startswith("training diverged: NaNGuard: ")


def test_learning_rate_column_and_tensorboard_logs(digits, tmp_path):
    from tensorboard.backend.event_processing import event_accumulator

    run = recipes.train_classifier(digits, output_dir=tmp_path, tensorboard=True,
                                   lr_drop_every=1, **FAST)
    header, *rows = (tmp_path / "history.csv").read_text().strip().splitlines()
    assert header.split(",")[-1] == "learning_rate"
    assert [float(r.split(",")[-1]) for r in rows] == pytest.approx([0.05, 0.005])
    assert run.history["learning_rate"] == pytest.approx([0.05, 0.005])
    logs = event_accumulator.EventAccumulator(os.fspath(tmp_path / "tensorboard" / "train"),
                                              size_guidance={"tensors": 0})
    logs.Reload()
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(logs.Tags()["tensors"])
    assert len(logs.Tensors("epoch_learning_rate")) == 2


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(resume=True), ValueError, "`resume` needs an `output_dir`"),
    (dict(tensorboard="yes"), TypeError, "`tensorboard`"),
    (dict(checkpoint_every=0), ValueError, "`checkpoint_every`"),
])
def test_run_options_are_checked(digits, kwargs, error, name):
    with pytest.raises(error, match=name):
        recipes.train_classifier(digits, **dict(FAST, **kwargs))


def test_deeper_train_with_a_huge_learning_rate_exits_non_zero_naming_where(tmp_path,
                                                                              run_deeper):
    result = run_deeper("train", "--data", "digits", "--model", "mlp", "--width", "32",
                        "--epochs", "2", "--learning-rate", "1e6", "--out", tmp_path, "--quiet")
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("deeper train: error: training diverged: NaNGuard: ")
    assert "epoch 1, batch " in line and "in layer '" in line, line
    assert _strict((tmp_path / "metrics.json").read_text())["status"] == "diverged"


def _position(out):
    try:
        state = callbacks.ExactCheckpoint(out / "checkpoint").load()
    except (OSError, ValueError):  # not there yet
        return None
    return None if state is None else (state["epoch"], state["batch"])


def _train_until(args, out, env, stop):
    """Run `deeper train ARGS`; SIGKILL it once its checkpoint is at or past `stop`."""
    process = subprocess.Popen([sys.executable, "-m", "deeper.recipes", "train", *args],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while stop is not None and process.poll() is None:
        position = _position(out)
        if position is not None and position >= stop:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    _, stderr = process.communicate(timeout=900)
    return process.returncode, stderr.decode()[-2000:]


@pytest.mark.slow
def test_deeper_train_killed_three_times_resumes_bitwise(tmp_path, cli_env):
    args = ["--data", "mnist1d", "--model", "cnn", "--width", "16", "--depth", "2",
            "--activation", "noisy_relu", "--dropout", "0.3", "--augment", "--epochs", "4",
            "--checkpoint-every", "8", "--quiet"]
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    assert _train_until([*args, "--out", reference], reference, cli_env, None)[0] == 0
    # mid-epoch 1, end of epoch 2, mid-epoch 4 (57 steps per epoch, 8 per call)
    for i, stop in enumerate(((0, 16), (2, 0), (3, 24))):
        resume = ["--resume"] if i else []
        code, stderr = _train_until([*args, *resume, "--out", killed], killed, cli_env, stop)
        assert code == -signal.SIGKILL, stderr
        assert not (killed / "metrics.json").exists()
    code, stderr = _train_until([*args, "--resume", "--out", killed], killed, cli_env, None)
    assert code == 0, stderr
    expected = keras.saving.load_model(reference / "model.keras")
    got = keras.saving.load_model(killed / "model.keras")
    for a, b in zip(_variables(got), _variables(expected)):
        np.testing.assert_array_equal(a, b)
    history = _strict((killed / "metrics.json").read_text())["history"]
    assert history == _strict((reference / "metrics.json").read_text())["history"]
    assert all(len(values) == 4 for values in history.values())
    assert (killed / "history.csv").read_text() == (reference / "history.csv").read_text()
