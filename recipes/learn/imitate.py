"""`imitate`: fit the LSTM optimizer's phi to a hand-designed optimizer's updates (a warm start).

Teacher forcing, a form of the "off-policy imitation learning" of Chen et al. (2020,
"Training stronger baselines for learning to optimize"; there it guides meta-training,
here it is a warm start before it): run the teacher
(Nesterov momentum, in Keras's `SGD(nesterov=True)` form) on problems of the task,
record its gradients g_t and updates u_t coordinate by coordinate, and fit phi so that
the LSTM fed the teacher's gradients emits the teacher's updates:

    min_phi  sum_{t, i} (lstm(g_{1..t, i}; phi) - u_{t, i})^2 / sum_{t, i} u_{t, i}^2

(Adam on random subsets of coordinates). The fitted phi is a starting point for
`meta_train(..., init_phi=phi)`; on its own it is a copy of the teacher.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import ops

from deeper.components.optimizers import learned_lstm_math as lstm
from deeper.components.validation import check_choice, check_number, check_seed
from deeper.recipes.learn.meta_train import IMITATION, checkpoint_path, problem_seed, resolve_task
from deeper.recipes.learn.unroll import Unroller, compile_fn, value_and_grad


def teacher(unroller, steps, learning_rate, momentum):
    """A compiled `(problem) -> (gradients, updates)`: the teacher's run, two (steps, n) arrays.

    Nesterov momentum as Keras's `SGD(nesterov=True)` applies it:
    v <- mu v - lr g;  theta <- theta + mu v - lr g  (momentum 0: plain SGD).
    """

    def run(theta, data):
        velocity, grads, updates = ops.zeros_like(theta), [], []
        for t in range(steps):
            (_, _), grad = unroller._loss_and_grad(theta, data, t)
            velocity = momentum * velocity - learning_rate * grad
            update = momentum * velocity - learning_rate * grad
            theta = theta + update
            grads.append(grad)
            updates.append(update)
        return ops.stack(grads), ops.stack(updates)

    compiled = compile_fn(run)

    def on(problem):
        carry, data = unroller.start(problem)
        grads, updates = compiled(carry[0], data)
        return ops.convert_to_numpy(grads), ops.convert_to_numpy(updates)

    return on


def imitate(task, *, learning_rate, momentum=0.9, problems=8, fit_steps=1000,
            coordinates=2048, fit_learning_rate=1e-2, steps=100, p=10.0, output_scale=1.0,
            seed=0, init_phi=None, output_dir=None, resume=False, verbose=1):
    """Fit phi to Nesterov momentum's updates on problems of `task`; returns (phi, error).

    Args:
        task: a callable `seed -> Problem` (see `deeper.recipes.learn.tasks`).
        learning_rate: the teacher's learning rate, > 0 (use the rate tuned for the task).
        momentum: the teacher's momentum, in [0, 1). Defaults to 0.9.
        problems: problems the teacher runs on (their own stream of seeds). Defaults to 8.
        fit_steps: Adam steps of the fit. Defaults to 1000.
        coordinates: coordinate sequences per fit step. Defaults to 2048.
        fit_learning_rate: Adam's learning rate. Defaults to 1e-2.
        steps: optimizee steps per teacher run. Defaults to 100.
        p, output_scale: the LSTM's constants (as in `meta_train`).
        seed: seeds the problems, the initial phi and the coordinate draws. Defaults to 0.
        init_phi: start the fit from this phi instead of a random one. Defaults to `None`.
        output_dir: a directory for the checkpoint `imitate.npz` (written every 250 fit
            steps and at the end). Defaults to `None` (no checkpoint).
        resume: continue from the checkpoint in `output_dir`; the result is the one of
            an uninterrupted fit. Defaults to `False`.
        verbose: 1 prints a line every 250 fit steps, 0 nothing. Defaults to 1.

    Returns:
        (phi as float32 NumPy, the last fit step's relative squared error).
    """
    task = resolve_task(task)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    momentum = check_number("momentum", momentum, low=0, high=1, high_open=True)
    problems = check_number("problems", problems, low=1, integer=True)
    fit_steps = check_number("fit_steps", fit_steps, low=1, integer=True)
    coordinates = check_number("coordinates", coordinates, low=1, integer=True)
    fit_learning_rate = check_number("fit_learning_rate", fit_learning_rate, low=0,
                                     low_open=True)
    steps = check_number("steps", steps, low=1, integer=True)
    p = check_number("p", p, low=0, low_open=True)
    output_scale = check_number("output_scale", output_scale, low=0, low_open=True)
    seed = check_seed("seed", seed)
    verbose = check_choice("verbose", verbose, (0, 1))
    checkpoint = checkpoint_path(output_dir, "imitate.npz", "an imitation", resume)
    start = time.perf_counter()
    first = task(problem_seed(seed, IMITATION, 0))
    unroller = Unroller(first, 1, p, output_scale)
    run = teacher(unroller, steps, learning_rate, momentum)
    runs = [run(first if i == 0 else task(problem_seed(seed, IMITATION, i)))
            for i in range(problems)]
    grads = np.concatenate([g for g, _ in runs], axis=1)  # (steps, all coordinates)
    updates = np.concatenate([u for _, u in runs], axis=1)
    coordinates = min(coordinates, grads.shape[1])
    phi = keras.Variable(lstm.initial_phi(seed) if init_phi is None
                         else np.asarray(init_phi, "float32"), name="phi")
    adam = keras.optimizers.Adam(fit_learning_rate)
    adam.build([phi])
    done, relative = 0, float("nan")
    if resume and checkpoint.exists():
        with np.load(checkpoint) as saved:
            phi.assign(saved["phi"])
            for i, variable in enumerate(adam.variables):
                variable.assign(saved[f"adam_{i}"])
            done, relative = int(saved["step"]), float(saved["relative"])

    def error(phi_value, g, target):
        state = ops.zeros((ops.shape(g)[1], lstm.STATE_SIZE), g.dtype)
        total = 0.0
        for t in range(steps):
            update, state = lstm.lstm_update(phi_value, g[t], state, p, output_scale)
            total = total + ops.sum((update - target[t]) ** 2)
        relative = total / ops.sum(target ** 2)
        return relative, relative

    fit = compile_fn(value_and_grad(error))
    for step in range(done + 1, fit_steps + 1):
        rng = np.random.default_rng([seed, step])  # per step, so that a resumed fit is exact
        index = rng.choice(grads.shape[1], coordinates, replace=False)
        (value, _), grad = fit(phi.value, ops.convert_to_tensor(grads[:, index]),
                               ops.convert_to_tensor(updates[:, index]))
        adam.apply_gradients([(grad, phi)])
        relative = float(value)
        if step % 250 == 0 or step == fit_steps:
            if checkpoint is not None:
                _save(checkpoint, phi, adam, step, relative)
            if verbose:
                print(f"imitation step {step}/{fit_steps}: relative error {relative:.3f}, "
                      f"{time.perf_counter() - start:.0f} s", flush=True)
    return keras.ops.convert_to_numpy(phi.value).astype("float32"), relative


def _save(path, phi, adam, step, relative):
    """Checkpoint atomically: phi, Adam's variables, the fit step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"adam_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(adam.variables)}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, phi=keras.ops.convert_to_numpy(phi.value), step=step, relative=relative,
             **arrays)
    tmp.replace(path)
