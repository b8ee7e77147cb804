"""Noisy rectified linear units (Nair & Hinton 2010): `noisy_relu` and `NoisyReLU`."""

import keras

from deeper.components.constraints import Real, Seed
from deeper.components.registry import register

_SEED_STATE = "seed_generator_state"


def noisy_relu(x, noise_scale=1.0, training=False, seed=None):
    """f(x) = max(0, x + eps), eps ~ N(0, noise_scale^2 * sigmoid(x)) when training.

    At inference (`training=False`) this is the plain ReLU max(0, x). The
    noise is a sample, not a function of the weights: gradients flow through
    `max(0, x + eps)` with `eps` held fixed.

    Args:
        x: input tensor.
        noise_scale: multiplies the noise's standard deviation; 1 is the
            paper's variance sigmoid(x). Defaults to 1.0.
        training: add noise only when true. Defaults to `False`.
        seed: an int, a `keras.random.SeedGenerator`, or `None`. Defaults to `None`.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Reference: Nair & Hinton, "Rectified Linear Units Improve Restricted
    Boltzmann Machines", ICML 2010.
    """
    x = keras.ops.convert_to_tensor(x)
    if not training or noise_scale == 0:
        return keras.ops.relu(x)
    z = keras.random.normal(keras.ops.shape(x), dtype=x.dtype, seed=seed)
    eps = keras.ops.stop_gradient(noise_scale * keras.ops.sqrt(keras.ops.sigmoid(x)) * z)
    return keras.ops.relu(x + eps)


@register("layers", "noisy_relu", example={"noise_scale": 0.5, "seed": 7}, input_shape=(4,),
)
class NoisyReLU(keras.layers.Layer):
    """Noisy ReLU: max(0, x + eps) with eps ~ N(0, sigmoid(x)) in training, ReLU at inference.

    Nair & Hinton's NReLU approximates an infinite set of binary units with
    shared weights and shifted biases; the noise variance sigmoid(x) is the
    variance of that sum. Here it also serves as a regularizer: each training
    step sees a different noisy activation, inference sees the plain ReLU.

    Works as a layer after any linear layer, or as `activation=NoisyReLU()`
    (Keras passes the `training` flag through to it in both positions).

    Args:
        noise_scale: multiplies the noise's standard deviation (>= 0; 0 gives
            the plain ReLU). Defaults to 1.0, the paper's NReLU.
        seed: integer seed of the noise, or `None`. Defaults to `None`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> h = keras.layers.Dense(64)(inputs)
    >>> h = NoisyReLU(seed=0)(h)

    Reference: Nair & Hinton, ICML 2010.
    """

    _parameter_constraints = {"noise_scale": Real(low=0), "seed": Seed(allow_none=True)}

    def __init__(self, noise_scale=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.noise_scale = noise_scale
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        return noisy_relu(inputs, self.noise_scale, training=training, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def save_own_variables(self, store):
        # Keras saves no `SeedGenerator` state (a reloaded Dropout restarts its
        # stream); saving it makes training resume with the same noise.
        super().save_own_variables(store)
        store[_SEED_STATE] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        if _SEED_STATE in store.keys():
            self.seed_generator.state.assign(store[_SEED_STATE])
        super().load_own_variables({k: store[k] for k in store.keys() if k != _SEED_STATE})

    def get_config(self):
        return {**super().get_config(), "noise_scale": self.noise_scale, "seed": self.seed}
