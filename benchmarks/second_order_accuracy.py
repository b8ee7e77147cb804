"""Full-batch second-order methods: agreement with scipy, and L-BFGS with / without a line search.

    python benchmarks/second_order_accuracy.py

1. Multinomial logistic regression on all 1,797 digits (pixels / 16, L2 = 1e-3 on the
   kernel): `fit_full_batch` with "lbfgs", "newton", "hessian_free" vs
   `scipy.optimize.minimize(method="L-BFGS-B")` on the same loss written in NumPy.
2. A 64-16-16-10 tanh net on 300 raw digits (pixels 0..16), seeds 0-4, 100 iterations:
   L-BFGS with a fixed unit step (`line_search=None`, torch.optim.LBFGS's default rule)
   vs with the strong-Wolfe line search.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from deeper import recipes  # noqa: E402


def scipy_agreement():
    digits = load_digits()
    x, y = (digits.data / 16).astype("float32"), digits.target
    l2 = 1e-3

    def fun(w):
        kernel, bias = w[:640].reshape(64, 10), w[640:]
        z = x.astype("float64") @ kernel + bias
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        value = -np.log(p[np.arange(len(x)), y]).mean() + l2 * np.sum(kernel ** 2)
        p[np.arange(len(x)), y] -= 1
        return value, np.concatenate([(x.T @ p / len(x) + 2 * l2 * kernel).ravel(), p.mean(0)])

    start = time.perf_counter()
    best = scipy.optimize.minimize(fun, np.zeros(650), jac=True, method="L-BFGS-B",
                                   options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    print(f"| scipy L-BFGS-B | {best.fun:.10f} | - | {best.nit} | {best.nfev} | "
          f"{time.perf_counter() - start:.2f} |")
    for method in ("lbfgs", "newton", "hessian_free"):
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(
            10, activation="softmax", kernel_regularizer=keras.regularizers.L2(l2),
            kernel_initializer="zeros")])
        r = recipes.fit_full_batch(model, (x, y), method=method, max_iterations=400)
        print(f"| {method} | {r.final_loss:.10f} | {r.final_loss - best.fun:+.1e} | "
              f"{len(r.history['loss']) - 1} | {r.history['evaluations'][-1]} | "
              f"{r.history['seconds'][-1]:.2f} |")


def line_search_matters():
    digits = load_digits()
    x, y = digits.data[:300].astype("float32"), digits.target[:300]
    for seed in range(5):
        cells = []
        for line_search in (None, "strong_wolfe"):
            keras.utils.set_random_seed(seed)
            model = keras.Sequential([
                keras.Input((64,)), keras.layers.Dense(16, activation="tanh"),
                keras.layers.Dense(16, activation="tanh"),
                keras.layers.Dense(10, activation="softmax")])
            r = recipes.fit_full_batch(model, (x, y), line_search=line_search,
                                       max_iterations=100)
            h = r.history["loss"]
            rises = sum(b > a for a, b in zip(h, h[1:]))
            cells.append(f"{h[-1]:.3g} (max {max(h):.3g}, {rises} rises"
                         f"{', diverged' if r.diverged else ''})")
        print(f"| {seed} | {h[0]:.3f} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    print("| method | final loss | minus scipy | iterations | evaluations | seconds |")
    print("|---|---|---|---|---|---|")
    scipy_agreement()
    print()
    print("| seed | initial loss | no line search: final (max, rises) | strong Wolfe: final "
          "(max, rises) |")
    print("|---|---|---|---|")
    line_search_matters()
