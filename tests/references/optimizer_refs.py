"""NumPy float64 references of the course's update rules and schedules (no Keras, no TF).

Every rule is a class with `step(w, g) -> new w` over a list of arrays (one per
variable), written from the course's formula; where Keras places a constant
differently (eps inside the root, Adagrad's start) the reference takes it as an
argument so the test states which convention it checks.
"""

from __future__ import annotations

import math

import numpy as np


def softmax_regression(x, y, num_classes):
    """Loss and gradient of mean softmax cross-entropy for params [W (d, C), b (C,)]."""
    onehot = np.eye(num_classes)[y]

    def loss_and_grad(params):
        w, b = params
        z = x @ w + b
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.mean(np.sum(onehot * np.log(p), axis=1))
        d = (p - onehot) / len(x)
        return loss, [x.T @ d, d.sum(axis=0)]

    return loss_and_grad


class SGD:
    """w <- (1 - lam eta) w - eta g (lam = 0: plain gradient descent)."""

    def __init__(self, eta, weight_decay=0.0):
        self.eta, self.lam = eta, weight_decay

    def step(self, params, grads):
        return [(1 - self.lam * self.eta) * w - self.eta * g for w, g in zip(params, grads)]


class Momentum:
    """v <- mu v - eta g; w <- w + v."""

    def __init__(self, eta, mu):
        self.eta, self.mu, self.v = eta, mu, None

    def step(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(w) for w in params]
        self.v = [self.mu * v - self.eta * g for v, g in zip(self.v, grads)]
        return [w + v for w, v in zip(params, self.v)]


def nesterov_trajectory(loss_and_grad, params, eta, mu, steps):
    """Sutskever et al. 2013: v <- mu v - eta grad(w + mu v); w <- w + v.

    Returns the list of (w_t, v_t) for t = 0..steps.
    """
    v = [np.zeros_like(w) for w in params]
    out = [(params, v)]
    for _ in range(steps):
        _, g = loss_and_grad([w + mu * vi for w, vi in zip(params, v)])
        v = [mu * vi - eta * gi for vi, gi in zip(v, g)]
        params = [w + vi for w, vi in zip(params, v)]
        out.append((params, v))
    return out


class Adagrad:
    """G <- G + g^2; w <- w - eta g / sqrt(G + eps) (eps inside) or / (sqrt(G) + eps)."""

    def __init__(self, eta, eps, g0=0.0, eps_inside=True):
        self.eta, self.eps, self.g0, self.inside, self.G = eta, eps, g0, eps_inside, None

    def step(self, params, grads):
        if self.G is None:
            self.G = [np.full_like(w, self.g0) for w in params]
        self.G = [G + g * g for G, g in zip(self.G, grads)]
        denominators = [np.sqrt(G + self.eps) if self.inside else np.sqrt(G) + self.eps
                        for G in self.G]
        return [w - self.eta * g / d for w, g, d in zip(params, grads, denominators)]


class RMSprop:
    """r <- rho r + (1 - rho) g^2; w <- w - eta g / sqrt(r + eps)."""

    def __init__(self, eta, rho, eps):
        self.eta, self.rho, self.eps, self.r = eta, rho, eps, None

    def step(self, params, grads):
        if self.r is None:
            self.r = [np.zeros_like(w) for w in params]
        self.r = [self.rho * r + (1 - self.rho) * g * g for r, g in zip(self.r, grads)]
        return [w - self.eta * g / np.sqrt(r + self.eps) for w, g, r in zip(params, grads, self.r)]


class Adam:
    """Kingma & Ba: m, v moments; w <- w - eta m_hat / (sqrt(v_hat) + eps_t).

    `eps_hat=True` uses the paper's section-2 form (Keras's): eps_t = eps / sqrt(1 - b2^t),
    i.e. alpha_t = eta sqrt(1 - b2^t) / (1 - b1^t), w <- w - alpha_t m / (sqrt(v) + eps).
    `weight_decay` applies w <- w - eta lam w first (decoupled, AdamW).
    `bias_betas` are the betas of the bias corrections 1 - beta^t when they
    differ from `b1, b2` (Keras rounds those two to float32). Defaults to `(b1, b2)`.
    """

    def __init__(self, eta, b1, b2, eps, eps_hat=True, weight_decay=0.0, bias_betas=None):
        self.eta, self.b1, self.b2, self.eps, self.hat = eta, b1, b2, eps, eps_hat
        self.lam, self.t, self.m, self.v = weight_decay, 0, None, None
        self.bias_betas = bias_betas or (b1, b2)

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(w) for w in params]
            self.v = [np.zeros_like(w) for w in params]
        self.t += 1
        self.m = [self.b1 * m + (1 - self.b1) * g for m, g in zip(self.m, grads)]
        self.v = [self.b2 * v + (1 - self.b2) * g * g for v, g in zip(self.v, grads)]
        c1, c2 = 1 - self.bias_betas[0] ** self.t, 1 - self.bias_betas[1] ** self.t
        eps = self.eps / math.sqrt(c2) if self.hat else self.eps
        params = [w - self.eta * self.lam * w for w in params]
        return [w - self.eta * (m / c1) / (np.sqrt(v / c2) + eps)
                for w, m, v in zip(params, self.m, self.v)]


def soft_threshold(w, threshold):
    """prox of threshold * ||w||_1: sign(w) max(|w| - threshold, 0)."""
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


class ProximalL1:
    """w <- S_{eta lam}(inner step(w, g)): the inner rule, then the soft threshold."""

    def __init__(self, inner, eta, lam, regularized):
        self.inner, self.eta, self.lam, self.regularized = inner, eta, lam, regularized

    def step(self, params, grads):
        params = self.inner.step(params, grads)
        return [soft_threshold(w, self.eta * self.lam) if r else w
                for w, r in zip(params, self.regularized)]


def run(rule, loss_and_grad, params, steps):
    """`steps` updates of `rule` from `params`; returns the final params and losses."""
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grad(params)
        losses.append(loss)
        params = rule.step(params, grads)
    return params, losses


# Schedules (t: optimizer step, s: steps per epoch) ------------------------------------

def inverse_decay(eta0, k, t, s):
    """eta0 / (1 + k t / s): eta0 / (1 + k * epoch)."""
    return eta0 / (1 + k * t / s)


def natural_exp_decay(eta0, k, t, s):
    """eta0 exp(-k t / s): eta0 exp(-k * epoch)."""
    return eta0 * math.exp(-k * t / s)


def step_decay(eta0, drop, every, epoch):
    """eta0 / drop ** floor(epoch / every)."""
    return eta0 / drop ** (epoch // every)
