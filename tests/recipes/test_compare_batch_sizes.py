"""`compare_batch_sizes`: real training per batch size; the replicated-data experiment."""

import json

import numpy as np
import pytest

from deeper import recipes
from deeper.components import data


@pytest.fixture(scope="module")
def small():
    ds = data.load("mnist1d", seed=0)
    return data.from_arrays(ds.x_train[:480], ds.y_train[:480], x_test=ds.x_test[:100],
                            y_test=ds.y_test[:100], val_fraction=0.1, seed=0)


def test_trains_every_size_and_small_batches_win_per_epoch(small, tmp_path):
    result = recipes.compare_batch_sizes(small, sizes=(1, 32, "full"), epochs=3, width=32,
                                         depth=1, copies=None, output_dir=tmp_path)
    assert list(result.curves) == [1, 32, "full"]
    initial = {size: c["loss"][0] for size, c in result.curves.items()}
    assert len(set(initial.values())) == 1  # the same initial weights for every size
    for curve in result.curves.values():
        assert curve["epoch"] == [0, 1, 2, 3]
        assert np.all(np.diff(curve["seconds"]) > 0)
        assert curve["loss"][-1] < curve["loss"][0]
    # 432 noisy steps per epoch beat one exact step per epoch.
    assert result.curves[1]["loss"][1] < result.curves["full"]["loss"][3] - 0.2
    assert result.curves[32]["loss"][3] < result.curves["full"]["loss"][3] - 0.2
    assert result.replication == {} and "full:" in result.summary()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["curves"]) == {"1", "32", "full"}
    assert (tmp_path / "batch_sizes.png").stat().st_size > 10_000


def test_replicated_data_gives_the_same_gradient(small):
    r = recipes.replication_cost(small, copies=10, width=32, depth=1, repeats=3)
    assert r["gradient_max_abs_difference"] < 1e-5
    assert r["examples"] == len(small.x_train) and r["copies"] == 10
    assert all(s > 0 for s in (*r["gd_seconds"], *r["sgd_seconds"]))  # timings: benchmarks only


def test_learning_rate_per_size(small):
    result = recipes.compare_batch_sizes(small, sizes=(16, "full"), epochs=1, width=16,
                                         depth=1, copies=None, learning_rate={16: 0.01,
                                                                             "full": 0.5})
    assert result.config["learning_rate"] == {"16": 0.01, "full": 0.5}


@pytest.mark.parametrize("sizes", [(0, 32), (-1,), (32, 2.5), ("half",), (), (True,)])
def test_sizes_not_positive_is_one_sentence(small, sizes):
    with pytest.raises(ValueError, match=r"`sizes` must be positive integers or 'full'\. "
                                         r"Received: sizes="):
        recipes.compare_batch_sizes(small, sizes=sizes)


def test_other_bad_arguments(small):
    with pytest.raises(ValueError, match="`sizes` must not repeat"):
        recipes.compare_batch_sizes(small, sizes=(32, 32))
    with pytest.raises(ValueError, match="at most the number of training examples"):
        recipes.compare_batch_sizes(small, sizes=(10_000,))
    with pytest.raises(ValueError, match="`learning_rate` must be a number or a dict"):
        recipes.compare_batch_sizes(small, sizes=(1, "full"), learning_rate={1: 0.1})
    with pytest.raises(ValueError, match="`epochs` must be"):
        recipes.compare_batch_sizes(small, epochs=0)
    with pytest.raises(TypeError, match="`dataset` must be"):
        recipes.compare_batch_sizes(np.zeros((10, 3)))
