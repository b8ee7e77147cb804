"""`deeper lr-find`: the learning-rate range test, optionally with the coarse-to-fine search."""

from __future__ import annotations

import json
from pathlib import Path

from deeper.recipes.cli import data
from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import Option, declared, table

SEARCH = {"search": Option("search", False, "also run the coarse-to-fine lr_search",
                           kind="switch"),
          "epochs": declared.LR_SEARCH["epochs"],
          "subset": declared.LR_SEARCH["subset"]}
FLAGS = table({k: o for k, o in declared.DATA.items() if k != "val_fraction"},
              {k: o for k, o in declared.LR_FIND.items() if k != "verbose"}, SEARCH,
              declared.run_directory("runs/lr_find"), declared.QUIET)


def add_parser(sub):
    """Add `deeper lr-find` to the `deeper` subparsers `sub`."""
    return subcommand(
        sub, "lr-find",
        help="find a learning rate: range test (Smith 2017), optionally coarse-to-fine search",
        description="Run the learning-rate range test on the recipe's model: the rate grows "
        "exponentially from --min-lr to --max-lr over --steps steps, the smoothed training "
        "loss is recorded until it diverges, and a rate is suggested (--suggestion min_div_10: "
        "the rate of the lowest loss / 10; steepest: where the loss falls fastest). With "
        "--search, also run lr_search: log-spaced rates for a few epochs on a subset, then "
        "finer rates around the best, one line per trial. Writes metrics.json, lr_find.png "
        "(and lr_search.png) into --out.", tables=[FLAGS], run=run)


def run(args, values):
    from deeper import recipes
    from deeper.recipes.shared import outputs

    dataset = data.load(values, val_fraction=False)
    verbose = 0 if values["quiet"] else "auto"
    found = recipes.lr_find(dataset, output_dir=values["out"], verbose=verbose,
                            **data.recipe_values(values, declared.LR_FIND))
    written, line = ["metrics.json", "lr_find.png"], found.summary()
    if values["search"]:
        out = Path(values["out"])
        model = {k: values[k] for k in declared.MODEL if k != "model"}
        searched = recipes.lr_search(
            dataset, model=values["model"], optimizer=values["optimizer"],
            epochs=values["epochs"], subset=values["subset"], batch_size=values["batch_size"],
            seed=values["seed"], output_dir=out / "search", verbose=verbose, **model)
        print(searched.table())
        (out / "search" / "lr_search.png").replace(out / "lr_search.png")
        (out / "search" / "metrics.json").unlink()
        (out / "search").rmdir()
        metrics = json.loads((out / "metrics.json").read_text())
        metrics["lr_search"] = {"best_learning_rate": searched.best_learning_rate,
                                "trials": searched.trials, "config": searched.config,
                                "summary": searched.summary()}
        outputs.write_json(out / "metrics.json", metrics)
        written.append("lr_search.png")
        line += f"; lr_search: {searched.summary()}"
    print(f"wrote {values['out']}/{', '.join(written)}")
    print(line)
    return 0
