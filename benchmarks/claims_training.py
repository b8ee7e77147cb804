"""Claims about what makes training work: batch norm and the learning rate, activations,
matched initialization, width and depth. Used by `benchmarks/claims.py`."""

from __future__ import annotations

import statistics

import keras
import numpy as np
from claims_common import (
    MIXED,
    NOT_REPRODUCED,
    REPRODUCED,
    Row,
    direction,
    epochs_text,
    first_epoch,
    spread,
    table,
    train,
)

from deeper.components import initializers


def combine(*verdicts):
    if all(v == REPRODUCED for v in verdicts):
        return REPRODUCED
    if all(v == NOT_REPRODUCED for v in verdicts):
        return NOT_REPRODUCED
    return MIXED


def batch_norm_claim(ds, settings, target=0.55):
    """Final validation accuracy and epochs to `target` against the rate, BN on and off."""
    epochs = settings.scaled(15)
    rates = (1.0,) if settings.quick else (0.01, 0.05, 0.2, 1.0)
    got = {}
    for rate in rates:
        for bn in (False, True):
            for seed in settings.seeds:
                run, m = train(ds, seed=seed, epochs=epochs, learning_rate=rate, width=128,
                               depth=3, batch_norm=bn)
                m["to_target"] = first_epoch(run.history["val_accuracy"], lambda a: a >= target)
                got.setdefault((rate, bn), []).append(m)

    def top_rate(bn):  # the highest rate at which every seed reaches the target
        ok = [r for r in rates if all(m["to_target"] for m in got[(r, bn)])]
        return max(ok) if ok else None

    top = {bn: top_rate(bn) for bn in (False, True)}
    higher = (REPRODUCED if top[True] and (top[False] is None or top[True] > top[False]) else
              NOT_REPRODUCED)
    shared = [r for r in rates if all(m["to_target"] for bn in (False, True)
                                      for m in got[(r, bn)])]

    def fastest(bn):  # per seed, the fewest epochs to the target over the rates
        return [min((got[(r, bn)][i]["to_target"] or epochs + 1) for r in rates)
                for i in range(len(settings.seeds))]

    faster = direction([a - b for a, b in zip(fastest(False), fastest(True))])
    best = {bn: max(rates, key=lambda r: statistics.mean(m["val_accuracy"] for m in got[(r, bn)]))
            for bn in (False, True)}
    figure = "; ".join(
        f"{'BN' if bn else 'no BN'}: reaches {target} in every seed up to rate {top[bn]}, "
        f"best final val {spread([m['val_accuracy'] for m in got[(best[bn], bn)]])} at "
        f"{best[bn]}, fewest epochs to {target} {spread(fastest(bn), '{:.1f}')}"
        for bn in (False, True))
    equal = {bn: [m["to_target"] for r in shared for m in got[(r, bn)]] for bn in (False, True)}
    reading = (f"Higher rates: {higher} (BN trains to the target up to {top[True]}, without it "
               f"up to {top[False]}); faster: {faster} (each at its best rate, fewer epochs in "
               f"every seed counts); at the same rate ({', '.join(map(str, shared))}) BN takes "
               f"{spread(equal[True], '{:.1f}')} epochs, no BN {spread(equal[False], '{:.1f}')}.")
    details = table(
        ("learning rate", "batch norm", "final val accuracy", f"epochs to val {target}",
         "final train accuracy"),
        [(r, "on" if bn else "off", spread([m["val_accuracy"] for m in ms]),
          epochs_text([m["to_target"] for m in ms], epochs),
          spread([m["train_accuracy"] for m in ms])) for (r, bn), ms in got.items()])
    return Row("batch_norm_lr", "Batch normalization allows higher learning rates and trains "
               "faster",
               f"MNIST-1D MLP 3x128 ReLU, Nesterov at constant rates {', '.join(map(str, rates))}"
               f", {epochs} epochs, with and without BN (no dropout, no L2)",
               figure, combine(higher, faster), reading, details)


ACTIVATIONS = {"relu (He)": ("relu", None), "tanh (Glorot)": ("tanh", None),
               "sigmoid (Glorot)": ("sigmoid", None),
               "sigmoid (4x Glorot)": ("sigmoid", "sigmoid_glorot_uniform")}


def activation_runs(ds, settings, threshold=0.25):
    """`compare_activations`'s protocol (no BN, dropout, L2 or decay; MLP 2x512; Nesterov
    0.05), via the public `train_classifier`: epochs to 25% training error."""
    epochs = settings.scaled(30)
    out = {}
    for name, (activation, init) in ACTIVATIONS.items():
        for seed in settings.seeds:
            run, m = train(ds, seed=seed, epochs=epochs, activation=activation, init=init)
            m["to_threshold"] = first_epoch(run.history["accuracy"],
                                            lambda a: 1 - a <= threshold)
            out.setdefault(name, []).append(m)
    return out, epochs


