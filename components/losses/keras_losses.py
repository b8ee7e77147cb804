"""Keras's own losses under the course's names.

* `"l1"`: Keras's `MeanAbsoluteError`, mean_k |y_k - h_k|. The course's L1
  loss is the sum ||y - h||_1 = C * MAE for C outputs.
* `"multilabel_crossentropy"`: Keras's `BinaryCrossentropy` on independent
  sigmoid outputs, mean_k -[y_k log p_k + (1 - y_k) log(1 - p_k)]. The course
  sums over the labels (C times Keras's mean). Pass `from_logits=True` when
  the outputs are raw scores.

Keras's own snake-case names resolve to their `Loss` class with keyword
arguments (`get("sparse_categorical_crossentropy", from_logits=True)`)
through `deeper.components.keras_names`.
"""

import keras

from deeper.components import registry

registry.add("losses", "l1", keras.losses.MeanAbsoluteError, example={})
registry.add("losses", "multilabel_crossentropy", keras.losses.BinaryCrossentropy,
             example={"from_logits": False})

