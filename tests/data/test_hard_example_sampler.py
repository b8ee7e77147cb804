"""`data.HardExampleSampler`: draws follow the capped, mixed loss distribution, seeded."""

import importlib.util
import pathlib

import numpy as np
import pytest

from deeper.components import data

_spec = importlib.util.spec_from_file_location(
    "sampling_refs", pathlib.Path(__file__).parents[1] / "references" / "sampling_refs.py")
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

N = 20


def _ids(n=N):
    return np.arange(n, dtype="float32")[:, None], np.arange(n, dtype="int64")


def _losses(n=N, seed=0):
    rng = np.random.default_rng(seed)
    losses = rng.exponential(size=n)
    losses[3] = 50.0  # an outlier, as a mislabeled example gives
    return losses


def _epoch(sampler):
    return np.concatenate([b[1].numpy() for b in sampler.dataset])


@pytest.mark.parametrize("mix", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("cap", [None, 1.0, 0.95, 0.5, 0.01])
def test_probabilities_match_the_numpy_reference(mix, cap):
    losses = _losses()
    got = data.hard_example_probabilities(losses, mix=mix, cap=cap)
    np.testing.assert_allclose(got, ref.hard_example_probabilities(losses, mix, cap),
                               rtol=1e-12, atol=1e-15)
    assert got.dtype == np.float64 and abs(got.sum() - 1) < 1e-12


def test_the_cap_limits_the_outlier_to_the_quantile_loss():
    losses = _losses()
    capped = data.hard_example_probabilities(losses, mix=0.0, cap=0.9)
    q = ref.quantile(losses, 0.9)
    above = losses >= q
    assert above.sum() == 2  # the outlier and the 90% quantile's own neighbour
    np.testing.assert_allclose(capped[above], capped[above][0])  # all at the cap's weight
    free = data.hard_example_probabilities(losses, mix=0.0, cap=None)
    assert free[3] > 0.4 and capped[3] < 0.15  # uncapped, one outlier takes almost half
    np.testing.assert_array_equal(
        data.hard_example_probabilities(losses, mix=0.2, cap=1.0),
        data.hard_example_probabilities(losses, mix=0.2, cap=None))  # cap=1 caps nothing
    # the order of the other examples is kept: harder is more likely
    below = ~above
    assert np.all(np.diff(capped[below][np.argsort(losses[below])]) >= 0)


def test_zero_losses_give_uniform_probabilities():
    np.testing.assert_array_equal(data.hard_example_probabilities(np.zeros(4), mix=0.0),
                                  np.full(4, 0.25))


def test_draws_follow_the_probabilities():
    x, y = _ids()
    sampler = data.HardExampleSampler(x, y, batch_size=7, mix=0.2, cap=0.95, seed=0)
    p = sampler.update(_losses())
    counts = np.bincount(np.concatenate([_epoch(sampler) for _ in range(300)]), minlength=N)
    total = counts.sum()
    assert total == 300 * N  # N draws per epoch, as many steps as a shuffled epoch
    sigma = np.sqrt(p * (1 - p) / total)
    assert np.all(np.abs(counts / total - p) < 5 * sigma), (counts / total, p)


def test_examples_with_zero_probability_are_never_drawn():
    x, y = _ids()
    sampler = data.HardExampleSampler(x, y, batch_size=5, mix=0.0, cap=None)
    sampler.update(np.where(np.arange(N) % 2 == 1, 1.0, 0.0))
    for _ in range(5):
        assert np.all(_epoch(sampler) % 2 == 1)
    sampler.reset()  # back to uniform: even examples return
    assert np.any(np.concatenate([_epoch(sampler) for _ in range(3)]) % 2 == 0)


def test_importance_weights_are_one_over_n_p_of_the_drawn_example():
    x, y = _ids()
    sampler = data.HardExampleSampler(x, y, batch_size=6, mix=0.25, cap=0.95,
                                      importance=True, seed=1)
    p = sampler.update(_losses())
    expected = ref.importance_weights(ref.hard_example_probabilities(_losses(), 0.25, 0.95))
    np.testing.assert_allclose(sampler.weights, expected, rtol=1e-12)
    assert abs(np.sum(p * sampler.weights) - 1.0) < 1e-12  # mean 1 under p: unbiased
    assert sampler.weights.max() <= 1 / 0.25 + 1e-12  # bounded by 1 / mix
    for xb, yb, wb in sampler.dataset:
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())
        np.testing.assert_allclose(wb.numpy(), expected[yb.numpy()], rtol=1e-6)


