"""Stochastic L-BFGS as a Keras optimizer: `LBFGS`."""

import keras
from keras import ops

from deeper.components.constraints import Integer, Real
from deeper.components.keras_constraints import OPTIMIZER_COMMON
from deeper.components.optimizers.untracked import Untracked
from deeper.components.registry import register

_NAN = float("nan")


@register(
    "optimizers", "lbfgs",
    example={"learning_rate": 0.05, "history_size": 3, "max_step": 0.5},
)
class LBFGS(keras.optimizers.Optimizer):
    """Limited-memory BFGS for `model.compile`/`fit`, with stochastic safeguards.

    Each step receives the mini-batch gradient g_k and:

    1. forms the pair s = w_k - w_{k-1}, y = g_k - g_{k-1};
    2. Powell damping with B0 = I / gamma (skipped when `damping=0`): if
       s.y < damping * s.B0.s, y <- theta y + (1 - theta) B0 s with
       theta = (1 - damping) s.B0.s / (s.B0.s - s.y), so that s.y = damping * s.B0.s > 0;
    3. keeps the pair (ring buffer of the last `history_size` pairs) only if
       s.y > curvature_eps * y.y and everything is finite, and then sets
       gamma = s.y / y.y (the initial Hessian scaling H0 = gamma I);
    4. computes d = H_k g_k by the two-loop recursion (Nocedal & Wright, Alg. 7.4);
    5. steps w <- w - eta * d, with eta * d clipped to the global norm `max_step`
       (a trust radius: a single noisy pair with tiny curvature cannot throw
       the weights far).

    Why the safeguards (the course's "what about SGD?"): with mini-batches,
    g_k and g_{k-1} come from different samples, so y mixes curvature with
    sampling noise and s.y can be tiny or negative, which makes plain BFGS's
    H indefinite or huge. Schraudolph, Yu & Guenter (2007, oLBFGS) and
    Byrd, Hansen, Nocedal & Singer (2016, SQN) compute y on one sample to
    avoid this; a Keras optimizer only sees one gradient per step, so this one
    uses what needs nothing more: skipping pairs of bad curvature (Nocedal &
    Wright, Sec. 18.3 / 7.2), Powell damping as in Wang, Ma, Goldfarb & Liu
    (2017, SdLBFGS), the gamma scaling, and a fixed step length (eta) in place
    of a line search, plus the step clip. For a deterministic objective use
    `deeper.recipes.fit_full_batch(..., method="lbfgs")`: full-batch L-BFGS
    with a strong-Wolfe line search.

    All state (the pairs, rho, gamma, the ring position, the previous weights
    and gradient) is held in optimizer variables: a saved model reloads and
    resumes exactly. Memory: (2 * history_size + 2) copies of the weights.

    Args:
        learning_rate: eta, > 0 (a float or a Keras schedule). Defaults to 1.0 (the
            quasi-Newton step; smaller rates let gamma collapse on noisy pairs).
        history_size: m, the number of (s, y) pairs kept, >= 1. Defaults to 10.
        damping: Powell's constant in [0, 1); 0 turns damping off. Defaults to 0.2.
        curvature_eps: pairs with s.y <= curvature_eps * y.y are skipped, >= 0.
            Defaults to 1e-8.
        max_step: largest global norm of one step, > 0. Defaults to 1.0.
        name, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
            ema_momentum, ema_overwrite_frequency, loss_scale_factor: as for
            every Keras optimizer (a clip applies to the direction d).

    Example:

    >>> model.compile(optimizer=LBFGS(history_size=10), loss="mse")

    Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 7.4 and
    Sec. 18.3 (2006); Byrd et al., "A Stochastic Quasi-Newton Method for
    Large-Scale Optimization", SIAM J. Optim. (2016); Schraudolph et al., "A
    Stochastic Quasi-Newton Method for Online Convex Optimization", AISTATS (2007).

    Note: the direction is computed from the gradients `apply` receives, before
    Keras all-reduces them across replicas: use it with one replica (no
    multi-device `tf.distribute` strategy). torch.optim.LBFGS is a full-batch
    method (it re-evaluates a closure); this optimizer is the one-gradient-per-step
    stochastic form.
    """

    _parameter_constraints = {
        **OPTIMIZER_COMMON, "history_size": Integer(low=1), "damping": Real(0, 1, high_open=True),
        "curvature_eps": Real(low=0), "max_step": Real(low=0, low_open=True)}

    def __init__(self, learning_rate=1.0, history_size=10, damping=0.2, curvature_eps=1e-8,
                 max_step=1.0, name="lbfgs", **kwargs):
        if kwargs.get("gradient_accumulation_steps"):
            raise ValueError(
                "`gradient_accumulation_steps` must be None for LBFGS (pairs need one "
                "gradient per step). Received: gradient_accumulation_steps="
                f"{kwargs['gradient_accumulation_steps']!r}")
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.history_size = history_size
        self.damping = damping
        self.curvature_eps = curvature_eps
        self.max_step = max_step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        m = self.history_size
        self._built_variables = Untracked(variables)
        self._paths = [v.path for v in variables]
        self._scalar_dtype = ("float64" if any(
            keras.backend.standardize_dtype(v.dtype) == "float64" for v in variables)
            else "float32")
        self._s, self._y, self._prev_w, self._prev_g = [], [], [], []
        for v in variables:
            for store, label in ((self._s, "s"), (self._y, "y")):
                store.append(self.add_variable(shape=(m, *v.shape), dtype=v.dtype,
                                               name=f"{label}_{_clean(v.path)}"))
            self._prev_w.append(self.add_variable_from_reference(v, "previous_weight"))
            self._prev_g.append(self.add_variable_from_reference(v, "previous_gradient"))
        self._rho = self.add_variable(shape=(m,), dtype=self._scalar_dtype, name="rho")
        self._gamma = self.add_variable(shape=(), dtype=self._scalar_dtype, initializer="ones",
                                        name="gamma")
        self._position = self.add_variable(shape=(), dtype="int32", name="position")

    def _dot(self, a, b):
        total = ops.zeros((), dtype=self._scalar_dtype)
        for x, y in zip(a, b):
            total = total + ops.cast(ops.sum(x * y), self._scalar_dtype)
        return total

    def apply(self, grads, trainable_variables=None):
        """Turn the gradients into the L-BFGS direction, then let Keras apply it."""
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            variables = trainable_variables
        else:
            variables = self._built_variables.items
        grads = list(grads)
        if not grads:
            return
        index = {p: i for i, p in enumerate(self._paths)}
        slots = [index[v.path] for v in variables]
        g = [ops.zeros(v.shape, v.dtype) if gr is None else ops.cast(gr, v.dtype)
             for gr, v in zip(grads, variables)]
        if self.loss_scale_factor is not None:
            g = [x / self.loss_scale_factor for x in g]
        d = self._direction(g, variables, slots)
        lr = ops.cast(self.learning_rate, self._scalar_dtype)
        norm = ops.sqrt(self._dot(d, d)) * lr
        shrink = ops.where(norm > self.max_step, self.max_step / (norm + 1e-30), 1.0)
        d = [x * ops.cast(shrink, x.dtype) for x in d]
        for i, v, x in zip(slots, variables, g):  # copies: JAX's trainer donates each buffer
            self._prev_w[i].assign(ops.copy(v))
            self._prev_g[i].assign(ops.copy(x))
        if self.loss_scale_factor is not None:  # Keras divides by it again in `apply`
            d = [x * self.loss_scale_factor for x in d]
        super().apply(d, variables)

    def _direction(self, g, variables, slots):
        sdt, m = self._scalar_dtype, self.history_size
        s = [v - self._prev_w[i] for i, v in zip(slots, variables)]
        y = [x - self._prev_g[i] for i, x in zip(slots, g)]
        sy, yy = self._dot(s, y), self._dot(y, y)
        gamma = ops.convert_to_tensor(self._gamma)  # a tensor: JAX's where takes no Variable
        sbs = self._dot(s, s) / gamma
        if self.damping > 0:  # Powell: raise s.y to damping * s.B0.s
            weak = sy < self.damping * sbs
            theta = ops.where(weak, (1.0 - self.damping) * sbs / (sbs - sy + 1e-30), 1.0)
            y = [ops.cast(theta, a.dtype) * a + ops.cast((1.0 - theta) / gamma, a.dtype) * b
                 for a, b in zip(y, s)]
            sy, yy = self._dot(s, y), self._dot(y, y)
        accept = ops.logical_and(self.iterations > 0, sy > self.curvature_eps * yy)
        accept = ops.logical_and(accept, ops.logical_and(ops.isfinite(sy), ops.isfinite(yy)))
        accept = ops.logical_and(accept, yy > 0)
        p = ops.convert_to_tensor(self._position)
        onehot = ops.cast(ops.logical_and(ops.equal(ops.arange(m, dtype="int32"), p), accept),
                          sdt)
        for i, a, b in zip(slots, s, y):
            for store, new in ((self._s[i], a), (self._y[i], b)):
                mask = ops.reshape(ops.cast(onehot, store.dtype), (m,) + (1,) * len(a.shape))
                store.assign(store + mask * (ops.expand_dims(ops.where(accept, new, 0.0), 0)
                                             - store))
        safe_sy = ops.where(accept, sy, 1.0)
        self._rho.assign(self._rho + onehot * (1.0 / safe_sy - self._rho))
        self._gamma.assign(ops.where(accept, safe_sy / ops.where(accept, yy, 1.0), gamma))
        self._position.assign(ops.mod(p + ops.cast(accept, "int32"), m))
        # Two-loop recursion, newest pair first; empty slots have rho = 0 and do nothing.
        q, alphas = list(g), []
        for j in range(m):
            k = ops.mod(self._position - 1 - j, m)
            rho = ops.take(self._rho, k)
            sj = [ops.take(self._s[i], k, axis=0) for i in slots]
            yj = [ops.take(self._y[i], k, axis=0) for i in slots]
            alpha = rho * self._dot(sj, q)
            q = [a - ops.cast(alpha, a.dtype) * b for a, b in zip(q, yj)]
            alphas.append((rho, alpha, sj, yj))
        r = [ops.cast(self._gamma, a.dtype) * a for a in q]
        for rho, alpha, sj, yj in reversed(alphas):
            beta = rho * self._dot(yj, r)
            r = [a + ops.cast(alpha - beta, a.dtype) * b for a, b in zip(r, sj)]
        return r

    def update_step(self, gradient, variable, learning_rate):
        """`gradient` is the L-BFGS direction d here: w <- w - eta * d."""
        lr = ops.cast(learning_rate, variable.dtype)
        self.assign_sub(variable, ops.multiply(ops.cast(gradient, variable.dtype), lr))

    def get_config(self):
        config = super().get_config()
        config.update({
            "history_size": self.history_size,
            "damping": self.damping,
            "curvature_eps": self.curvature_eps,
            "max_step": self.max_step,
        })
        return config


def _clean(path):
    return "".join(c if c.isalnum() else "_" for c in path)
