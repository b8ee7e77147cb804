"""`deeper <command> --backend NAME` and the recipes on Keras's JAX backend, in subprocesses
(the backend is chosen once per process, before Keras loads)."""

import json
import os
import subprocess
import sys

import pytest

from deeper.recipes.cli import set_backend


def _deeper(*argv, backend_env=None, timeout=600):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    env.pop("KERAS_BACKEND", None)
    if backend_env:
        env["KERAS_BACKEND"] = backend_env
    return subprocess.run([sys.executable, "-m", "deeper.recipes", *argv], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_unknown_backend_is_one_sentence_and_exit_2():
    done = _deeper("train", "--backend", "theano", "--data", "mnist1d", "--model", "mlp")
    assert done.returncode == 2
    assert done.stderr.strip() == ("deeper train: error: `backend` must be one of jax, "
                                   "tensorflow, torch. Received: backend=theano")


def test_backend_other_than_the_loaded_one_is_refused():
    import keras

    other = "torch" if keras.backend.backend() != "torch" else "jax"
    with pytest.raises(ValueError, match="already loaded"):
        set_backend(other)
    set_backend(keras.backend.backend())  # the loaded one is accepted
    set_backend(None)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_train_runs_on_the_chosen_backend(tmp_path, backend):
    # KERAS_BACKEND says the other one: the flag wins.
    other = "tensorflow" if backend == "jax" else "jax"
    done = _deeper("train", "--backend", backend, "--data", "mnist1d", "--model", "mlp",
                   "--epochs", "1", "--out", str(tmp_path), backend_env=other)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"keras backend: {backend}" in done.stdout.splitlines()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs_run"] == 1
