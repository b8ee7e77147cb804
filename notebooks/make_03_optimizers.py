"""Generates notebooks/03_optimizers.ipynb (run: python notebooks/make_03_optimizers.py).

Kept next to the notebook; ruff excludes notebooks/ and pytest only collects tests/.
"""

from pathlib import Path

import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# Optimizers: first order, quasi-Newton, Newton

The course goes from momentum to Newton and L-BFGS: the Hessian is too expensive, so
approximate it. This notebook runs every optimizer on 2-D test surfaces, checks the
second-order methods against scipy on a convex problem, shows why L-BFGS needs a line
search, and compares full-batch second-order training with mini-batch SGD.

The tests run it with `DEEPER_NOTEBOOK_SMALL=1` (fewer steps)."""),
    code("""import os
import time
import numpy as np
import matplotlib.pyplot as plt
import keras
import scipy.optimize

from deeper import recipes
from deeper.components import data, optimizers

SMALL = bool(os.environ.get("DEEPER_NOTEBOOK_SMALL"))
STEPS = 20 if SMALL else 300"""),
    md("""## 1. Eight optimizers on four surfaces

Keras's momentum, Nesterov, Adagrad, RMSprop and Adam (`optimizers.get(name)`), our stochastic
`LBFGS` Keras optimizer, and the damped `Newton` and `HessianFree` steps, all from the same
start. Left: trajectories on the contours; right: f(w) - f(w*) per step (log scale). The
learning rates are per surface (`surface(name).learning_rates`, picked from a grid)."""),
    code("""results = {}
for name in ("rosenbrock", "beale", "saddle", "noisy_quadratic"):
    results[name] = recipes.compare_optimizers(name, steps=STEPS)
    print(results[name].summary(), end="\\n\\n")"""),
    code("""results["rosenbrock"].plot()"""),
    md("""On the saddle (x² + y⁴/4 − y²/2, start next to the x axis), gradient methods with
momentum first run into the saddle point and only slowly leave it along y; the damped
Newton step sees the negative curvature (the Cholesky factorization of H + λI fails),
raises λ and leaves at once. Adam and RMSprop normalize each coordinate, so the tiny
y-gradient is amplified: they leave quickly too."""),
    code("""results["saddle"].plot()"""),
    md("""On the noisy quadratic every method sees the same seeded noise ξ_t in its gradient.
