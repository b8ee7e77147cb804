"""`deeper` losses: resolve a name with `get`, ours first, then Keras's own.

* `"multiclass_hinge"`, `"squared_multiclass_hinge"`: sum_{j != y} max(0, s_j - s_y + margin)
  (`MulticlassHinge`; Keras's `CategoricalHinge` is the max, not the sum);
* `"multilabel_hinge"`: sum_j max(0, margin - t_j s_j) (`MultilabelHinge`);
* `"multilabel_crossentropy"`: Keras's `BinaryCrossentropy` on sigmoid outputs;
* `"euclidean"`: 1/2 ||y - h||^2 (`Euclidean`; Keras's MSE averages, no 1/2);
* `"l1"`: Keras's `MeanAbsoluteError`;
* `"rbf_euclidean"`: robust, bounded Gaussian-kernel loss of the residual (`RBFEuclidean`);
* `"hierarchical_softmax"`: -log p(y | x) of a `HierarchicalSoftmax` layer.
"""

from deeper.components import keras_names, registry
from deeper.components.losses import keras_losses  # noqa: F401  (registers Keras's)
from deeper.components.losses.euclidean import Euclidean  # noqa: F401
from deeper.components.losses.hierarchical_softmax_loss import (  # noqa: F401
    HierarchicalSoftmaxLoss,
)
from deeper.components.losses.multiclass_hinge import MulticlassHinge  # noqa: F401
from deeper.components.losses.multilabel_hinge import MultilabelHinge  # noqa: F401
from deeper.components.losses.rbf_euclidean import RBFEuclidean  # noqa: F401


def get(identifier, **kwargs):
    """Return the loss named `identifier` (ours or Keras's), configured by `kwargs`.

    A Keras snake-case name gives the instance of its `Loss` class, configured by
    `kwargs`: `get("sparse_categorical_crossentropy", from_logits=True)`.
    """
    return keras_names.get("losses", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("losses")