def _epochs(ms, epochs):
    return [m["to_threshold"] or epochs + 1 for m in ms]   # a miss counts as epochs + 1


def activation_details(runs, epochs):
    return table(("activation (init)", "epochs to 25% training error", "final train accuracy",
                  "test accuracy"),
                 [(name, epochs_text([m["to_threshold"] for m in ms], epochs),
                   spread([m["train_accuracy"] for m in ms]),
                   spread([m["test_accuracy"] for m in ms])) for name, ms in runs.items()])


def relu_tanh_claim(runs, epochs):
    relu, tanh = _epochs(runs["relu (He)"], epochs), _epochs(runs["tanh (Glorot)"], epochs)
    ratios = [t / r for r, t in zip(relu, tanh)]
    verdict = direction([t - r for r, t in zip(relu, tanh)])
    reached = {k: [m["to_threshold"] for m in ms] for k, ms in runs.items()}
    figure = (f"epochs to 25% training error: ReLU {epochs_text(reached['relu (He)'], epochs)}"
              f", tanh {epochs_text(reached['tanh (Glorot)'], epochs)};"
              f" ratio tanh / ReLU {spread(ratios, '{:.1f}')}")
    reading = (f"ReLU gets there {statistics.mean(ratios):.1f}x sooner on average "
               f"({'in every seed' if verdict == REPRODUCED else 'not in every seed'}); the "
               "direction of Krizhevsky et al.'s 6x (CIFAR-10, a CNN), a smaller factor on "
               "this small MLP problem.")
    return Row("relu_tanh", "ReLU networks train several times faster than tanh networks "
               "(Krizhevsky et al. 2012: 6x to 25% training error)",
               f"`compare_activations`'s protocol: MNIST-1D MLP 2x512, Nesterov 0.05 constant, no "
               f"BN/dropout/L2, {epochs} epochs; epochs to 25% training error",
               figure, verdict, reading, activation_details(runs, epochs))


def tanh_sigmoid_claim(runs, epochs):
    tanh = _epochs(runs["tanh (Glorot)"], epochs)
    verdicts, parts = [], []
    for name in ("sigmoid (Glorot)", "sigmoid (4x Glorot)"):
        sig = _epochs(runs[name], epochs)
        verdicts.append(direction([s - t for s, t in zip(sig, tanh)]))
        parts.append(f"{name} {epochs_text([m['to_threshold'] for m in runs[name]], epochs)}")
    figure = (f"epochs to 25% training error: tanh "
              f"{epochs_text([m['to_threshold'] for m in runs['tanh (Glorot)']], epochs)}, "
              + ", ".join(parts))
    reading = (f"Against the logistic sigmoid with Glorot's init: {verdicts[0]}; with the 4x "
               f"init matched to the sigmoid: {verdicts[1]} (a miss within {epochs} epochs "
               "counts as slower).")
    return Row("tanh_sigmoid", "Symmetric sigmoids such as tanh converge faster than the "
               "logistic sigmoid (LeCun et al. 1998)",
               "the same runs as the ReLU row, tanh vs the logistic sigmoid with Glorot's and "
               "with the 4x (sigmoid-matched) Glorot initialization",
               figure, combine(*verdicts), reading)


MATCHED = (("he_normal_untruncated", "relu"), ("glorot_uniform", "tanh"),
           ("sigmoid_glorot_uniform", "sigmoid"))
MISMATCHED = (("xavier_normal", "relu"), ("random_normal", "tanh"),
              ("glorot_uniform", "sigmoid"), ("sigmoid_glorot_uniform", "relu"))


def variance_ratio(init, activation, *, seed, depth=10, width=256, n=2000):
    """var(layer `depth`) / var(layer 1) of a bias-free Dense stack on N(0, 1) inputs (the
    stack of `notebooks/02` and of RESULTS.md's variance table)."""
    h = np.random.default_rng(seed).normal(size=(n, width))
    act = keras.activations.get(activation)
    first = None
    for i in range(depth):
        kernel = np.asarray(initializers.get(init, seed=seed + i)((width, width), "float64"))
        h = np.asarray(act(h @ kernel))
        first = h.var() if first is None else first
    return float(h.var() / first)


