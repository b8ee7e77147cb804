"""Generates notebooks/08_learning_to_learn.ipynb (run: python notebooks/make_08_learning_to_learn.py,
then execute it with nbclient to store the outputs)."""

from pathlib import Path

import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# Learning to learn: a learned LSTM optimizer

The course ends its optimizer section with "learning, not computing, the update"
(Andrychowicz et al. 2016): theta_{t+1} = theta_t + g(grad f(theta_t), phi), where g is a
two-layer LSTM applied to every coordinate with shared weights phi, and phi itself is
trained by gradient descent (Adam) on the sum of the losses along the trajectory.

1. the shipped `quadratic` preset against a tuned Adam on held-out quadratics, and the
   `mlp` preset against tuned Nesterov momentum on held-out MNIST-1D networks;
2. a (small) meta-training run with `recipes.meta_train`, on your own task;
3. the learned optimizer inside `model.compile` / `fit`.

Small settings by default (the tests run it); `DEEPER_NOTEBOOK_FULL=1` uses 100 problems."""),
    code("""import os
import numpy as np
import matplotlib.pyplot as plt
import keras
from keras import ops

from deeper import recipes
from deeper.components import optimizers
from deeper.recipes.learn import Problem, evaluate, mnist1d_mlp, problem_seed, quadratic
from deeper.recipes.learn.meta_train import TEST

FULL = bool(os.environ.get("DEEPER_NOTEBOOK_FULL"))
PROBLEMS = 100 if FULL else 20"""),
    md("""## 1. The `quadratic` preset vs Adam on held-out quadratics

f(theta) = ||W theta - y||^2 with W, y ~ N(0, 1), theta_0 = 0, 100 steps. The problems come
from the TEST stream of seeds, never seen in meta-training; `PROBLEMS` of them side by side
(each coordinate of a coordinatewise optimizer only sees its own gradient, so this is the
same as separate runs). Adam's rate 0.316 is the best of a log grid on separate tuning
problems (`benchmarks/learned_optimizer.py`)."""),
    code("""test = [quadratic(problems=PROBLEMS)(problem_seed(0, TEST, 0))]
curves = {
    "learned_lstm (quadratic)": evaluate.run_on(
        lambda: optimizers.get("learned_lstm", preset="quadratic"), test, 100),
    "adam (lr 0.316)": evaluate.run_on(lambda: optimizers.get("adam", learning_rate=0.316),
                                       test, 100),
    "nesterov (lr 0.01)": evaluate.run_on(
        lambda: optimizers.get("nesterov", learning_rate=0.01), test, 100),
}
fig, ax = plt.subplots(figsize=(6, 4))
for label, losses in curves.items():
    ax.plot(losses.mean(axis=1), label=label)
    s = evaluate.scores(losses)
    print(f"{label:26s} mean final loss {s['final'].mean():.3f}   mean sum_t f {s['sum'].mean():.1f}")
ax.set(xlabel="step", ylabel="mean loss", yscale="log", title=f"{PROBLEMS} held-out quadratics")
ax.legend()
plt.show()"""),
    md("""### The `mlp` preset on held-out MNIST-1D networks

One hidden layer of 20 sigmoid units, batches of 128, 100 steps; new initializations
and batch orders (the TEST stream). This preset is not meta-trained by BPTT: its phi
copies tuned Nesterov momentum (`recipes.learn.imitate`, lr 1.78, momentum 0.9) and
its output scale (1.259) was chosen on validation networks
(`recipes.learn.tune_output_scale`); the paper's meta-gradients made it worse
(`benchmarks/RESULTS.md`). Nesterov's and Adam's rates are the best of a log grid on
separate tuning networks."""),
    code("""nets = [mnist1d_mlp(nets=PROBLEMS // 2)(problem_seed(0, TEST, 0))]
curves = {
    "learned_lstm (mlp)": evaluate.run_on(
        lambda: optimizers.get("learned_lstm", preset="mlp"), nets, 100),
    "nesterov (lr 1.78)": evaluate.run_on(
        lambda: optimizers.get("nesterov", learning_rate=1.78), nets, 100),
    "adam (lr 0.0562)": evaluate.run_on(
        lambda: optimizers.get("adam", learning_rate=0.0562), nets, 100),
}
fig, ax = plt.subplots(figsize=(6, 4))
for label, losses in curves.items():
    ax.plot(losses.mean(axis=1), label=label)
    print(f"{label:22s} mean training loss at step 100: {losses[-1].mean():.3f}")
ax.set(xlabel="step", ylabel="mean mini-batch loss", yscale="log",
       title=f"{PROBLEMS // 2} held-out MNIST-1D networks")
ax.legend()
plt.show()"""),
    md("""## 2. Meta-training on your own task

A task is a function `seed -> Problem(params, data, loss)`; `loss(params, data, step)` is
written in `keras.ops` and may pick the step's mini-batch with `step`. Here: least squares
on 8 batches of 4 points in 5 dimensions. Truncated backpropagation through time: unrolls of
5 steps over 20 optimizee steps (the presets use 20 over 100), a progress line per
meta-iteration, the best phi on held-out problems kept."""),
    code("""def regression_loss(params, data, step):
    x = ops.take(data["x"], step % 8, axis=0)
    y = ops.take(data["y"], step % 8, axis=0)
    return ops.mean((ops.matmul(x, params[0]) - y) ** 2)


def regression(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 4, 5)).astype("float32")
    y = (x @ rng.normal(size=(5,)) + 0.1 * rng.normal(size=(8, 4))).astype("float32")
    return Problem([np.zeros((5,), "float32")], {"x": x, "y": y}, regression_loss)


result = recipes.meta_train(regression, meta_iterations=40 if FULL else 20, steps=20, unroll=5,
                            meta_learning_rate=1e-2, validate_every=5, validation_problems=2,
                            seed=0)
print("best validation mean sum_t f:", round(result.best_validation, 3),
      "at meta-iteration", result.best_iteration)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(result.history["iteration"], result.history["meta_loss"], label="training meta-loss")
ax.plot(result.history["validation_iteration"], result.history["validation"], "o-",
        label="validation (mean sum_t f)")
ax.set(xlabel="meta-iteration", yscale="log")
ax.legend()
plt.show()"""),
    md("""## 3. In `compile` / `fit`

`result.optimizer()` (or `optimizers.get("learned_lstm", preset="mlp")`) is a Keras
optimizer: the per-coordinate LSTM states are optimizer variables, so the model saves and
reloads with `safe_mode=True` and resumes exactly."""),
    code("""rng = np.random.default_rng(0)
x = rng.normal(size=(256, 5)).astype("float32")
y = (x @ rng.normal(size=(5, 1))).astype("float32")
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
model.compile(optimizer=result.optimizer(), loss="mse")
history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
print("mse per epoch:", [round(v, 4) for v in history.history["loss"]])"""),
]
nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
nbf.write(nb, Path(__file__).with_name("08_learning_to_learn.ipynb"))
