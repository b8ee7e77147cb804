"""`meta_train`: learn the LSTM optimizer's parameters phi by truncated BPTT (Andrychowicz 2016)."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from deeper.components.optimizers import LearnedOptimizer
from deeper.components.optimizers import learned_lstm_math as lstm
from deeper.components.validation import check_bool, check_choice, check_number, check_seed
from deeper.recipes.learn import tasks
from deeper.recipes.learn.unroll import Unroller

# Independent streams of problem seeds (IMITATION: the teacher's runs in `imitate`).
TRAIN, VALIDATION, TEST, TUNING, IMITATION = 0, 1, 2, 3, 4


def problem_seed(seed, stream, index):
    """The seed of problem `index` of `stream` (TRAIN, VALIDATION, TEST, TUNING, IMITATION)."""
    return int(np.random.SeedSequence([seed, stream, index]).generate_state(1)[0])


@dataclasses.dataclass
class MetaTrainResult:
    """What `meta_train` returns.

    Attributes:
        phi: the best phi on the validation problems (float32, `PHI_SIZE`).
        last_phi: phi after the last meta-iteration.
        p, output_scale: the LSTM constants it was trained with.
        history: dict of lists: `iteration`, `meta_loss` (per meta-iteration),
            `validation_iteration`, `validation` (mean over validation problems).
        best_validation, best_iteration: the best validation figure and when.
        wall_time: seconds of meta-training (this call, plus earlier ones when resumed).
        output_dir: where the checkpoint lives, or `None`.
    """

    phi: np.ndarray
    last_phi: np.ndarray
    p: float
    output_scale: float
    history: dict
    best_validation: float
    best_iteration: int
    wall_time: float
    output_dir: str | None = None

    def optimizer(self, **kwargs):
        """A `LearnedOptimizer` with the best phi (keyword arguments go to it)."""
        return LearnedOptimizer(preset=None, phi=self.phi, p=self.p,
                                output_scale=self.output_scale, **kwargs)


def resolve_task(task):
    """A task callable from a name (`"quadratic"`, `"mlp"`) or a callable."""
    if isinstance(task, str):
        return tasks.TASKS[check_choice("task", task, tasks.TASKS)]()
    if not callable(task):
        raise TypeError("`task` must be a callable seed -> Problem, or one of 'quadratic', "
                        f"'mlp'. Received: task={task!r}")
    return task


def validate(unroller, phi, problems, steps, metric):
    """Mean over `problems` of sum_t f(theta_t), t = 1..steps (or f(theta_steps))."""
    scores = []
    for problem in problems:
        losses = unroller.rollout(phi, problem, steps)
        scores.append(losses[1:].sum(axis=0) if metric == "sum" else losses[-1])
    score = float(np.mean(np.concatenate(scores)))
    return score if math.isfinite(score) else math.inf


def checkpoint_path(output_dir, filename, what, resume):
    """`<output_dir>/<filename>` (or `None`), refusing to overwrite a checkpoint unless
    `resume`, and a resume without a directory; `what` names the checkpoint's kind."""
    resume = check_bool("resume", resume)
    checkpoint = None if output_dir is None else Path(output_dir) / filename
    if checkpoint is not None and checkpoint.exists() and not resume:
        raise ValueError(f"`output_dir` already holds {what} checkpoint: pass resume=True "
                         "(`--resume` on the command line) to continue it. Received: "
                         f"output_dir={str(output_dir)!r}")
    if resume and checkpoint is None:
        raise ValueError("`resume` needs an `output_dir` holding a checkpoint. "
                         "Received: resume=True, output_dir=None")
    return checkpoint


def tune_output_scale(phi, task, *, scales, validation_problems=16, steps=100,
                      validation_metric="final", p=10.0, seed=0):
    """The output scale of `scales` with which phi scores best on held-out problems.

    The learned optimizer's own "learning rate", chosen like the baselines' (a grid,
    scored on problems of the VALIDATION stream, never on TEST ones).

    Returns:
        (best scale, {scale: mean score}), a diverged run scoring inf.
    """
    task = resolve_task(task)
    validation_problems = check_number("validation_problems", validation_problems, low=1,
                                       integer=True)
    steps = check_number("steps", steps, low=1, integer=True)
    validation_metric = check_choice("validation_metric", validation_metric, ("sum", "final"))
    p = check_number("p", p, low=0, low_open=True)
    seed = check_seed("seed", seed)
    if not scales or any(not isinstance(s, (int, float)) or not s > 0 for s in scales):
        raise ValueError(f"`scales` must be a non-empty list of numbers > 0. Received: "
                         f"scales={scales!r}")
    held_out = [task(problem_seed(seed, VALIDATION, i)) for i in range(validation_problems)]
    table = {float(s): validate(Unroller(held_out[0], min(20, steps), p, float(s)), phi,
                                held_out, steps, validation_metric) for s in scales}
    return min(table, key=table.get), table


