"""`track_drift`: on a rotating stream online SGD tracks the current distribution, GD does not."""

import json

import numpy as np
import pytest

from deeper import recipes
from deeper.components import data


def test_sgd_tracks_the_drift_better_than_gd(tmp_path):
    stream = data.drifting_gaussians(120, batch_size=10, revolutions=1.0, seed=0)
    result = recipes.track_drift(stream, gd_iterations=60, eval_every=20, eval_size=600,
                                 seed=0, output_dir=tmp_path)
    assert result.steps == [19, 39, 59, 79, 99, 119]
    sgd, gd = np.array(result.sgd_error), np.array(result.gd_error)
    # Both start near 0 (the classes are separable); once the means have turned
    # a third of a circle, GD's fit to the whole past lags: it is worse than
    # chance, SGD stays close to the Bayes error (at the full turn, the newest
    # data start to outweigh the old ones and GD recovers somewhat).
    assert sgd[0] < 0.1 and gd[0] < 0.1
    assert sgd[2:].mean() < 0.15
    assert gd[2:].mean() > 0.6
    assert (sgd[2:] < gd[2:]).all() and (sgd[2:-1] < gd[2:-1] - 0.5).all()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["gd_error"] == result.gd_error and "SGD" in metrics["summary"]
    assert (tmp_path / "drift.png").stat().st_size > 10_000


def test_on_a_stationary_stream_gd_is_as_good():
    stream = data.drifting_gaussians(60, revolutions=0.0, seed=1)
    result = recipes.track_drift(stream, gd_iterations=60, eval_every=20, eval_size=600, seed=1)
    assert max(result.gd_error) < 0.1 and max(result.sgd_error) < 0.1


def test_mlp_learners_track_too():
    stream = data.drifting_gaussians(90, revolutions=0.75, seed=2)
    result = recipes.track_drift(stream, model="mlp", learning_rate=0.2, gd_learning_rate=0.5,
                                 gd_iterations=60, eval_every=30, eval_size=600, seed=2)
    assert result.config["model"] == "mlp"
    assert result.sgd_error[-1] < 0.2 and result.gd_error[-1] > result.sgd_error[-1] + 0.3


def test_bad_arguments():
    with pytest.raises(TypeError, match="`stream` must be a data.DriftingStream"):
        recipes.track_drift(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="`learning_rate` must be"):
        recipes.track_drift(learning_rate=0.0)
    with pytest.raises(ValueError, match="`model` must be one of"):
        recipes.track_drift(model="cnn")
    with pytest.raises(ValueError, match="`eval_every` must be"):
        recipes.track_drift(eval_every=0)
