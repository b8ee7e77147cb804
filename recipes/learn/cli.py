"""`deeper meta-train`: meta-train the learned LSTM optimizer (or reproduce a shipped preset).

    deeper meta-train --preset quadratic --out runs/quadratic      # the shipped recipe
    deeper meta-train --task mlp --meta-iterations 200 --out runs/mlp
    deeper meta-train --preset mlp --out runs/mlp --resume          # continue a checkpoint

Writes `<out>/meta_train.npz` (the resumable checkpoint), `<out>/<name>.json` (a preset
file: `LearnedOptimizer(preset=None, phi=json.load(...)["phi"])`) and
`<out>/metrics.json`; prints one line per meta-iteration and a last line with the result.

Wiring: the main CLI calls `add_parser(subparsers)` and dispatches to `run(args)`;
`python -m deeper.recipes.learn.cli ...` works on its own.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def add_parser(subparsers):
    """Add the `meta-train` subcommand to an argparse `subparsers`; returns its parser."""
    parser = subparsers.add_parser("meta-train", help=__doc__.splitlines()[0],
                                   description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--preset", choices=("quadratic", "mlp"),
                       help="reproduce a shipped preset with its recipe (seed included)")
    which.add_argument("--task", choices=("quadratic", "mlp"), help="a built-in task")
    parser.add_argument("--out", required=True, help="run directory (checkpoint, preset)")
    parser.add_argument("--resume", action="store_true", help="continue the checkpoint in --out")
    parser.add_argument("--meta-iterations", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100, help="optimizee steps per problem")
    parser.add_argument("--unroll", type=int, default=20, help="truncated BPTT length")
    parser.add_argument("--meta-learning-rate", type=float, default=1e-3)
    parser.add_argument("--problems", type=int, default=1,
                        help="problems (quadratics, networks) side by side per meta-iteration")
    parser.add_argument("--validation-problems", type=int, default=8)
    parser.add_argument("--validate-every", type=int, default=25)
    parser.add_argument("--validation-metric", choices=("sum", "final"), default="sum")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no line per meta-iteration")
    parser.set_defaults(run=run)
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
    print(f"meta-train {name}: best validation {recipe['validation_metric']} "
          f"{result.best_validation:.4g} at meta-iteration {result.best_iteration} "
          f"in {result.wall_time:.0f} s; learned optimizer written to {path}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="deeper")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
