"""`deeper meta-train`: meta-train the learned LSTM optimizer (or reproduce a shipped preset).

    deeper meta-train --preset quadratic --out runs/quadratic      # the shipped recipe
    deeper meta-train --task mlp --meta-iterations 200 --out runs/mlp
    deeper meta-train --preset mlp --out runs/mlp --resume          # continue a checkpoint

The `mlp` preset's recipe has no meta-training stage: it imitates tuned Nesterov
momentum, then chooses its output scale (`deeper.recipes.learn.presets`).

Writes `<out>/meta_train.npz` (the resumable checkpoint), `<out>/<name>.json` (a preset
file: `LearnedOptimizer(preset=None, phi=json.load(...)["phi"])`) and
`<out>/metrics.json`; prints one line per meta-iteration and a last line with the result.

Every value is checked before TensorFlow loads (`deeper meta-train --unroll 0` is one
sentence and exit status 2).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from deeper.recipes.options import Option, declared, table

TASKS = ("quadratic", "mlp")
FLAGS = table(
    Option("preset", None, "reproduce a shipped preset with its recipe (seed included)",
           kind="choice", choices=TASKS, allow_none=True),
    Option("task", None, "a built-in task to meta-train on", kind="choice", choices=TASKS,
           allow_none=True),
    declared.output("runs/meta_train"),
    Option("resume", False, "continue the checkpoint in --out", kind="switch"),
    Option("meta_iterations", 1000, "meta-iterations (Adam steps on the LSTM)", kind="int",
           low=1),
    Option("steps", 100, "optimizee steps per problem", kind="int", low=1),
    Option("unroll", 20, "truncated BPTT length", kind="int", low=1),
    Option("meta_learning_rate", 1e-3, "Adam's learning rate on the LSTM", low=0,
           low_open=True),
    Option("problems", 1, "problems (quadratics, networks) side by side per meta-iteration",
           kind="int", low=1),
    Option("validation_problems", 8, "held-out problems that pick the best parameters",
           kind="int", low=1),
    Option("validate_every", 25, "meta-iterations between validations", kind="int", low=1),
    Option("validation_metric", "sum", "validation score: sum_t f or the final loss",
           kind="choice", choices=("sum", "final")),
    declared.SEED,
    Option("quiet", False, "no line per meta-iteration", kind="switch"),
)


def _check(args):
    if (args.preset is None) == (args.task is None):
        raise ValueError("Exactly one of `--preset` and `--task` must be given. Received: "
                         f"preset={args.preset!r}, task={args.task!r}")


def _run_checked(args, values):
    return run(argparse.Namespace(**{**vars(args), **values}))


def add_parser(subparsers):
    """Add the `meta-train` subcommand to the `deeper` subparsers; returns its parser."""
    from deeper.recipes.cli.flags import subcommand

    parser = subcommand(subparsers, "meta-train", help=__doc__.splitlines()[0],
                        description=__doc__.splitlines()[0], tables=[FLAGS],
                        run=_run_checked)
    parser.set_defaults(check=_check, run=run)
    return parser


def recipe_from(args):
    """The `presets.RECIPES`-shaped settings the arguments ask for."""
    from deeper.recipes.learn import presets

    if args.preset is not None:
        return args.preset, presets.RECIPES[args.preset]
    side = {"quadratic": "problems", "mlp": "nets"}[args.task]
    return args.task, {
        "task": args.task, "task_args": {side: args.problems},
        "meta_iterations": args.meta_iterations, "meta_learning_rate": args.meta_learning_rate,
        "validate_every": args.validate_every, "validation_problems": args.validation_problems,
        "validation_metric": args.validation_metric, "steps": args.steps,
        "unroll": args.unroll, "seed": args.seed}


def run(args):
    """Run `meta-train`; returns the process exit code."""
    from deeper.recipes.learn import presets

    name, recipe = recipe_from(args)
    out = Path(args.out)
    result = presets.run_recipe(recipe, output_dir=out, resume=args.resume,
                                verbose=0 if args.quiet else 1)
    path = out / f"{name}.json"
    path.write_text(presets.preset_json(result, recipe))
    best = result.best_validation if math.isfinite(result.best_validation) else None
    metrics = {"best_validation": best, "best_iteration": result.best_iteration,
               "wall_time_s": result.wall_time, "recipe": recipe, "history": result.history}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False,
                                                 default=str) + "\n")
    where = (f" at meta-iteration {result.best_iteration}" if "meta_iterations" in recipe
             else "")
    if "output_scales" in recipe:
        where += f" with output scale {result.output_scale:g}"
    print(f"meta-train {name}: best validation {recipe['validation_metric']} "
          f"{result.best_validation:.4g}{where} in {result.wall_time:.0f} s; learned "
          f"optimizer written to {path}")
    return 0


def main(argv=None):
    from deeper.recipes.cli import main as deeper_main

    return deeper_main(["meta-train", *(argv if argv is not None else __import__("sys").argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
