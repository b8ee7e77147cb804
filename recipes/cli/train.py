"""`deeper train`: `train_classifier` on a dataset, artifacts into --out."""

from __future__ import annotations

import sys

from deeper.recipes.cli import data
from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import declared, table

SWITCHES = {name: declared.TRAIN[name].but(kind="switch") for name in ("augment", "tensorboard")}
FLAGS = table(declared.DATA, declared.TRAIN, SWITCHES,
              declared.run_directory("runs/train", resume=True), declared.QUIET)
HIDDEN = ("steps_per_execution", "verbose")  # Python-only options


def add_parser(sub):
    """Add `deeper train` to the `deeper` subparsers `sub`."""
    return subcommand(
        sub, "train", help="train a classifier with the course's good practice",
        description="Train a classifier: standardized input, He init, L2, dropout, batch norm, "
        "Nesterov momentum with step decay, early stopping on the validation loss, guarded "
        "against divergence (exit status 1 naming the epoch, batch and layer). Writes "
        "metrics.json, history.csv, learning_curves.png, model.keras and a checkpoint into "
        "--out; an --out holding a run is refused unless --resume (continue it exactly after "
        "an interruption) or --overwrite is given. --learning-rate find runs the "
        "learning-rate range test first and trains at its suggestion.",
        tables=[{k: o for k, o in FLAGS.items() if k not in HIDDEN}], run=run)


def run(args, values):
    from deeper import recipes

    dataset = data.load(values)
    options = data.recipe_values(values, declared.TRAIN)
    run = recipes.train_classifier(dataset, output_dir=values["out"],
                                   verbose=0 if values["quiet"] else "auto", **options)
    print(f"wrote {run.output_dir}/metrics.json, history.csv, learning_curves.png, model.keras")
    if run.divergence is not None:
        print(f"deeper train: error: {run.summary()}", file=sys.stderr)
        return 1
    print(run.summary())
    return 0
