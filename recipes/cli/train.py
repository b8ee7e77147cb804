"""`deeper train`: `train_classifier` on a dataset, artifacts into --out."""

from __future__ import annotations

from deeper.recipes.cli import data
from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import declared, table

FLAGS = table(declared.DATA, declared.TRAIN, declared.output("runs/train"), declared.QUIET)
HIDDEN = ("steps_per_execution", "verbose")  # Python-only options


def add_parser(sub):
    """Add `deeper train` to the `deeper` subparsers `sub`."""
    return subcommand(
        sub, "train", help="train a classifier with the course's good practice",
        description="Train a classifier: standardized input, He init, L2, dropout, batch norm, "
        "Nesterov momentum with step decay, early stopping on the validation loss. Writes "
        "metrics.json, history.csv, learning_curves.png and model.keras into --out. "
        "--learning-rate find runs the learning-rate range test first and trains at its "
        "suggestion.",
        tables=[{k: o for k, o in FLAGS.items() if k not in HIDDEN}], run=run)


def run(args, values):
    from deeper import recipes

    dataset = data.load(values)
    options = data.recipe_values(values, declared.TRAIN)
    run = recipes.train_classifier(dataset, output_dir=values["out"],
                                   verbose=0 if values["quiet"] else "auto", **options)
    print(f"wrote {run.output_dir}/metrics.json, history.csv, learning_curves.png, model.keras")
    print(run.summary())
    return 0
