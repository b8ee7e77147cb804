"""The course's initializers against their formulas: moments within confidence
bounds, support and tails, and the variance of activations through depth."""

import math

import keras
import numpy as np
import pytest

from deeper.components import initializers

# (name, shape, expected variance, distribution); fans computed by hand:
# Dense (400, 300): fan_in 400, fan_out 300; Conv2D (3, 3, 16, 32): fan_in 144, fan_out 288.
CASES = [
    ("sigmoid_glorot_uniform", (400, 300), (4 * math.sqrt(6 / 700)) ** 2 / 3, "uniform"),
    ("sigmoid_glorot_uniform", (3, 3, 16, 32), (4 * math.sqrt(6 / 432)) ** 2 / 3, "uniform"),
    ("xavier_normal", (400, 300), 1 / 400, "normal"),
    ("xavier_normal", (3, 3, 16, 32), 1 / 144, "normal"),
    ("he_normal_untruncated", (400, 300), 2 / 400, "normal"),
    ("he_normal_untruncated", (3, 3, 16, 32), 2 / 144, "normal"),
    # Keras's own Glorot uniform, for tanh: U(+-sqrt(6 / (fan_in + fan_out))), variance 2 / 700.
    ("glorot_uniform", (400, 300), 2 / 700, "uniform"),
]


@pytest.mark.parametrize("name, shape, variance, dist", CASES,
                         ids=[f"{c[0]}-{len(c[1])}d" for c in CASES])
def test_sample_moments_within_confidence_bounds(name, shape, variance, dist):
    w = np.asarray(initializers.get(name, seed=7)(shape), dtype="float64").ravel()
    n = w.size
    # 5-sigma bounds: mean ~ N(0, v/n); sample variance ~ N(v, (m4 - v^2)/n),
    # with m4 = 3 v^2 (normal) or 9/5 v^2 (uniform).
    assert abs(w.mean()) < 5 * math.sqrt(variance / n)
    m4 = (3.0 if dist == "normal" else 1.8) * variance**2
    assert abs(w.var() - variance) < 5 * math.sqrt((m4 - variance**2) / n)
    if dist == "uniform":
        limit = math.sqrt(3 * variance)
        assert np.abs(w).max() <= limit * (1 + 1e-6)
        assert np.abs(w).max() > 0.99 * limit
    else:
        # Untruncated: about 4.55% of draws lie beyond 2 standard deviations
        # (Keras's truncated "he_normal"/"lecun_normal" have none).
        beyond = np.mean(np.abs(w) > 2 * math.sqrt(variance))
        assert abs(beyond - 0.0455) < 5 * math.sqrt(0.0455 * 0.9545 / n)


def test_kerass_truncated_normals_differ_in_the_tails():
    # Keras draws from a normal of stddev sqrt(v) / 0.8796... truncated at 2 of
    # its stddevs, so that the variance after truncation is v again.
    cut = 2 * math.sqrt(2 / 400) / 0.87962566103423978
    keras_w = np.asarray(keras.initializers.HeNormal(seed=7)((400, 300)), dtype="float64")
    ours = np.asarray(initializers.get("he_normal_untruncated", seed=7)((400, 300)),
                      dtype="float64")
    assert np.abs(keras_w).max() <= cut * (1 + 1e-6)
    assert np.mean(np.abs(ours) > cut) > 0.015  # untruncated: ~2.3% lie beyond the cut
    assert abs(keras_w.var() - 2 / 400) < 0.03 * 2 / 400  # same variance as ours


def test_seeded_draws_repeat_and_differ_between_seeds():
    a = np.asarray(initializers.get("xavier_normal", seed=1)((20, 10)))
    b = np.asarray(initializers.get("xavier_normal", seed=1)((20, 10)))
    c = np.asarray(initializers.get("xavier_normal", seed=2)((20, 10)))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def activation_variance_through_depth(init, activation, depth=10, width=256, n=2000, seed=0):
    """Variance of each layer's activations in a bias-free stack fed N(0, 1) inputs."""
    h = np.random.default_rng(seed).normal(size=(n, width))
    out = []
    for i in range(depth):
        w = np.asarray(initializers.get(init, seed=seed + i)((width, width)), dtype="float64")
        h = np.asarray(keras.activations.get(activation)(h @ w), dtype="float64")
        out.append(h.var())
    return np.array(out)


@pytest.mark.parametrize(
    "init, activation, low, high",
    [
        # Matched pairs: the variance after 10 layers stays within a band of the first layer's.
        ("he_normal_untruncated", "relu", 0.25, 4.0),    # measured 1.97
        ("glorot_uniform", "tanh", 0.1, 1.0),            # measured 0.13 (tanh compresses, slowly)
        ("sigmoid_glorot_uniform", "sigmoid", 0.5, 2.0),  # measured 0.72
        # Mismatched: the signal collapses geometrically.
        ("xavier_normal", "relu", 0.0, 0.01),            # measured 0.0038 (halves per layer)
        ("random_normal", "tanh", 0.0, 0.02),            # N(0, 0.05^2): measured 0.009
        # Mismatched: the 4x sigmoid rule under ReLU explodes (x8 per layer): measured 9.3e7.
        ("sigmoid_glorot_uniform", "relu", 1e6, np.inf),
    ],
)
def test_variance_through_depth(init, activation, low, high):
    v = activation_variance_through_depth(init, activation)
    assert low <= v[-1] / v[0] <= high
