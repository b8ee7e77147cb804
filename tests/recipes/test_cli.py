"""The `deeper` command line, run as a user runs it."""

import json
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


def deeper(*args):
    return subprocess.run([sys.executable, "-m", "deeper.recipes", *args], capture_output=True,
                          text=True, env=ENV, timeout=600)


def test_train_writes_artifacts_and_ends_with_the_result(tmp_path):
    result = deeper("train", "--data", "digits", "--model", "mlp", "--width", "32",
                    "--epochs", "3", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy ")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert f"{metrics['test_accuracy']:.3f}" in last
    assert metrics["test_accuracy"] > 0.7  # chance 0.1
    for name in ("history.csv", "learning_curves.png", "model.keras"):
        assert (tmp_path / name).exists()


def test_help_explains_each_option():
    result = deeper("train", "--help")
    assert result.returncode == 0
    for option in ("--data", "--model", "--epochs", "--out", "--optimizer", "--mixed-precision",
                   "--distribution", "--early-stopping", "--learning-rate"):
        assert option in result.stdout


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--epochs", "0"], "`epochs` must be an integer in [1, inf). Received: epochs=0"),
        (["--learning-rate", "-1"], "`learning_rate` must be in (0, inf)"),
        (["--optimizer", "adamm"], "`optimizer` is not a known name"),
        (["--val-fraction", "1.5"], "`val_fraction` must be in (0, 1)"),
        (["--model", "rnn"], "invalid choice: 'rnn'"),
        (["--epochs", "ten"], "invalid int value: 'ten'"),
        (["--data", "mnist", "--data-dir", "/nonexistent/tfds"], "run `tfds build mnist`"),
    ],
)
def test_bad_arguments_end_in_one_clear_line(tmp_path, args, expected):
    result = deeper("train", "--data", "digits", "--out", str(tmp_path), "--quiet", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
