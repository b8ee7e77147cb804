"""NumPy float64 reference of the learned LSTM optimizer's step, written from the
equations of Andrychowicz et al. 2016 (preprocessing, Appendix A) and the standard LSTM
(Hochreiter & Schmidhuber 1997) with Keras's gate order (input, forget, cell, output)."""

import numpy as np

UNITS = 20
SHAPES = [(2, 80), (20, 80), (80,), (20, 80), (20, 80), (80,), (20, 1), (1,)]


def pieces(phi):
    out, start = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        out.append(np.asarray(phi[start:start + size], dtype="float64").reshape(shape))
        start += size
    assert start == len(phi)
    return out


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def preprocess(g, p):
    """(log|g|/p, sign g) if |g| >= e^-p, else (-1, e^p g); one row per coordinate."""
    out = np.empty((g.size, 2))
    for j, gj in enumerate(g.ravel()):
        if abs(gj) >= np.exp(-p):
            out[j] = (np.log(abs(gj)) / p, np.sign(gj))
        else:
            out[j] = (-1.0, np.exp(p) * gj)
    return out


def lstm_layer(x, h, c, w, u, b):
    z = x @ w + h @ u + b
    i, f, g, o = (z[:, k * UNITS:(k + 1) * UNITS] for k in range(4))
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


class LearnedLSTM:
    """theta <- theta + scale * (w_out . h_2 + b_out), per-coordinate states h_1 c_1 h_2 c_2."""

    def __init__(self, phi, p=10.0, output_scale=0.1, learning_rate=1.0):
        self.w = pieces(phi)
        self.p, self.scale, self.lr = p, output_scale, learning_rate
        self.state = {}

    def step(self, index, theta, g):
        n = g.size
        h1, c1, h2, c2 = self.state.get(index, [np.zeros((n, UNITS)) for _ in range(4)])
        k1, r1, b1, k2, r2, b2, wo, bo = self.w
        h1, c1 = lstm_layer(preprocess(g, self.p), h1, c1, k1, r1, b1)
        h2, c2 = lstm_layer(h1, h2, c2, k2, r2, b2)
        self.state[index] = [h1, c1, h2, c2]
        return theta + self.lr * self.scale * (h2 @ wo + bo).reshape(theta.shape)
