"""A tuning directory resumes only the search it holds; `overwrite` is a bool; a
`max_seconds` stop says so in the result line."""

import json

import pytest


@pytest.fixture(scope="module")
def searched(tmp_path_factory, tune_helpers):
    directory = tmp_path_factory.mktemp("fingerprint")
    result = tune_helpers.tiny_search(directory, budget=2)
    return directory, result


def test_the_search_is_recorded_and_the_same_search_resumes(searched, tune_helpers):
    directory, first = searched
    stored = json.loads((directory / "search" / "search.json").read_text())
    assert stored["model"] == "mlp" and stored["tuner"] == "random"
    assert stored["dataset"]["train_examples"] == 450
    again = tune_helpers.tiny_search(directory, budget=2)
    assert [t["trial_id"] for t in again.trials] == [t["trial_id"] for t in first.trials]


@pytest.mark.parametrize("change, message", [
    ({"model": "cnn"}, "its model is 'mlp', this search's is 'cnn'"),
    ({"tuner": "bayesian"}, "its tuner is 'random', this search's is 'bayesian'"),
    ({"space": {"depth": 2}}, "its space is"),
])
def test_another_search_in_the_directory_is_refused_in_one_sentence(searched, tune_helpers,
                                                                     change, message):
    directory, _ = searched
    with pytest.raises(ValueError, match=message) as caught:
        tune_helpers.tiny_search(directory, budget=2, **change)
    assert str(caught.value).count(". Received: ") == 1


def test_overwrite_accepts_only_booleans(searched, tune_helpers):
    directory, _ = searched
    with pytest.raises(TypeError, match="`overwrite` must be"):
        tune_helpers.tiny_search(directory, budget=2, overwrite="False")
    assert (directory / "search" / "oracle.json").exists()  # nothing deleted


def test_a_search_stopped_by_max_seconds_says_so(tmp_path, tune_helpers):
    result = tune_helpers.tiny_search(tmp_path, budget=6, max_seconds=0.5)
    assert len(result.trials) < 6
    assert f"stopped by max_seconds after {len(result.trials)} of 6 trials" in result.summary()
