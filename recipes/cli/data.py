"""The dataset every data-driven subcommand loads first."""

from __future__ import annotations


def load(values, *, val_fraction=True, announce=True):
    """The dataset of the validated `values` (`data`, `data_dir`, `val_fraction`), printed."""
    from deeper.components import data

    kwargs = {"val_fraction": values["val_fraction"]} if val_fraction else {}
    dataset = data.load(values["data"], seed=values["seed"], data_dir=values["data_dir"],
                        **kwargs)
    if announce:
        print(dataset.summary(), flush=True)
    return dataset


def recipe_values(values, table):
    """The entries of `values` that are options of the recipe table `table`."""
    return {k: v for k, v in values.items() if k in table}
