"""Distributed tuning on KerasTuner's chief/worker mode: `deeper tune --chief` / `--worker`."""

import json
import os
import socket
import subprocess
import sys

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
for _name in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
    ENV.pop(_name, None)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_chief_and_workers(directory, workers, budget):
    common = ["--data", "digits", "--model", "mlp", "--tuner", "random", "--budget", str(budget),
              "--epochs", "1", "--set", "depth=1", "--set", "width=16", "--set",
              "batch_norm=false", "--no-retrain", "--out", str(directory),
              "--ip", "127.0.0.1", "--port", str(_free_port())]
    run = [sys.executable, "-m", "deeper.recipes", "tune"]
    chief = subprocess.Popen([*run, "--chief", *common], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=ENV)
    procs = [subprocess.Popen([*run, "--worker", "--worker-id", str(i), *common],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
             for i in range(workers)]
    outs = [p.communicate(timeout=600) for p in procs]
    chief_out = chief.communicate(timeout=600)
    assert chief.returncode == 0, chief_out[1][-2000:]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    return chief_out[0], [out for out, _ in outs]


def _check_every_trial_once(directory, budget, chief_out, worker_ids):
    project = directory / "search"
    oracle = json.loads((project / "oracle.json").read_text())
    ids = [str(i) for i in range(budget)]
    assert sorted(oracle["end_order"]) == ids and len(oracle["end_order"]) == budget
    assert all(oracle["run_times"][i] == 1 for i in ids)
    ran_by = []
    for i in ids:
        assert json.loads((project / f"trial_{i}" / "trial.json").read_text())["status"] == \
            "COMPLETED"
        ran_by.append(json.loads((project / f"trial_{i}" / "timings.json").read_text())["tuner_id"])
    assert set(ran_by) <= {f"tuner{w}" for w in worker_ids}
    # The chief prints one line per trial, each trial once, then the result.
    lines = [line for line in chief_out.splitlines() if line.startswith("trial ")]
    assert sorted(line.split()[1] for line in lines) == ids
    assert chief_out.strip().splitlines()[-1].startswith(f"{budget} trials ({budget} completed")
    return ran_by


@pytest.mark.slow  # ~50 s on the shared 2-core machine: three TensorFlow processes start
def test_one_chief_one_worker(tmp_path):
    chief_out, _ = _run_chief_and_workers(tmp_path, 1, 3)
    _check_every_trial_once(tmp_path, 3, chief_out, [0])


@pytest.mark.slow
def test_one_chief_two_workers_share_the_trials(tmp_path):
    chief_out, worker_outs = _run_chief_and_workers(tmp_path, 2, 8)
    ran_by = _check_every_trial_once(tmp_path, 8, chief_out, [0, 1])
    assert set(ran_by) == {"tuner0", "tuner1"}  # both workers ran trials
    assert all("no trial left" in out for out in worker_outs)


def test_keras_tuners_stray_condition_lines_are_silenced_during_a_search(capsys):
    # KerasTuner 1.4's `Parent.to_proto` prints a condition's first value; a distributed
    # search converts the space to protobuf for every request (the chief's stray lines).
    import keras_tuner as kt

    from deeper.recipes.tuning import quiet

    hp = kt.HyperParameters()
    hp.Choice("optimizer", ["sgd", "adam"])
    hp.Float("momentum", 0.5, 0.9, parent_name="optimizer", parent_values=["sgd"])
    hp.to_proto()
    assert capsys.readouterr().out == "sgd\n"  # the upstream debug line this silences
    with quiet.keras_tuner_quiet():
        hp.to_proto()
    assert capsys.readouterr().out == ""
    conditions = __import__("sys").modules["keras_tuner.src.engine.conditions"]
    assert "print" not in vars(conditions)  # the built-in again after the search


@pytest.mark.slow  # ~40 s: three TensorFlow processes start
def test_the_chief_and_the_worker_print_only_their_own_lines(tmp_path):
    chief_out, (worker_out,) = _run_chief_and_workers(tmp_path, 1, 2)
    expected = ("digits: ", "random search: ", "trial ", "best hyperparameters: ", "wrote ",
                "2 trials (")
    assert [line for line in chief_out.strip().splitlines()
            if not line.startswith(expected)] == []
    assert worker_out.strip().splitlines() == ["worker tuner0: no trial left"]
