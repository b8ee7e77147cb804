"""`deeper` recipes: functions that assemble components into complete training pipelines.

```python
from deeper import recipes
from deeper.components import data
run = recipes.train_classifier(data.load("mnist1d"), model="cnn")
report = recipes.babysit("cnn", data.load("mnist1d"))   # sanity checks before training
```

Sub-packages by topic: `options` (every option, declared once), `shared`
(models, compilation, schedules, progress, artifacts), `train`, `babysitting`,
`lr`, `tuning`, `experiments` and `cli` (the `deeper` command line).
"""

import importlib
import importlib.metadata
import sys

try:
    __version__ = importlib.metadata.version("deeper")
except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
    __version__ = "0+unknown"
# `deeper` is a namespace package (deeper.components and deeper.recipes map to two
# folders, see pyproject.toml): it has no __init__ of its own to hold the version.
sys.modules["deeper"].__version__ = __version__

# Imported on first use, so that `deeper --help` and the option checks answer without
# loading TensorFlow.
_LAZY = {
    "train_classifier": "deeper.recipes.train.classifier",
    "Run": "deeper.recipes.train.classifier",
    "fit_full_batch": "deeper.recipes.train.full_batch",
    "FullBatchResult": "deeper.recipes.train.full_batch",
    "babysit": "deeper.recipes.babysitting.recipe",
    "Report": "deeper.recipes.babysitting.report",
    "Check": "deeper.recipes.babysitting.report",
    "tune": "deeper.recipes.tuning.tune",
    "TuneResult": "deeper.recipes.tuning.tune",
    "CourseHyperModel": "deeper.recipes.tuning.space",
    "lr_find": "deeper.recipes.lr.find",
    "LRFindResult": "deeper.recipes.lr.find",
    "lr_search": "deeper.recipes.lr.search",
    "LRSearchResult": "deeper.recipes.lr.search",
    "plot_schedule": "deeper.recipes.lr.plots",
    "track_drift": "deeper.recipes.experiments.drift",
    "DriftResult": "deeper.recipes.experiments.drift",
    "compare_batch_sizes": "deeper.recipes.experiments.batch_sizes",
    "BatchSizeResult": "deeper.recipes.experiments.batch_sizes",
    "replication_cost": "deeper.recipes.experiments.batch_sizes",
    "compare_optimizers": "deeper.recipes.experiments.compare_optimizers",
    "Comparison": "deeper.recipes.experiments.compare_optimizers",
    "meta_train": "deeper.recipes.learn",
}
# Modules under their names before the sub-packages (`from deeper.recipes import models`).
_MODULES = {
    "models": "deeper.recipes.shared.models",
    "outputs": "deeper.recipes.shared.outputs",
    "activations": "deeper.recipes.experiments.activations",
    "tuning_space": "deeper.recipes.tuning.space",
    "tuning_oracles": "deeper.recipes.tuning.oracles",
    "babysit_report": "deeper.recipes.babysitting.report",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'deeper.recipes' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_LAZY, *_MODULES])
