"""`train_classifier(..., distribution="data_parallel")`: Keras's `DataParallel` on JAX, in
one process over two local CPU devices and in two processes on localhost (JAX's CPU
collectives), trains the weights one plain process trains on the same global batches.

The runs go in subprocesses on the JAX backend (the backend, the device count and
`keras.distribution.initialize` are fixed once per process), so the test runs whatever
backend the calling pytest has."""

import os
import socket
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from deeper import recipes
from deeper.components import data
from deeper.recipes.train import setup

# One run of the recipe: argv = mode ("plain" | "parallel"), process id, processes,
# coordinator port, output .npz. 264 examples: 198 train (6 batches of 32 and one of
# 6, so an epoch's last batch splits over the devices too), 66 validation, 64 test.
WORKER = textwrap.dedent("""
    import sys
    import keras
    import numpy as np
    mode, pid, processes, port, out = sys.argv[1:]
    if int(processes) > 1:
        keras.distribution.initialize(f"localhost:{port}", num_processes=int(processes),
                                      process_id=int(pid))
    from deeper import recipes
    from deeper.components import data
    rng = np.random.default_rng(0)
    x = rng.normal(size=(328, 12)).astype("float32")
    y = x[:, :3].argmax(axis=1)
    ds = data.from_arrays(x[:264], y[:264], x_test=x[264:], y_test=y[264:],
                          val_fraction=0.25, seed=0)
    run = recipes.train_classifier(
        ds, model="mlp", width=16, epochs=3, batch_size=32, verbose=0,
        distribution=None if mode == "plain" else "data_parallel")
    np.savez(out, *run.model.get_weights(), loss=np.array(run.history["loss"]),
             replicas=run.config["replicas"], sizes=[len(ds.x_train), len(ds.x_val)])
""")


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _start(mode, out, pid=0, processes=1, port=0, local_devices=1):
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("XLA_FLAGS", None)
    if local_devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={local_devices}"
    argv = [sys.executable, "-c", WORKER, mode, str(pid), str(processes), str(port), str(out)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _finish(runs):
    """Wait for every run; on a failure or a hang, stop the others and show its output."""
    try:
        for name, proc in runs.items():
            output, _ = proc.communicate(timeout=600)
            assert proc.returncode == 0, f"{name} failed:\n{output[-3000:]}"
    finally:
        for proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _weights(path):
    stored = np.load(path)
    return stored, [stored[f"arr_{i}"] for i in range(len(stored.files) - 3)]


@pytest.mark.slow  # four JAX processes at once: ~230 s on the busy shared 2-core machine
def test_two_processes_and_two_local_devices_train_the_weights_of_one_process(tmp_path):
    port = _free_port()
    runs = {
        "plain": _start("plain", tmp_path / "plain.npz"),
        "two local devices": _start("parallel", tmp_path / "local.npz", local_devices=2),
        "process 0": _start("parallel", tmp_path / "p0.npz", 0, 2, port),
        "process 1": _start("parallel", tmp_path / "p1.npz", 1, 2, port),
    }
    _finish(runs)
    plain, reference = _weights(tmp_path / "plain.npz")
    assert list(plain["sizes"]) == [198, 66] and int(plain["replicas"]) == 1
    _, process1 = _weights(tmp_path / "p1.npz")
    for name in ("local", "p0"):
        stored, weights = _weights(tmp_path / f"{name}.npz")
        assert int(stored["replicas"]) == 2
        # Same batches, same dropout masks (drawn for the global batch), same updates: only
        # the order of float32 sums differs (each device sums its half of the batch, then
        # the halves are added), ~1e-7 relative per sum. Over these 21 steps (Nesterov,
        # batch norm, dropout, L2) the largest difference measured 2.0e-6 in the weights
        # (|w| up to 1.8) and 2.4e-7 in the epoch losses: the tolerances are ~10x that.
        np.testing.assert_allclose(stored["loss"], plain["loss"], rtol=1e-5)
        for got, want in zip(weights, reference, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-5)
    _, process0 = _weights(tmp_path / "p0.npz")
    for a, b in zip(process0, process1, strict=True):  # the replicas stay identical
        np.testing.assert_array_equal(a, b)


# Each backend refuses the other's distribution, naming its own.
REFUSALS = {"tensorflow": ("data_parallel", "'mirrored'"), "jax": ("mirrored", "'data_parallel'")}


@pytest.mark.skipif(keras.backend.backend() not in REFUSALS, reason="a TensorFlow/JAX refusal")
def test_the_other_backends_distribution_is_refused_naming_this_ones(digits):
    asked, named = REFUSALS[keras.backend.backend()]
    with pytest.raises(ValueError) as info:
        recipes.train_classifier(digits, distribution=asked, epochs=1, verbose=0)
    assert type(info.value) is ValueError
    assert named in str(info.value) and "\n" not in str(info.value)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="keras.distribution is JAX's")
def test_data_parallel_on_jax_sets_the_distribution_for_the_run_only(digits):
    run = recipes.train_classifier(digits, model="mlp", width=64, distribution="data_parallel",
                                   epochs=3, batch_size=64, verbose=0)
    assert keras.distribution.distribution() is None  # restored afterwards
    assert run.config["replicas"] == len(keras.distribution.list_devices())
    assert run.test_metrics["accuracy"] > 0.85  # as the plain run's test; chance is 0.10


def test_batches_that_do_not_split_over_the_devices_are_refused():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    ds = data.from_arrays(x, np.arange(40) % 2, val_fraction=0.1, seed=0)  # 4 validation
    with pytest.raises(ValueError, match="multiple of the 4 devices") as info:
        setup.check_data_parallel(ds, 30, 4)
    assert type(info.value) is ValueError
    with pytest.raises(ValueError, match=r"dataset.x_val` must hold at least one example "
                                         r"per device \(8\)"):
        setup.check_data_parallel(ds, 16, 8)
    setup.check_data_parallel(ds, 16, 4)  # a multiple, and every split fills 4 devices


def test_batches_per_epoch_drop_only_a_last_batch_smaller_than_the_devices():
    assert setup.batches_per_epoch(198, 32, 2) == 7  # a last batch of 6 splits over 2
    assert setup.batches_per_epoch(193, 32, 2) == 6  # a last batch of 1 cannot
    assert setup.batches_per_epoch(193, 32) == 7     # one device: every batch