def init_claim(ds, settings):
    width = 64 if settings.quick else 256
    ratios = {pair: [variance_ratio(*pair, seed=s, width=width) for s in settings.seeds]
              for pair in MATCHED + MISMATCHED}
    held = all(0.1 <= r <= 10 for pair in MATCHED for r in ratios[pair])
    relu_bad = all(not 0.1 <= r <= 10 for pair in MISMATCHED if pair[1] == "relu"
                   for r in ratios[pair])
    variance = REPRODUCED if held and relu_bad else MIXED if held or relu_bad else NOT_REPRODUCED
    epochs = settings.scaled(20)
    deep = {}
    for init in ("he_normal_untruncated", "xavier_normal"):
        for seed in settings.seeds:
            run, m = train(ds, seed=seed, epochs=epochs, width=128, depth=8, init=init)
            m["to_threshold"] = first_epoch(run.history["accuracy"], lambda a: a >= 0.75)
            deep.setdefault(init, []).append(m)
    he, xa = _epochs(deep["he_normal_untruncated"], epochs), _epochs(deep["xavier_normal"], epochs)
    training = direction([x - h for h, x in zip(he, xa)])
    figure = "; ".join(f"{i} + {a}: {spread(ratios[(i, a)], '{:.3g}')}" for i, a in MATCHED)
    figure += " (var layer 10 / layer 1); mismatched: " + "; ".join(
        f"{i} + {a}: {spread(ratios[(i, a)], '{:.3g}')}" for i, a in MISMATCHED)
    figure += (f"; depth-8 ReLU MLP, epochs to 25% training error: He "
               f"{epochs_text([m['to_threshold'] for m in deep['he_normal_untruncated']], epochs)}"
               f", Xavier N(0, 1/fan_in) "
               f"{epochs_text([m['to_threshold'] for m in deep['xavier_normal']], epochs)}")
    reading = (f"Variance: {variance} (matched pairs within a factor 10 over 10 layers, "
               f"mismatched ReLU pairs outside it); training the deep ReLU net: {training}. "
               "Glorot + tanh still drifts down (tanh compresses), and the 1x Glorot sigmoid "
               "only loses a factor of a few, so 'matched' matters most for ReLU.")
    details = table(("initializer + activation", "matched", "var(layer 10) / var(layer 1)"),
                    [(f"{i} + {a}", "yes" if (i, a) in MATCHED else "no",
                      spread(ratios[(i, a)], "{:.3g}")) for i, a in MATCHED + MISMATCHED])
    return Row("matched_init", "Initialization matched to the activation (He for ReLU, Glorot "
               "for tanh, 4x Glorot for the sigmoid) keeps the activations' variance through "
               "depth, so deep networks train",
               f"variance through 10 bias-free Dense({width}) layers at initialization, N(0, 1) "
               f"inputs, per seed; and an 8x128 ReLU MLP (no BN) trained {epochs} epochs with "
               "He vs Xavier", figure, combine(variance, training), reading, details)


SIZES = {"width": ((16, 2), (64, 2), (256, 2)), "depth": ((64, 1), (64, 2), (64, 4))}
QUICK_SIZES = {"width": ((16, 1), (32, 1)), "depth": ((16, 1), (16, 2))}


def width_depth_claim(datasets, settings):
    """Best validation accuracy of the recipe's MLP (its regularization and decay) vs size."""
    epochs = settings.scaled(15)
    sizes = QUICK_SIZES if settings.quick else SIZES
    got = {}
    for ds in datasets:
        for shape in dict.fromkeys(sizes["width"] + sizes["depth"]):
            for seed in settings.seeds:
                run, _ = train(ds, seed=seed, epochs=epochs, width=shape[0], depth=shape[1],
                               constant=False, batch_norm=True, dropout=0.2, l2=1e-4)
                got.setdefault((ds.name, shape), []).append(max(run.history["val_accuracy"]))
    verdicts, parts, rows = [], [], []
    for ds in datasets:
        for axis, shapes in sizes.items():
            small, large = got[(ds.name, shapes[0])], got[(ds.name, shapes[-1])]
            verdicts.append(direction([b - a for a, b in zip(small, large)], margin=0.005))
            means = [statistics.mean(got[(ds.name, s)]) for s in shapes]
            parts.append(f"{ds.name} {axis} " + " / ".join(f"{m:.3f}" for m in means))
            rows += [(ds.name, f"{s[1]}x{s[0]}", spread(got[(ds.name, s)])) for s in shapes]
    figure = "best val accuracy by size (small / medium / large): " + "; ".join(parts)
    reading = ("Growing helps on " + ", ".join(
        f"{p.split(' ')[0]} {p.split(' ')[1]} ({v})" for p, v in zip(parts, verdicts)) +
        "; a larger step counts only if it beats the smallest size by 0.005 in every seed.")
    details = table(("data", "MLP depth x width", "best val accuracy"), list(dict.fromkeys(rows)))
    return Row("width_depth", "\"Start small, then add layers and neurons\": validation "
               "accuracy improves with width and depth until it saturates",
               f"the recipe's MLP (BN, dropout 0.2, L2 1e-4, Nesterov with step decay), "
               f"{epochs} epochs, widths 16/64/256 at depth 2 and depths 1/2/4 at width 64, "
               "MNIST-1D and digits; best validation accuracy over the epochs",
               figure, combine(*verdicts), reading, details)
