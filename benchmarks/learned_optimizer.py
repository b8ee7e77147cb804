"""Learned LSTM optimizer presets vs grid-tuned SGD, Nesterov, RMSprop and Adam.

Held-out problems come from the TEST stream of problem seeds (never used by
`meta_train`, whose problems come from the TRAIN and VALIDATION streams); each
baseline's learning rate is chosen on a log grid on separate TUNING problems, once
for the mean final loss and once for the mean sum_t f, and both choices are
reported on the test problems. Every optimizer runs through the same Keras loop
(`recipes.learn.evaluate.run_optimizer`), the learned one as a Keras optimizer.

    python benchmarks/learned_optimizer.py --parts quadratic,mlp,generalization

Prints Markdown tables (mean, standard error, quartiles, and the fraction of test
problems on which the learned optimizer ends lower, paired) and writes
`loss_vs_step_<task>.png` into `--out`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from deeper.components import optimizers
from deeper.recipes.learn import evaluate, mnist1d_mlp, problem_seed, quadratic
from deeper.recipes.learn.meta_train import TEST, TUNING

# Up to 10: on MNIST-1D tuned Nesterov's best rate was the top of a grid ending at 3.16.
GRIDS = {"fine": [float(f"{10.0 ** e:.3g}") for e in np.arange(-3.0, 1.01, 0.25)],
         "coarse": [float(f"{10.0 ** e:.3g}") for e in np.arange(-3.0, 1.01, 0.5)]}


def _mlp(**kwargs):
    return lambda k: mnist1d_mlp(nets=k, **kwargs)


# name -> (preset, task of k problems side by side, steps)
SETTINGS = {
    "quadratic": ("quadratic", lambda k: quadratic(problems=k), 100),
    "mlp": ("mlp", _mlp(), 100),
    "mlp_200_steps": ("mlp", _mlp(steps=200), 200),
    "mlp_40_units": ("mlp", _mlp(hidden=(40,)), 100),
    "mlp_2_layers": ("mlp", _mlp(hidden=(20, 20)), 100),
    "mlp_relu": ("mlp", _mlp(activation="relu"), 100),
}


def summary(values):
    v = np.asarray(values, dtype="float64")
    if not np.isfinite(v).all():
        return f"diverged on {int((~np.isfinite(v)).sum())}/{v.size}"
    q1, q3 = np.percentile(v, [25, 75])
    return f"{v.mean():.4g} ± {v.std(ddof=1) / np.sqrt(v.size):.2g} [{q1:.3g}, {q3:.3g}]"


def learned_optimizer(preset, candidates):
    """The learned optimizer of `preset`, or of a candidate phi file given for it."""
    if preset in candidates:
        phi = np.load(candidates[preset])
        return lambda: optimizers.LearnedOptimizer(preset=None, phi=phi)
    return lambda: optimizers.get("learned_lstm", preset=preset)


def run_task(name, preset, make_task, steps, tests, tuning, out, seed, candidates,
             grid):
    start = time.perf_counter()
    test = [make_task(tests)(problem_seed(seed, TEST, 0))]
    tune = [make_task(tuning)(problem_seed(seed, TUNING, 0))]
    label = f"learned_lstm ({preset})"
    curves = {label: evaluate.run_on(learned_optimizer(preset, candidates), test, steps)}
    rows = [(f"learned_lstm ({preset})", "-", curves[f"learned_lstm ({preset})"])]
    for base in evaluate.BASELINES:
        tuned = evaluate.tune_learning_rate(base, tune, steps, grid)
        for metric in ("final", "sum"):
            rate = tuned[metric][0]
            losses = evaluate.run_on(lambda b=base, r=rate: optimizers.get(b, learning_rate=r),
                                     test, steps)
            rows.append((base, f"{rate:g} (by {metric})", losses))
            if metric == "final":
                curves[f"{base} (lr {rate:g})"] = losses
    learned = evaluate.scores(rows[0][2])
    print(f"\n### {name}: {test[0].params[0].shape[0]} test problems, {steps} steps "
          f"({time.perf_counter() - start:.0f} s)\n")
    print("| optimizer | learning rate (tuned by) | final loss | sum_t f | learned lower "
          "(final / sum) |")
    print("|---|---|---|---|---|")
    for label, rate, losses in rows:
        s = evaluate.scores(losses)
        wins = "-" if label.startswith("learned") else (
            f"{np.mean(learned['final'] < s['final']):.0%} / "
            f"{np.mean(learned['sum'] < s['sum']):.0%}")
        print(f"| {label} | {rate} | {summary(s['final'])} | {summary(s['sum'])} | {wins} |")
    plot(name, curves, steps, out)


def plot(name, curves, steps, out):
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for label, losses in curves.items():
        with np.errstate(all="ignore"):
            mean = np.nanmean(np.where(np.isfinite(losses), losses, np.nan), axis=1)
        ax.plot(np.arange(steps + 1), mean, label=label)
    ax.set(xlabel="step", ylabel="mean loss", yscale="log", title=name)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(out) / f"loss_vs_step_{name}.png", dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="quadratic,mlp,generalization")
    parser.add_argument("--tests", type=int, default=100, help="held-out test problems")
    parser.add_argument("--tuning", type=int, default=100, help="problems tuning the rates")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/learned_optimizer")
    parser.add_argument("--candidate", action="append", default=[], metavar="PRESET=PHI.npy",
                        help="score a phi file (meta_train's .phi, np.save) instead of a preset")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="fine",
                        help="learning-rate grid from 1e-3 to 10: quarter or half decades")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    names = []
    for part in args.parts.split(","):
        names += ([n for n in SETTINGS if n.startswith("mlp_")]
                  if part == "generalization" else [part])
    for name in names:
        preset, make_task, steps = SETTINGS[name]
        run_task(name, preset, make_task, steps, args.tests, args.tuning, args.out, args.seed,
                 dict(c.split("=", 1) for c in args.candidate), GRIDS[args.grid])


if __name__ == "__main__":
    main()
