"""Robust searches: diverging trials, crash states between KerasTuner's writes, cut-short files."""

import json

import pytest

from deeper.recipes import tuning
from deeper.recipes.tuning.oracles import SearchStateError


@pytest.fixture(scope="module")
def helpers(tune_helpers):
    return tune_helpers


def _oracle(project):
    return json.loads((project / "oracle.json").read_text())


def _trial(project, trial_id):
    return json.loads((project / f"trial_{trial_id}" / "trial.json").read_text())


def _write(path, payload):
    path.write_text(json.dumps(payload))


def _lines(capsys):
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("trial ")]


def test_abort_probability_matches_the_issue_and_justifies_the_limit():
    # KerasTuner's default limit 3 with 30% diverging configurations: 62% of 50-trial
    # searches abort (the figure measured in issue 7).
    assert tuning.abort_probability(0.3, 50, 3) == pytest.approx(0.6248, abs=1e-4)
    assert tuning.abort_probability(0.3, 100, tuning.MAX_CONSECUTIVE_FAILURES) < 1e-3
    assert tuning.abort_probability(1.0, 10, 10) == 1.0
    # Monte Carlo check of the Markov chain.
    import numpy as np

    rng = np.random.default_rng(0)
    fails = rng.random((20000, 50)) < 0.3
    runs = np.zeros(20000, int)
    aborted = np.zeros(20000, bool)
    for j in range(50):
        runs = np.where(fails[:, j], runs + 1, 0)
        aborted |= runs >= 3
    assert aborted.mean() == pytest.approx(tuning.abort_probability(0.3, 50, 3), abs=0.01)


def test_diverging_trials_are_failed_and_the_search_goes_on(tmp_path, capsys, helpers):
    # Half of the learning rates blow up; KerasTuner's default limit (3) may abort
    # this 6-trial search, ours runs every trial.
    space = {**helpers.TINY_SPACE, "optimizer": "momentum", "schedule": "constant",
             "learning_rate": [1e15, 1e-2]}
    result = helpers.tiny_search(tmp_path, 6, space=space, epochs=1)
    statuses = [row["status"] for row in result.trials]
    assert len(statuses) == 6
    assert set(statuses) == {"COMPLETED", "FAILED"}
    for row in result.trials:
        lr = row["values"]["learning_rate"]
        assert row["status"] == ("FAILED" if lr > 1 else "COMPLETED"), row
        if row["status"] == "FAILED":
            assert row["message"].startswith("deeper.recipes.tuning.space.DivergedError: diverged")
            assert row["score"] is None
    assert result.best_hyperparameters["learning_rate"] == 1e-2
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("trial ")]
    assert len(lines) == 6 and any("FAILED" in line and "diverged" in line for line in lines)
    assert "Invalid loss" not in out  # the trial's line says it; Keras's print is not added


def test_failure_limit_stops_with_one_sentence(tmp_path, helpers):
    space = {**helpers.TINY_SPACE, "optimizer": "momentum", "learning_rate": 1e15}
    with pytest.raises(RuntimeError, match=r"^The search stopped after 2 failed trials in a row"):
        helpers.tiny_search(tmp_path, 3, space=space, epochs=1, max_consecutive_failures=2)


@pytest.fixture(scope="module")
def finished(tmp_path_factory, helpers):
    """A finished 2-trial search, copied by each test before it edits the files."""
    directory = tmp_path_factory.mktemp("search")
    helpers.tiny_search(directory, 2, verbose=0)
    return directory


def _copy(finished, tmp_path):
    import shutil

    shutil.copytree(finished, tmp_path / "d")
    return tmp_path / "d", tmp_path / "d" / "search"


def test_trial_file_the_oracle_never_recorded_is_drawn_again(finished, tmp_path, capsys, helpers):
    # Killed inside create_trial, between trial.json and oracle.json.
    directory, project = _copy(finished, tmp_path)
    state = _trial(project, 1)
    state.update(trial_id="2", status="RUNNING", score=None)
    (project / "trial_2").mkdir()
    _write(project / "trial_2" / "trial.json", state)
    result = helpers.tiny_search(directory, 3)
    assert [r["trial_id"] for r in result.trials] == ["0", "1", "2"]
    assert all(r["status"] == "COMPLETED" for r in result.trials)
    assert [line.split()[1] for line in _lines(capsys)] == ["2"]


def test_ended_trial_the_oracle_still_lists_as_running_is_not_run_again(finished, tmp_path,
                                                                         capsys, helpers):
    # Killed inside end_trial, between trial.json (COMPLETED) and oracle.json.
    directory, project = _copy(finished, tmp_path)
    before = _trial(project, 1)
    state = _oracle(project)
    state["end_order"].remove("1")
    state["ongoing_trials"] = {"tuner0": "1"}
    state["run_times"].pop("1")
    _write(project / "oracle.json", state)
    result = helpers.tiny_search(directory, 2)
    assert _lines(capsys) == []  # nothing ran
    assert [r["status"] for r in result.trials] == ["COMPLETED", "COMPLETED"]
    assert result.trials[1]["score"] == before["score"]
    state = _oracle(project)
    assert state["end_order"] == ["0", "1"] and state["run_times"] == {"0": 1, "1": 1}


def test_trial_killed_while_training_runs_again_once(finished, tmp_path, capsys, helpers):
    directory, project = _copy(finished, tmp_path)
    values = _trial(project, 1)["hyperparameters"]["values"]
    state = _oracle(project)
    state["end_order"].remove("1")
    state["ongoing_trials"] = {"tuner0": "1"}
    state["run_times"].pop("1")
    _write(project / "oracle.json", state)
    trial = _trial(project, 1)
    trial.update(status="RUNNING", score=None, best_step=0)
    _write(project / "trial_1" / "trial.json", trial)
    result = helpers.tiny_search(directory, 2)
    assert [line.split()[1] for line in _lines(capsys)] == ["1"]
    assert result.trials[1]["status"] == "COMPLETED"
    assert result.trials[1]["values"] == values  # the same trial, not a new draw
    state = _oracle(project)
    assert state["end_order"] == ["0", "1"] and state["run_times"]["1"] == 1


@pytest.mark.parametrize("name", ["oracle.json", "trial_1/trial.json", "tuner0.json"])
def test_cut_short_file_is_reported_in_one_sentence(finished, tmp_path, name, helpers):
    directory, project = _copy(finished, tmp_path)
    path = project / name
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(SearchStateError) as info:
        helpers.tiny_search(directory, 2)
    message = str(info.value)
    assert str(path) in message and "overwrite=True" in message
    assert "\n" not in message and message.count(". ") == 0
    assert info.value.__cause__ is None  # no chained JSONDecodeError traceback


def test_keras_tuner_hooks_we_override_still_exist():
    # Atomic trial files rely on KerasTuner 1.4's private `Oracle._save_trial` hook; if a new
    # KerasTuner renames it, this fails instead of trial.json silently losing atomicity.
    import keras_tuner as kt

    for name in ("_save_trial", "_get_oracle_fname", "_get_trial_dir", "_project_dir"):
        assert name in vars(kt.Oracle), name
    for name in ("_get_tuner_fname", "_is_worker"):
        assert hasattr(kt.Tuner, name), name