def test_same_seed_same_draws_new_draws_each_epoch():
    x, y = _ids()

    def draws(seed):
        sampler = data.HardExampleSampler(x, y, batch_size=4, seed=seed)
        sampler.update(_losses())
        return [_epoch(sampler) for _ in range(3)]

    a, b, c = draws(3), draws(3), draws(4)
    for ea, eb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])
    assert not np.array_equal(a[0], c[0])


def test_dataset_shapes_and_number_of_steps():
    x, y = _ids()
    sampler = data.HardExampleSampler(x, y, batch_size=6)
    assert int(sampler.dataset.cardinality()) == 4  # 6 + 6 + 6 + 2
    assert [int(b[1].shape[0]) for b in sampler.dataset] == [6, 6, 6, 2]
    assert len(sampler.dataset.element_spec) == 2


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"cap": 0}, ValueError, r"^`cap` must be in \(0, 1\]\. Received: cap=0(\.0)?$"),
    ({"cap": 1.5}, ValueError, r"^`cap` must be in \(0, 1\]\. Received: cap=1\.5$"),
    ({"cap": -0.2}, ValueError, r"^`cap` must be in \(0, 1\]\. Received: cap=-0\.2$"),
    ({"mix": -0.1}, ValueError, r"^`mix` must be in \[0, 1\]\. Received: mix=-0\.1$"),
    ({"mix": 1.5}, ValueError, r"^`mix` must be in \[0, 1\]\. Received: mix=1\.5$"),
    ({"batch_size": 0}, ValueError,
     r"^`batch_size` must be an integer in \[1, 20\]\. Received: batch_size=0$"),
    ({"batch_size": -3}, ValueError,
     r"^`batch_size` must be an integer in \[1, 20\]\. Received: batch_size=-3$"),
    ({"batch_size": 21}, ValueError,
     r"^`batch_size` must be an integer in \[1, 20\]\. Received: batch_size=21$"),
    ({"importance": True, "mix": 0}, ValueError,
     r"^`mix` must be > 0 when importance=True \(the weights 1 / \(N p\) are unbounded "
     r"otherwise\)\. Received: mix=0(\.0)?$"),
    ({"importance": "yes"}, TypeError, r"^`importance` must be True or False\."),
    ({"seed": -1}, ValueError,
     r"^`seed` must be an integer in \[0, 2\*\*32\)\. Received: seed=-1$"),
])
def test_bad_arguments(kwargs, error, pattern):
    x, y = _ids()
    with pytest.raises(error, match=pattern):
        data.HardExampleSampler(x, y, **{"batch_size": 4, **kwargs})


def test_bad_losses_and_arrays():
    x, y = _ids()
    sampler = data.HardExampleSampler(x, y, batch_size=4)
    with pytest.raises(ValueError, match=r"^`losses` must hold one loss per example \(20\)\. "
                                         r"Received: losses of shape \(19,\)$"):
        sampler.update(np.ones(19))
    with pytest.raises(ValueError, match=r"^`losses` must be finite and >= 0 .*Received: "
                                         r"losses containing \[nan\]$"):
        sampler.update(np.r_[np.ones(19), np.nan])
    with pytest.raises(ValueError, match=r"^`losses` must be finite and >= 0"):
        sampler.update(np.r_[np.ones(19), -1.0])
    with pytest.raises(ValueError, match=r"^`x` and `y` must have the same length\."):
        data.HardExampleSampler(x, y[:-1], batch_size=4)
    with pytest.raises(ValueError, match=r"^`x` must hold at least one example\."):
        data.HardExampleSampler(x[:0], y[:0], batch_size=1)


def test_scoring_dataset_serves_x_in_order():
    x, _ = _ids(23)
    sampler = data.HardExampleSampler(x, np.arange(23), batch_size=4)
    batches = [b.numpy() for b in sampler.scoring_dataset(10)]
    assert [len(b) for b in batches] == [10, 10, 3]
    np.testing.assert_array_equal(np.concatenate(batches), x)
    assert sampler.scoring_dataset(10) is sampler.scoring_dataset(10)
    with pytest.raises(ValueError, match=r"^`batch_size` must be an integer in \[1, inf\)\."):
        sampler.scoring_dataset(0)