Newton jumps to the minimizer of each noisy model, so it never settles better than the
noise allows; averaging methods (small-rate momentum, Adagrad's decaying rate) do."""),
    code("""results["noisy_quadratic"].plot()"""),
    md("""## 2. A convex problem: three methods, one minimum

Multinomial logistic regression on digits with a small L2 (so the minimum is unique),
trained full batch in float64 by `fit_full_batch`, against `scipy.optimize.minimize(method=
"L-BFGS-B")` on the same loss written in NumPy."""),
    code("""digits = data.load("digits")
n = 300 if SMALL else len(digits.x_train)
x, y = (digits.x_train[:n] / 16).astype("float32"), digits.y_train[:n]
l2 = 1e-3

def softmax_loss(w):
    kernel, bias = w[:640].reshape(64, 10), w[640:]
    z = x.astype("float64") @ kernel + bias
    z -= z.max(1, keepdims=True)
    p = np.exp(z); p /= p.sum(1, keepdims=True)
    value = -np.log(p[np.arange(len(x)), y]).mean() + l2 * np.sum(kernel ** 2)
    p[np.arange(len(x)), y] -= 1
    return value, np.concatenate([(x.T @ p / len(x) + 2 * l2 * kernel).ravel(), p.mean(0)])

best = scipy.optimize.minimize(softmax_loss, np.zeros(650), jac=True, method="L-BFGS-B",
                               options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
print(f"scipy L-BFGS-B: {best.fun:.10f} ({best.nit} iterations)")
for method in ("lbfgs", "newton", "hessian_free"):
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(
        10, activation="softmax", kernel_regularizer=keras.regularizers.L2(l2),
        kernel_initializer="zeros")])
    result = recipes.fit_full_batch(model, (x, y), method=method, max_iterations=400)
    print(f"{result.summary()}; minus scipy: {result.final_loss - best.fun:+.2e}")
    assert abs(result.final_loss - best.fun) < 1e-5"""),
    md("""## 3. L-BFGS without a line search

torch.optim.LBFGS's default is `line_search_fn=None`: a fixed step of 1 along the L-BFGS
direction. On a small tanh net fed raw pixels (0..16) the curvature changes fast, the
quasi-Newton model is wrong, and the untested step throws the weights far away.
`fit_full_batch(line_search=None)` reproduces that rule; the default strong-Wolfe line
search (Nocedal & Wright, Alg. 3.5/3.6) only accepts steps that decrease the loss enough
and satisfy the curvature condition, so the loss never rises and every pair has s·y > 0."""),
    code("""raw_x, raw_y = digits.x_train[:300], digits.y_train[:300]

def net():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="tanh"),
                             keras.layers.Dense(16, activation="tanh"),
                             keras.layers.Dense(10, activation="softmax")])

runs = {"no line search (torch's default)": recipes.fit_full_batch(
            net(), (raw_x, raw_y), line_search=None, max_iterations=100),
        "strong Wolfe (ours)": recipes.fit_full_batch(net(), (raw_x, raw_y), max_iterations=100)}
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, run in runs.items():
    print(f"{label}: {run.summary()}")
    ax.semilogy(run.history["loss"], label=label)
ax.set_xlabel("iteration"); ax.set_ylabel("training loss"); ax.legend();"""),
    md("""## 4. Full batch vs mini-batch

The same 64-32-10 tanh MLP on standardized digits: full-batch L-BFGS, Hessian-free and
Newton (2,410 weights, under Newton's `max_params=5000`) against mini-batch Adam and our
stochastic `LBFGS` in `model.fit` (batch 128), training loss against wall time. Full-batch
methods drive the *training* loss down much further; whether that generalizes is another
question (the course: "what about SGD?")."""),
    code("""mean, std = digits.x_train.mean(0), digits.x_train.std(0) + 1e-3
xs = ((digits.x_train - mean) / std).astype("float32")

def mlp():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="tanh"),
                             keras.layers.Dense(10, activation="softmax")])

curves = {}
methods = (("lbfgs", 60), ("hessian_free", 3)) if SMALL else (
    ("lbfgs", 500), ("hessian_free", 60), ("newton", 10))  # Newton: 2,410 x 2,410 Hessians
for method, iters in methods:
    run = recipes.fit_full_batch(mlp(), (xs, digits.y_train), method=method,
                                 max_iterations=iters)
    curves[f"{method} (full batch)"] = (run.history["seconds"], run.history["loss"])
    print(run.summary())
for name in ("adam", "lbfgs"):
    model = mlp()
    model.compile(optimizer=optimizers.get(name), loss="sparse_categorical_crossentropy")
    seconds, losses = [0.0], [model.evaluate(xs, digits.y_train, verbose=0, batch_size=2048)]
    for epoch in range(3 if SMALL else 40):
        start = time.perf_counter()
        model.fit(xs, digits.y_train, batch_size=128, epochs=1, verbose=0)
        seconds.append(seconds[-1] + time.perf_counter() - start)
        losses.append(model.evaluate(xs, digits.y_train, verbose=0, batch_size=2048))
    curves[f"{name} (batch 128)"] = (seconds, losses)
    print(f"{name} (batch 128): loss {losses[0]:.4g} -> {losses[-1]:.4g} in {seconds[-1]:.2f} s")
fig, ax = plt.subplots(figsize=(7, 4))
for label, (t, loss) in curves.items():
    ax.semilogy(t, loss, label=label)
ax.set_xlabel("training wall time (s)"); ax.set_ylabel("full training loss"); ax.legend();"""),
    md("""## 5. Which to use

* Mini-batch training of a network: Keras's first-order optimizers (or our `LBFGS` with its
  stochastic safeguards: Powell damping, curvature skip, γ scaling, step clip).
* A small deterministic problem (a convex model, a small net fit to a fixed data set):
  `fit_full_batch` with L-BFGS (cheap, a strong-Wolfe line search), Hessian-free (CG on
  Hessian-vector products) or damped Newton (n ≤ a few thousand weights)."""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, Path(__file__).with_name("03_optimizers.ipynb"))
