"""The activations/initialization recipes train and measure for real, on small data."""

import numpy as np
import pytest

from deeper.components import data
from deeper.recipes import activations


def test_variance_through_depth_separates_matched_from_mismatched_pairs():
    results = activations.variance_through_depth(depth=10, width=128, n=500)
    ratio = {pair: v[-1] / v[0] for pair, v in results.items()}
    for pair in activations.MATCHED:
        assert 0.1 <= ratio[pair] <= 4.0, (pair, ratio[pair])
    assert ratio[("xavier_normal", "relu")] < 0.01  # collapses
    assert ratio[("random_normal", "tanh")] < 0.05  # collapses
    assert ratio[("sigmoid_glorot_uniform", "relu")] > 1e6  # explodes
    assert all(len(v) == 10 for v in results.values())


def test_variance_through_depth_invalid_depth():
    with pytest.raises(ValueError, match=r"`depth` must be an integer in \[1, inf\)"):
        activations.variance_through_depth(depth=0)


def test_compare_activations_trains_each_and_finds_relu_faster(tmp_path):
    rng = np.random.default_rng(0)
    ds = data.load("mnist1d", seed=0)
    keep = rng.choice(len(ds.x_train), 1500, replace=False)
    small = data.from_arrays(ds.x_train[keep], ds.y_train[keep], x_test=ds.x_test[:300],
                             y_test=ds.y_test[:300], seed=0)
    result = activations.compare_activations(small, ("relu", "tanh"), threshold=0.4,
                                             epochs=12, seeds=(0,), width=128)
    summary = result.summary()
    assert summary["relu"] is not None
    assert summary["tanh"] is None or summary["relu"] <= summary["tanh"]
    assert {r["activation"] for r in result.rows} == {"relu", "tanh"}
    assert all(len(err) == 12 for err in result.histories.values())
    result.plot(tmp_path / "convergence.png")
    assert (tmp_path / "convergence.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="`threshold` must be in"):
        activations.compare_activations(small, threshold=1.5)


def test_plot_activations_writes_a_figure(tmp_path):
    activations.plot_activations(("scaled_tanh", "noisy_relu", "tanh"), path=tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 10_000
