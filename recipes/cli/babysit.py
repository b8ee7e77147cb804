"""`deeper babysit`: the sanity checks on the recipe's model; exit 1 when one fails."""

from __future__ import annotations

from deeper.recipes.cli import data
from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import declared, table

SHOWN = ("subset", "overfit_steps", "learning_rate", "gradient_threshold", "epsilon",
         "max_ratio", "seed")
FLAGS = table(declared.DATA, declared.MODEL,
              {k: declared.BABYSIT[k] for k in SHOWN}, declared.run_directory("runs/babysit"))


def add_parser(sub):
    """Add `deeper babysit` to the `deeper` subparsers `sub`."""
    return subcommand(
        sub, "babysit", help="sanity-check a model before training it for hours",
        description="Run the course's babysitting checks on the recipe's model at "
        "initialization: first loss near log(C), overfit a small subset with regularization "
        "off, regularization raises the loss, gradient check in float64, activation and "
        "gradient variance across depth, no NaN/inf in data, outputs or gradients. Prints a "
        "line per check and a table, writes babysit.json, metrics.json and "
        "signal_variance.png into --out. Exit status 0 when every check passes, 1 when one "
        "fails, 2 for a bad argument.", tables=[FLAGS], run=run)


def run(args, values):
    from deeper import recipes

    dataset = data.load(values)
    model = data.recipe_values(values, declared.MODEL)
    settings = {k: values[k] for k in SHOWN}
    report = recipes.babysit(model, dataset, output_dir=values["out"], **settings)
    print(report.table())
    print(f"wrote {report.output_dir}/babysit.json, metrics.json, signal_variance.png")
    print(report.summary())
    return 0 if report.passed else 1
