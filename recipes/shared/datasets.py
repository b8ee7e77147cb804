"""The dataset check every recipe taking a `Dataset` starts with."""

from __future__ import annotations

from deeper.components import data


def check_dataset(dataset, *, validation=True):
    """`dataset` itself if it is a `deeper.components.data.Dataset` (with a
    non-empty validation split when `validation`); `TypeError` or `ValueError` otherwise."""
    if not isinstance(dataset, data.Dataset):
        raise TypeError(
            "`dataset` must be a deeper.components.data.Dataset (from data.load(...) or "
            f"data.from_arrays(...)). Received: dataset of type {type(dataset).__name__}"
        )
    if validation and len(dataset.x_val) == 0:
        raise ValueError("`dataset` has an empty validation split; build it with val_fraction > 0.")
    return dataset
