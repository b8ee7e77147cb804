"""compare_optimizers and `deeper compare-optimizers`, run for real on the 2-D surfaces."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from deeper import recipes
from deeper.components.optimizers.surfaces import SURFACES, surface

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surfaces_have_their_stated_minimum(name):
    s = surface(name)
    w = tf.Variable(np.array(s.minimum, dtype="float64"))
    with tf.GradientTape() as tape:
        value = s.fn(w)
    np.testing.assert_allclose(float(value), s.minimum_value, atol=1e-12)
    np.testing.assert_allclose(tape.gradient(value, w).numpy(), 0.0, atol=1e-12)
    (x0, x1), (y0, y1) = s.bounds
    assert x0 < s.start[0] < x1 and y0 < s.start[1] < y1


def test_second_order_methods_solve_beale_and_the_saddle_quickly():
    beale = recipes.compare_optimizers("beale", optimizers=["newton", "hessian_free", "lbfgs",
                                                            "adam"], steps=40)
    for name in ("newton", "hessian_free"):
        assert beale.final_losses[name] < 1e-10, name
    assert beale.final_losses["lbfgs"] < 1e-4
    assert beale.final_losses["adam"] > 1e-6  # first order is far slower on Beale
    saddle = recipes.compare_optimizers("saddle", optimizers=["newton", "momentum"], steps=25)
    # damped Newton leaves the saddle (indefinite Hessian -> damping) for a true minimum
    assert saddle.final_losses["newton"] < 1e-10
    assert abs(saddle.trajectories["newton"][-1][1]) == pytest.approx(1.0, abs=1e-6)
    # with momentum, 25 steps along the flat direction have not left the saddle yet
    assert saddle.final_losses["momentum"] > 0.1


def test_noisy_quadratic_is_seeded_and_the_table_is_sorted(tmp_path):
    a = recipes.compare_optimizers("noisy_quadratic", optimizers=["adam", "momentum"], steps=20)
    b = recipes.compare_optimizers("noisy_quadratic", optimizers=["adam", "momentum"], steps=20)
    c = recipes.compare_optimizers("noisy_quadratic", optimizers=["adam"], steps=20, seed=1)
    np.testing.assert_array_equal(a.trajectories["adam"], b.trajectories["adam"])
    assert not np.array_equal(a.trajectories["adam"], c.trajectories["adam"])
    gaps = [row["final_gap"] for row in a.table()]
    assert gaps == sorted(gaps)
    assert a.trajectories["adam"].shape == (21, 2)
    fig = a.plot(tmp_path / "q.png")
    assert len(fig.axes) == 2 and Image.open(tmp_path / "q.png").size[0] > 800


def test_bad_arguments():
    with pytest.raises(ValueError, match="`surface` must be one of"):
        recipes.compare_optimizers("himmelblau")
    with pytest.raises(ValueError, match="`optimizers` must be .*Received: optimizers="):
        recipes.compare_optimizers("beale", optimizers=["sgdd"])


@pytest.mark.slow  # ~20 s: a process, 8 optimizers on 4 surfaces and a GIF
def test_command_line_writes_plots_gif_and_metrics(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "deeper.recipes", "compare-optimizers", "--surface", "beale",
         "--steps", "10", "--optimizers", "adam,newton", "--gif", "--out", str(tmp_path)],
        capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("compare-optimizers: best after 10 steps on beale: newton")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    rows = metrics["surfaces"]["beale"]["table"]
    assert [r["optimizer"] for r in rows] == ["newton", "adam"]
    assert Image.open(tmp_path / "beale.png").format == "PNG"
    gif = Image.open(tmp_path / "beale.gif")
    assert gif.format == "GIF" and gif.n_frames > 5
    bad = subprocess.run(
        [sys.executable, "-m", "deeper.recipes", "compare-optimizers", "--steps", "0",
         "--out", str(tmp_path)], capture_output=True, text=True, env=ENV, timeout=600)
    assert bad.returncode == 2 and "`steps` must be an integer in [1, inf)" in bad.stderr
    assert "Traceback" not in bad.stderr
