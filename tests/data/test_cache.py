"""The disk cache of generated datasets: written once, read back exactly, regenerated when
unreadable, skipped when it cannot be written; MNIST-1D from the cache is the generated set."""

import os

import numpy as np
import pytest

from deeper.components.data import cache


def _maker(calls):
    def make():
        calls.append(1)
        rng = np.random.default_rng(len(calls))
        return {"x": rng.normal(size=(5, 3)), "y": np.arange(5), "extra": np.zeros(2)}
    return make


def test_written_once_then_read_back_bit_for_bit(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPER_CACHE_DIR", str(tmp_path))
    calls = []
    first = cache.cached_arrays("toy", "1.0", ("x", "y"), _maker(calls))
    assert sorted(first) == ["x", "y"] and [p.name for p in tmp_path.iterdir()] == ["toy-1.0.npz"]
    again = cache.cached_arrays("toy", "1.0", ("x", "y"), _maker(calls))
    assert len(calls) == 1
    for k in first:
        np.testing.assert_array_equal(again[k], first[k])
        assert again[k].dtype == first[k].dtype
    cache.cached_arrays("toy", "2.0", ("x", "y"), _maker(calls))  # a new version generates
    assert len(calls) == 2


def test_an_unreadable_file_or_missing_key_is_generated_again(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPER_CACHE_DIR", str(tmp_path))
    calls = []
    (tmp_path / "toy-1.0.npz").write_bytes(b"truncated")
    cache.cached_arrays("toy", "1.0", ("x", "y"), _maker(calls))
    cache.cached_arrays("toy", "1.0", ("x", "y", "extra"), _maker(calls))  # "extra" not stored
    assert len(calls) == 2
    cache.cached_arrays("toy", "1.0", ("x", "y", "extra"), _maker(calls))
    assert len(calls) == 2


def test_an_unwritable_or_disabled_cache_only_generates(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("DEEPER_CACHE_DIR", str(blocked / "cache"))
    calls = []
    cache.cached_arrays("toy", "1.0", ("x",), _maker(calls))
    monkeypatch.setenv("DEEPER_CACHE_DIR", "")
    assert cache.cache_dir() is None
    cache.cached_arrays("toy", "1.0", ("x",), _maker(calls))
    assert len(calls) == 2 and sorted(os.listdir(tmp_path)) == ["file"]


@pytest.mark.slow  # generates MNIST-1D (about 8 s)
def test_mnist1d_from_the_cache_is_the_generated_dataset(tmp_path, monkeypatch):
    from mnist1d.data import get_dataset_args, make_dataset

    from deeper.components.data import datasets

    monkeypatch.setenv("DEEPER_CACHE_DIR", str(tmp_path))
    datasets._mnist1d_arrays.cache_clear()
    try:
        datasets._mnist1d_arrays()  # generates and writes
        datasets._mnist1d_arrays.cache_clear()
        cached = datasets._mnist1d_arrays()  # reads the file
    finally:
        datasets._mnist1d_arrays.cache_clear()
    generated = make_dataset(get_dataset_args())
    for got, key in zip(cached, ("x", "y", "x_test", "y_test")):
        np.testing.assert_array_equal(got, generated[key])
        assert got.dtype == generated[key].dtype
