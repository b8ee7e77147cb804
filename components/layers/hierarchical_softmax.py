"""Two-level (class-tree) softmax for very many classes: `HierarchicalSoftmax`."""

import math

import keras
import numpy as np

from deeper.components.constraints import Integer
from deeper.components.keras_constraints import Component
from deeper.components.registry import register
from deeper.components.validation import check_number


def class_tree(num_classes, n_clusters):
    """Balanced two-level tree: cluster sizes differ by at most one.

    Returns:
        `(cluster, position, valid)`: the cluster and position-in-cluster of
        every class (int arrays of shape `(num_classes,)`), and the
        `(n_clusters, max_size)` mask of positions that hold a class.
    """
    sizes = [num_classes // n_clusters + (k < num_classes % n_clusters)
             for k in range(n_clusters)]
    cluster = np.repeat(np.arange(n_clusters), sizes)
    starts = np.cumsum([0] + sizes[:-1])
    position = np.arange(num_classes) - starts[cluster]
    valid = np.arange(max(sizes))[None, :] < np.asarray(sizes)[:, None]
    return cluster.astype("int32"), position.astype("int32"), valid


@register("layers", "hierarchical_softmax", example={"num_classes": 10, "n_clusters": 3},
          input_shape=(4,),
          invalid=[({"n_clusters": 11}, "n_clusters")])  # more clusters than classes
class HierarchicalSoftmax(keras.layers.Layer):
    """Softmax over a two-level class tree: p(c | h) = p(k(c) | h) * p(c | k(c), h).

    The classes are split into K balanced clusters (K = ceil(sqrt(C)) by
    default). A softmax over clusters, p(k | h) = softmax(h W + b)_k, is
    followed by a softmax over the classes of the chosen cluster,
    p(c | k, h) = softmax(h V_k + e_k)_c. The probabilities over all C classes
    sum to 1 by construction.

    Two ways to call it:

    * `layer(h)`: the full distribution, shape `(batch, num_classes)`, O(C)
      work per example (inference, evaluation, `argmax`);
    * `layer(h, labels)`: log p(label | h), shape `(batch,)`, O(K + C/K) =
      O(sqrt C) work per example: only the label's cluster is evaluated. Train
      on this output with the loss `"hierarchical_softmax"` (its negative
      mean).

    Args:
        num_classes: number of classes C, an integer >= 2.
        n_clusters: number of clusters K in [1, C]. Defaults to `None`, i.e.
            ceil(sqrt(C)).
        kernel_initializer: initializer of both levels' kernels. Defaults to
            `"glorot_uniform"`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> x = keras.Input((64,)); y = keras.Input((), dtype="int32")
    >>> h = keras.layers.Dense(128, activation="relu")(x)
    >>> tree = HierarchicalSoftmax(10_000)
    >>> train = keras.Model([x, y], tree(h, y))        # log p(y | x), O(sqrt C)
    >>> train.compile("adam", loss=deeper.components.losses.get("hierarchical_softmax"))
    >>> train.fit([x_train, y_train], y_train)
    >>> predict = keras.Model(x, tree(h))              # p(. | x), shape (batch, 10000)

    Reference: Morin & Bengio, "Hierarchical Probabilistic Neural Network
    Language Model", AISTATS 2005; Goodman, "Classes for fast maximum entropy
    training", ICASSP 2001 (the two-level class tree).
    """

    _parameter_constraints = {"num_classes": Integer(low=2),
                              "n_clusters": Integer(low=1, allow_none=True),
                              "kernel_initializer": Component("initializers")}

    def __init__(self, num_classes, n_clusters=None, kernel_initializer="glorot_uniform",
                 **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        if n_clusters is None:
            n_clusters = math.ceil(math.sqrt(self.num_classes))
        self.n_clusters = check_number("n_clusters", n_clusters, low=1, high=self.num_classes,
                                       integer=True)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self._cluster, self._position, self._valid = class_tree(self.num_classes,
                                                                self.n_clusters)
        self.cluster_size = self._valid.shape[1]
        # Column of each class in the flattened (cluster, position) grid.
        self._flat_index = (self._cluster * self.cluster_size + self._position).astype("int32")

    def build(self, inputs_shape, labels_shape=None):
        dim = inputs_shape[-1]
        k, m = self.n_clusters, self.cluster_size
        self.cluster_kernel = self.add_weight(shape=(dim, k), name="cluster_kernel",
                                              initializer=self.kernel_initializer)
        self.cluster_bias = self.add_weight(shape=(k,), name="cluster_bias",
                                            initializer="zeros")
        self.class_kernel = self.add_weight(shape=(k, dim, m), name="class_kernel",
                                            initializer=self.kernel_initializer)
        self.class_bias = self.add_weight(shape=(k, m), name="class_bias", initializer="zeros")

    def _masked(self, logits, valid):
        return keras.ops.where(valid, logits, keras.ops.full_like(logits, -np.inf))

    def call(self, inputs, labels=None):
        cluster_log_p = keras.ops.log_softmax(
            keras.ops.matmul(inputs, self.cluster_kernel) + self.cluster_bias, axis=-1)
        if labels is None:
            logits = keras.ops.einsum("nd,kdm->nkm", inputs, self.class_kernel) + self.class_bias
            within = keras.ops.log_softmax(self._masked(logits, self._valid), axis=-1)
            log_p = keras.ops.reshape(cluster_log_p[:, :, None] + within,
                                      (-1, self.n_clusters * self.cluster_size))
            return keras.ops.exp(keras.ops.take(log_p, self._flat_index, axis=1))
        labels = keras.ops.reshape(keras.ops.cast(labels, "int32"), (-1,))
        cluster = keras.ops.take(self._cluster, labels)
        position = keras.ops.take(self._position, labels)
        kernel = keras.ops.take(self.class_kernel, cluster, axis=0)      # (n, d, m)
        # a batched (1, d) @ (d, m) product: 2x faster than einsum("nd,ndm->nm") on CPU
        logits = keras.ops.squeeze(keras.ops.matmul(inputs[:, None, :], kernel), axis=1)
        logits = logits + keras.ops.take(self.class_bias, cluster, axis=0)
        valid = keras.ops.take(self._valid, cluster, axis=0)
        within = keras.ops.log_softmax(self._masked(logits, valid), axis=-1)
        pick = keras.ops.one_hot(position, self.cluster_size, dtype=within.dtype)
        within_label = keras.ops.sum(keras.ops.where(pick > 0, within, 0.0), axis=-1)
        cluster_label = keras.ops.sum(
            keras.ops.where(keras.ops.one_hot(cluster, self.n_clusters) > 0, cluster_log_p, 0.0),
            axis=-1)
        return cluster_label + within_label

    def compute_output_shape(self, inputs_shape, labels_shape=None):
        if labels_shape is None:
            return (*inputs_shape[:-1], self.num_classes)
        return (inputs_shape[0],)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "n_clusters": self.n_clusters,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
