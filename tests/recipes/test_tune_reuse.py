"""Trials without retracing: a reused compiled model starts and ends like a fresh one."""

import json
import os
import subprocess
import sys

import pytest

from deeper.recipes.tuning import reuse


def _check(result):
    assert result["reused"] and result["hits"] == 1  # the second trial got the first's model
    assert result["start_gap"] == 0.0  # weights, BN statistics and seed states of a fresh build
    assert result["weight_gap"] == 0.0 and result["optimizer_gap"] == 0.0
    assert result["iterations"] == result["fresh_iterations"] == 16  # 2 epochs x 8 steps


def test_reused_trial_gives_the_weights_of_a_fresh_one(tune_helpers):
    _check(tune_helpers.reuse_equivalence())


@pytest.mark.slow  # a JAX process: ~1 min on the shared 2-core machine
def test_reused_trial_gives_the_weights_of_a_fresh_one_on_jax():
    helpers = os.path.join(os.path.dirname(__file__), "tune_helpers.py")
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
           "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, helpers, "--reuse"], capture_output=True, text=True,
                          env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    _check(json.loads(done.stdout.strip().splitlines()[-1]))


def test_signature_ignores_only_a_float_learning_rate():
    config = {"depth": 2, "width": 16, "learning_rate": 0.01, "schedule": "constant"}
    other_rate = {**config, "learning_rate": 0.02}
    assert reuse.signature(config, True) == reuse.signature(other_rate, True)
    # A schedule bakes its initial rate into the trace: then the rate is part of the key.
    assert reuse.signature(config, False) != reuse.signature(other_rate, False)
    assert reuse.signature(config, True) != reuse.signature({**config, "width": 32}, True)


def test_cache_keeps_the_most_recent_signatures():
    import keras

    cache = reuse.ModelCache(size=2)
    nets = [keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]) for _ in range(3)]
    for key, net in zip("abc", nets):
        net.compile(optimizer="sgd", loss="mse")
        cache.store(key, net)
    assert len(cache) == 2 and list(cache._models) == ["b", "c"]
    # Never trained: nothing traced to keep, so nothing is handed out.
    assert cache.reuse("c", keras.optimizers.SGD) is None and cache.hits == 0
    assert cache.reuse("a", keras.optimizers.SGD) is None
