"""`deeper tune --workers N`: a chief and N workers on localhost; a killed worker loses no trial."""

import json
import os
import signal
import threading
import time

import pytest

from deeper.recipes.tuning.parallel import Launcher

ARGS = ["--data", "digits", "--model", "mlp", "--tuner", "random", "--epochs", "4",
        "--set", "depth=1", "--set", "width=16", "--set", "batch_norm=false", "--no-retrain",
        "--set", "batch_size=32"]


def _ongoing(project, tuner_id):
    try:
        return json.loads((project / "oracle.json").read_text())["ongoing_trials"].get(tuner_id)
    except (OSError, ValueError, KeyError):
        return None


@pytest.mark.slow  # ~2 min on the shared 2-core machine: three TensorFlow processes
def test_two_workers_and_one_killed_mid_trial_lose_no_trial(tmp_path):
    budget = 6
    launcher = Launcher([*ARGS, "--budget", str(budget), "--out", str(tmp_path)], workers=2)
    project = tmp_path / "search"
    killed = {}

    def kill_worker_0_mid_trial():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _ongoing(project, "tuner0") is None:
            time.sleep(0.1)
        time.sleep(0.5)  # training (a trial is ~4 epochs)
        killed["trial"] = _ongoing(project, "tuner0")
        os.kill(launcher.processes[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_worker_0_mid_trial)
    launcher.start()
    killer.start()
    try:
        while (code := launcher.poll()) is None:
            time.sleep(0.2)
    finally:
        launcher.stop()
        killer.join()
    assert code == 0 and launcher.restarts == {0: 1, 1: 0}
    assert killed["trial"] is not None  # worker 0 was holding a trial when it was killed
    oracle = json.loads((project / "oracle.json").read_text())
    ids = sorted(oracle["end_order"])
    assert len(ids) == budget and len(set(ids)) == budget
    statuses = {i: json.loads((project / f"trial_{i}" / "trial.json").read_text())["status"]
                for i in ids}
    assert set(statuses.values()) == {"COMPLETED"}
    assert killed["trial"] in ids  # the killed worker's trial ran again and finished
    assert all(p.poll() is not None for p in launcher.processes.values())  # all stopped


def test_workers_must_be_a_positive_integer():
    with pytest.raises(ValueError,
                       match=r"`workers` must be an integer >= 1\. Received: workers=0"):
        Launcher([], workers=0)


@pytest.mark.slow  # ~40 s: three TensorFlow processes
def test_deeper_tune_workers_prints_only_the_chiefs_lines(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k != "TF_CPP_MIN_LOG_LEVEL" and not k.startswith("KERASTUNER_")}
    done = subprocess.run(
        [sys.executable, "-m", "deeper.recipes", "tune", "--workers", "1", *ARGS, "--epochs",
         "1", "--budget", "2", "--out", str(tmp_path)],
        capture_output=True, text=True, env={**env, "CUDA_VISIBLE_DEVICES": ""}, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    # No TensorFlow start-up lines (the workers quiet their own, as one process does) and
    # no KerasTuner debug lines: the dataset, the plan, a line per trial and the result.
    assert done.stderr == ""
    expected = ("digits: ", "random search: ", "trial ", "best hyperparameters: ", "wrote ",
                "2 trials (")
    lines = done.stdout.strip().splitlines()
    assert [line for line in lines if not line.startswith(expected)] == []
    assert len([line for line in lines if line.startswith("trial ")]) == 2
