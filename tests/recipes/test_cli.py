"""The `deeper` command line, run as a user runs it."""

import json

import pytest

from deeper.recipes.options import declared

CONTROL = ("\r", "\b", "\x1b")


def test_train_writes_artifacts_and_ends_with_the_result(tmp_path, run_deeper, cli_env):
    user_env = {k: v for k, v in cli_env.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = run_deeper("train", "--data", "digits", "--model", "mlp", "--width", "32",
                        "--epochs", "3", "--out", tmp_path, "--quiet", env=user_env)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy ")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert f"{metrics['test_accuracy']:.3f}" in last
    assert metrics["test_accuracy"] > 0.7  # chance 0.1
    for name in ("history.csv", "learning_curves.png", "model.keras"):
        assert (tmp_path / name).exists()
    assert result.stderr == ""  # no TensorFlow start-up noise


def test_learning_rate_find_says_the_rate_and_trains_at_it_with_a_plain_log(tmp_path,
                                                                              run_deeper):
    result = run_deeper("train", "--data", "digits", "--model", "mlp", "--width", "32",
                        "--epochs", "2", "--learning-rate", "find", "--schedule", "cosine",
                        "--warmup-epochs", "1", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    chose = [line for line in result.stdout.splitlines() if line.startswith(
        "learning-rate finder: training at suggested learning rate ")]
    assert len(chose) == 1
    config = json.loads((tmp_path / "metrics.json").read_text())["config"]
    assert f"{config['learning_rate']:.3g}" in chose[0]
    assert config["schedule"] == "cosine"
    # stdout is a pipe: one plain line per epoch, no carriage return, backspace or ANSI code
    assert sum(line.startswith("Epoch ") for line in result.stdout.splitlines()) == 2
    assert not any(c in result.stdout for c in CONTROL)


def test_help_explains_each_option(run_deeper):
    result = run_deeper("train", "--help")
    assert result.returncode == 0
    for option in declared.TRAIN.values():
        if option.name not in ("steps_per_execution", "verbose"):
            assert option.cli_flag in result.stdout
    assert "--schedule {constant,step,inverse,exponential,cosine}" in result.stdout


def test_version(run_deeper):
    from deeper import recipes

    result = run_deeper("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"deeper {recipes.__version__}"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--optimizer", "adamm"], "`optimizer` must be one of 'nesterov'"),
        (["--model", "rnn"], "`model` must be one of 'mlp', 'cnn'. Received: model='rnn'"),
        (["--epochs", "ten"], "`epochs` must be an integer. Received: epochs='ten'"),
        (["--data", "mnist", "--data-dir", "/nonexistent/tfds"], "run `tfds build mnist`"),
    ],
)
def test_bad_arguments_end_in_one_clear_line(tmp_path, args, expected, run_deeper):
    result = run_deeper("train", "--data", "digits", "--out", tmp_path, "--quiet", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_writing_into_out_refuses_a_run_there(tmp_path, run_deeper):
    (tmp_path / "notes.txt").write_text("an earlier run")
    args = ["compare-optimizers", "--surface", "beale", "--steps", "5",
            "--optimizers", "adam", "--out", tmp_path]
    refused = run_deeper(*args)
    assert refused.returncode == 2
    assert "already holds a run" in refused.stderr.strip().splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    replaced = run_deeper(*args, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert not (tmp_path / "notes.txt").exists()

    def refuse(constant):
        raise ValueError(constant)

    metrics = json.loads((tmp_path / "metrics.json").read_text(), parse_constant=refuse)
    assert metrics["status"] == "ok" and set(metrics["versions"]) >= {"keras", "backend"}
    for command in ("babysit", "lr-find"):
        help_text = run_deeper(command, "--help").stdout
        assert "--overwrite" in help_text and "--resume" not in help_text
    assert "--resume" in run_deeper("train", "--help").stdout
