"""`deeper` recipes: functions that assemble components into complete training pipelines.

```python
from deeper import recipes
from deeper.components import data
run = recipes.train_classifier(data.load("mnist1d"), model="cnn")
report = recipes.babysit("cnn", data.load("mnist1d"))   # sanity checks before training
```
"""

import importlib

# Imported on first use, so that `deeper --help` answers without loading TensorFlow.
_LAZY = {
    "train_classifier": "deeper.recipes.classifier",
    "Run": "deeper.recipes.classifier",
    "babysit": "deeper.recipes.babysit",
    "Report": "deeper.recipes.babysit_report",
    "Check": "deeper.recipes.babysit_report",
    "track_drift": "deeper.recipes.drift",
    "DriftResult": "deeper.recipes.drift",
    "compare_batch_sizes": "deeper.recipes.batch_sizes",
    "BatchSizeResult": "deeper.recipes.batch_sizes",
    "replication_cost": "deeper.recipes.batch_sizes",
    "tune": "deeper.recipes.tuning",
    "TuneResult": "deeper.recipes.tuning",
    "CourseHyperModel": "deeper.recipes.tuning_space",
    "plot_schedule": "deeper.recipes.lr_plots",
    "lr_search": "deeper.recipes.lr_search",
    "LRSearchResult": "deeper.recipes.lr_search",
    "lr_find": "deeper.recipes.lr_find",
    "LRFindResult": "deeper.recipes.lr_find",
    "fit_full_batch": "deeper.recipes.full_batch",
    "FullBatchResult": "deeper.recipes.full_batch",
    "compare_optimizers": "deeper.recipes.compare_optimizers",
    "Comparison": "deeper.recipes.compare_optimizers",
    "meta_train": "deeper.recipes.learn",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'deeper.recipes' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])