def meta_train(task, *, meta_iterations=1000, steps=100, unroll=20, meta_learning_rate=1e-3,
               validation_problems=8, validate_every=25, validation_metric="sum", p=10.0,
               output_scale=0.1, seed=0, init_phi=None, output_dir=None, resume=False,
               verbose=1):
    """Meta-train the learned LSTM optimizer on problems sampled from `task`.

    Each meta-iteration samples a fresh problem (seed from `seed` and the iteration),
    resets theta and the LSTM state, and runs `steps` optimizee steps in truncated
    unrolls of `unroll` steps: after each unroll, one Adam step on phi along the
    gradient of the meta-loss sum_t f(theta_t) over that unroll (optimizee gradients
    held constant, as in the paper); theta and the LSTM state carry over to the next
    unroll. Every `validate_every` meta-iterations, phi is scored on held-out
    problems; the best phi is kept (the starting phi is scored too, so the kept phi is
    never worse on them than the one meta-training began from).

    Args:
        task: `"quadratic"`, `"mlp"` or a callable `seed -> Problem` (see
            `deeper.recipes.learn.tasks`).
        meta_iterations: the number of sampled problems. Defaults to 1000.
        steps: optimizee steps per problem. Defaults to 100.
        unroll: the truncation length, in [1, steps]. Defaults to 20.
        meta_learning_rate: Adam's learning rate on phi. Defaults to 1e-3.
        validation_problems: held-out problems scoring phi. Defaults to 8.
        validate_every: meta-iterations between validations. Defaults to 25.
        validation_metric: `"sum"` (mean sum_t f) or `"final"` (mean final f).
            Defaults to `"sum"`.
        p: the preprocessing constant, > 0. Defaults to 10.
        output_scale: the LSTM output's scale, > 0. Defaults to 0.1.
        seed: seeds the initial phi and every sampled problem. Defaults to 0.
        init_phi: start from this phi (for instance `recipes.learn.imitate`'s) instead
            of a random one. Defaults to `None`.
        output_dir: a directory for the checkpoint (written at every validation).
            Defaults to `None` (no checkpoint).
        resume: continue from the checkpoint in `output_dir` (an existing checkpoint
            is refused otherwise). Defaults to `False`.
        verbose: 1 prints one line per meta-iteration, 0 nothing. Defaults to 1.

    Returns:
        a `MetaTrainResult`; `.optimizer()` is the ready-to-use Keras optimizer.
    """
    task = resolve_task(task)
    meta_iterations = check_number("meta_iterations", meta_iterations, low=1, integer=True)
    steps = check_number("steps", steps, low=1, integer=True)
    unroll = check_number("unroll", unroll, low=1, high=steps, integer=True)
    meta_learning_rate = check_number("meta_learning_rate", meta_learning_rate, low=0,
                                      low_open=True)
    validation_problems = check_number("validation_problems", validation_problems, low=1,
                                       integer=True)
    validate_every = check_number("validate_every", validate_every, low=1, integer=True)
    validation_metric = check_choice("validation_metric", validation_metric, ("sum", "final"))
    p = check_number("p", p, low=0, low_open=True)
    output_scale = check_number("output_scale", output_scale, low=0, low_open=True)
    seed = check_seed("seed", seed)
    verbose = check_choice("verbose", verbose, (0, 1))
    checkpoint = checkpoint_path(output_dir, "meta_train.npz", "a meta-training", resume)

    unroller = Unroller(task(problem_seed(seed, TRAIN, 0)), unroll, p, output_scale)
    held_out = [task(problem_seed(seed, VALIDATION, i)) for i in range(validation_problems)]
    if init_phi is None:
        start_phi = lstm.initial_phi(seed)
    else:
        start_phi = np.asarray(init_phi, "float32")
        if start_phi.shape != (lstm.PHI_SIZE,) or not np.isfinite(start_phi).all():
            raise ValueError(f"`init_phi` must be {lstm.PHI_SIZE} finite numbers. Received: "
                             f"init_phi of shape {start_phi.shape}")
    phi = keras.Variable(start_phi, name="phi")
    adam = keras.optimizers.Adam(meta_learning_rate)
    adam.build([phi])
    history = {"iteration": [], "meta_loss": [], "validation_iteration": [], "validation": []}
    state = {"start": 0, "best": math.inf, "best_iteration": 0, "wall": 0.0,
             "best_phi": start_phi.copy()}
    if resume and checkpoint.exists():
        _restore(checkpoint, phi, adam, history, state)
    begin = time.perf_counter()
    if state["start"] == 0:
        state["best"] = validate(unroller, phi.value, held_out, steps, validation_metric)
        history["validation_iteration"].append(0)
        history["validation"].append(state["best"] if math.isfinite(state["best"]) else None)
        if verbose and init_phi is not None:
            print(f"meta-iteration 0/{meta_iterations}: validation {state['best']:.4g} "
                  "(the starting phi)", flush=True)
    for iteration in range(state["start"], meta_iterations):
        problem = task(problem_seed(seed, TRAIN, iteration))
        carry, data = unroller.start(problem)
        meta_loss = 0.0
        for t0 in range(0, steps, unroll):
            (carry, losses), grad = unroller.meta(phi.value, carry, data,
                                                  keras.ops.convert_to_tensor(t0, "int32"))
            meta_loss += float(keras.ops.sum(losses[:min(unroll, steps - t0)]))
            if bool(keras.ops.all(keras.ops.isfinite(grad))):
                adam.apply_gradients([(grad, phi)])
        history["iteration"].append(iteration + 1)
        history["meta_loss"].append(meta_loss if math.isfinite(meta_loss) else None)
        line = f"meta-iteration {iteration + 1}/{meta_iterations}: meta-loss {meta_loss:.4g}"
        if (iteration + 1) % validate_every == 0 or iteration + 1 == meta_iterations:
            score = validate(unroller, phi.value, held_out, steps, validation_metric)
            history["validation_iteration"].append(iteration + 1)
            history["validation"].append(score if math.isfinite(score) else None)
            if score < state["best"]:
                state.update(best=score, best_iteration=iteration + 1,
                             best_phi=keras.ops.convert_to_numpy(phi.value).copy())
            line += f", validation {score:.4g} (best {state['best']:.4g} " \
                    f"at {state['best_iteration']})"
            if checkpoint is not None:
                state["wall_now"] = state["wall"] + time.perf_counter() - begin
                _save(checkpoint, phi, adam, history, state, iteration + 1)
        if verbose:
            elapsed = state["wall"] + time.perf_counter() - begin
            print(f"{line}, {elapsed:.0f} s", flush=True)
    wall = state["wall"] + time.perf_counter() - begin
    return MetaTrainResult(
        phi=state["best_phi"].astype("float32"),
        last_phi=keras.ops.convert_to_numpy(phi.value).astype("float32"), p=p,
        output_scale=output_scale, history=history, best_validation=state["best"],
        best_iteration=state["best_iteration"], wall_time=wall,
        output_dir=None if output_dir is None else str(output_dir))


def _save(path, phi, adam, history, state, iteration):
    """Checkpoint atomically: phi, Adam's variables, the best phi, the history."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"adam_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(adam.variables)}
    meta = {"iteration": iteration, "best": state["best"], "wall": state["wall_now"],
            "best_iteration": state["best_iteration"], "history": history}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, phi=keras.ops.convert_to_numpy(phi.value), best_phi=state["best_phi"],
             meta=np.array(json.dumps(meta)), **arrays)
    tmp.replace(path)


def _restore(path, phi, adam, history, state):
    with np.load(path) as saved:
        phi.assign(saved["phi"])
        for i, variable in enumerate(adam.variables):
            variable.assign(saved[f"adam_{i}"])
        meta = json.loads(str(saved["meta"]))
        state.update(start=meta["iteration"], best=meta["best"], wall=meta["wall"],
                     best_iteration=meta["best_iteration"], best_phi=saved["best_phi"].copy())
    history.update(meta["history"])
