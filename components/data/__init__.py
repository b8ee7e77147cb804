"""Data for `deeper`: offline datasets, `tf.data` input pipelines and
preprocessing layers fitted on the training split only.

TensorFlow is optional at import: the `tf.data` builders (`pipeline`, `augment`,
`augment_1d`, `HardExampleSampler`) and tensorflow-datasets loading say so in one
sentence when called without it; `numpy_batches` is the backend-neutral input
path (a `keras.utils.PyDataset` of seeded NumPy batches).

```python
from deeper.components import data
ds = data.load("mnist1d")                    # embedded default, offline
train = data.pipeline(ds.x_train, ds.y_train, batch_size=128, seed=0)
```
"""

from deeper.components.data.augment import augment  # noqa: F401
from deeper.components.data.augment_1d import augment_1d  # noqa: F401
from deeper.components.data.centering import Centering  # noqa: F401
from deeper.components.data.datasets import Dataset, from_arrays, load  # noqa: F401
from deeper.components.data.drifting_gaussians import drifting_gaussians  # noqa: F401
from deeper.components.data.drifting_stream import DriftingStream  # noqa: F401
from deeper.components.data.hard_example_sampler import (  # noqa: F401
    HardExampleSampler,
    hard_example_probabilities,
)
from deeper.components.data.numpy_batches import NumpyBatches, numpy_batches  # noqa: F401
from deeper.components.data.pca_whitening import PCAWhitening  # noqa: F401
from deeper.components.data.pipeline import pipeline  # noqa: F401
from deeper.components.data.standardization import standardization  # noqa: F401
