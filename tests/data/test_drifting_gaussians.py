"""`drifting_gaussians`: seeded, the means rotate as the formula says, fresh samples follow them."""

import numpy as np
import pytest

from deeper.components import data


def test_stream_is_seeded_and_shaped():
    a = data.drifting_gaussians(50, batch_size=4, seed=1)
    b = data.drifting_gaussians(50, batch_size=4, seed=1)
    c = data.drifting_gaussians(50, batch_size=4, seed=2)
    assert a.x.shape == (50, 4, 2) and a.y.shape == (50, 4) and a.steps == 50
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    assert set(np.unique(a.y)) == {0, 1, 2}
    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in a.dataset()))
    np.testing.assert_array_equal(np.stack(xs), a.x)


def test_means_rotate_by_the_formula():
    stream = data.drifting_gaussians(101, num_classes=4, radius=3.0, revolutions=0.5, seed=0)
    for t in (0, 37, 100):
        angle = 2 * np.pi * np.arange(4) / 4 + 2 * np.pi * 0.5 * t / 100
        np.testing.assert_allclose(stream.means(t),
                                   3.0 * np.stack([np.cos(angle), np.sin(angle)], 1), atol=1e-12)
    np.testing.assert_allclose(stream.means(100), -stream.means(0), atol=1e-12)  # half a turn


def test_samples_follow_the_current_means():
    stream = data.drifting_gaussians(200, noise=0.5, seed=0)
    x, y = stream.sample(120, 6000, seed=3)
    for k in range(3):
        np.testing.assert_allclose(x[y == k].mean(axis=0), stream.means(120)[k], atol=0.05)
        np.testing.assert_allclose(x[y == k].std(axis=0), 0.5, atol=0.03)
    # the stream itself: step t's batch is drawn around means(t)
    t = np.repeat(np.arange(200), 10)
    residual = stream.x.reshape(-1, 2) - np.stack([stream.means(s) for s in t])[
        np.arange(2000), stream.y.reshape(-1)]
    assert abs(residual.std() - 0.5) < 0.03 and np.abs(residual.mean(axis=0)).max() < 0.05


@pytest.mark.parametrize("kwargs,name", [
    ({"steps": 1}, "steps"), ({"batch_size": 0}, "batch_size"), ({"num_classes": 1},
                                                                  "num_classes"),
    ({"radius": 0.0}, "radius"), ({"noise": -1.0}, "noise"), ({"revolutions": float("nan")},
                                                               "revolutions"),
])
def test_bad_arguments(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=f"`{name}` must"):
        data.drifting_gaussians(**kwargs)
