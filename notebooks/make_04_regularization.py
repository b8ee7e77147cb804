"""Generates notebooks/04_regularization.ipynb (run: python notebooks/make_04_regularization.py,
then python notebooks/store_outputs.py 04_regularization.ipynb to store its outputs)."""

from pathlib import Path

import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# Regularization: L2 in the loss or in the update, L1's exact zeros, dropout, early stopping

The course's regularizers on MNIST-1D, each drawn once: L2 written as a penalty in the loss
against L2 applied inside the update rule (weight decay); L1 as a penalty against L1 as a
soft-threshold step (`optimizers.ProximalL1`), which leaves weights at exactly zero; dropout
and the train/validation gap; early stopping against the validation minimum.
`benchmarks/claims.py` measures the same claims over three seeds (the claims table in
`benchmarks/RESULTS.md`).

The tests run this notebook with `DEEPER_NOTEBOOK_SMALL=1` (fewer epochs, a smaller MLP)."""),
    code("""import os
import numpy as np
import matplotlib.pyplot as plt
import keras
import tensorflow as tf

from deeper import recipes
from deeper.components import data, optimizers, regularizers

SMALL = bool(os.environ.get("DEEPER_NOTEBOOK_SMALL"))
EPOCHS = 3 if SMALL else 20          # sections 1 and 2
LONG = 12 if SMALL else 40           # section 3: long enough to overfit
WIDTH = 256
plt.rcParams["figure.dpi"] = 72
tf.get_logger().setLevel("ERROR")   # no retracing notices from the many small models

ds = data.load("mnist1d")
mean, std = ds.x_train.mean(0), ds.x_train.std(0) + 1e-8
x, x_val = (ds.x_train - mean) / std, (ds.x_val - mean) / std
print(ds.summary())"""),
    md("""## 1. L2: a penalty in the loss, or weight decay inside the update

The penalty (λ/2)‖w‖² (`regularizers.HalfL2(lam)`, the course's convention; Keras's `L2(l2)` is
l2‖w‖² without the ½) adds λw to the gradient. Weight decay shrinks the weights inside the
update instead: w ← w − ηλw − ηg (Keras's `weight_decay=` argument of every optimizer). For plain
SGD the two updates are the same; with momentum they are not, because the penalty's λw goes
through the velocity and the decay does not (Loshchilov & Hutter's AdamW argument). Same
initial weights, same batches (no shuffling), four runs:"""),
    code("""LAM = 1e-3

def mlp(penalty=None):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((x.shape[1],))] + [
        keras.layers.Dense(WIDTH, activation="relu", kernel_regularizer=penalty,
                           kernel_initializer=keras.initializers.HeNormal(seed=i))
        for i in range(2)] + [keras.layers.Dense(ds.num_classes, activation="softmax",
                                                   kernel_regularizer=penalty)])

class KernelTrace(keras.callbacks.Callback):
    \"\"\"The concatenated kernels after every epoch.\"\"\"
    def on_train_begin(self, logs=None):
        self.kernels = []
    def on_epoch_end(self, epoch, logs=None):
        self.kernels.append(np.concatenate([l.kernel.numpy().ravel() for l in self.model.layers]))

traces = {}
for rule, momentum in (("plain SGD", 0.0), ("momentum 0.9", 0.9)):
    for how in ("penalty", "weight decay"):
        model = mlp(regularizers.HalfL2(LAM) if how == "penalty" else None)
        decay = {"weight_decay": LAM} if how == "weight decay" else {}
        opt = optimizers.get("sgd", learning_rate=0.05, momentum=momentum, **decay)
        opt.exclude_from_weight_decay(var_names=["bias"])  # the penalty is on kernels only
        model.compile(opt, "sparse_categorical_crossentropy")
        trace = KernelTrace()
        model.fit(x, ds.y_train, batch_size=64, epochs=EPOCHS, shuffle=False, verbose=0,
                  callbacks=[trace])
        traces[(rule, how)] = np.array(trace.kernels)

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
for (rule, how), k in traces.items():
    a.plot(np.arange(1, EPOCHS + 1), np.linalg.norm(k, axis=1), "-" if how == "penalty" else "--",
           label=f"{rule}, {how}")
for rule in ("plain SGD", "momentum 0.9"):
    diff = np.abs(traces[(rule, "penalty")] - traces[(rule, "weight decay")]).max(axis=1)
    b.semilogy(np.arange(1, EPOCHS + 1), np.maximum(diff, 1e-12), "-o", ms=3, label=rule)
a.set(xlabel="epoch", ylabel="‖w‖ (all kernels)", title="Weight norm")
b.set(xlabel="epoch", ylabel="max |w_penalty − w_decay|", title="Penalty vs decay: difference")
a.legend(fontsize=7); b.legend(fontsize=7); fig.tight_layout()"""),
    md("""Right: under plain SGD the two rules give the same weights up to float32 round-off
(about 1e-6: the operations come in another order); under momentum they differ by 1e-2 and
more, so "L2" and "weight decay" are two different regularizers as soon as the optimizer has
state. Left: the weight norm each of them keeps (the plain-SGD curves lie on each other)."""),
    md("""## 2. L1: the penalty never reaches zero, the soft threshold does

Keras's `L1(lam)` adds λ·sign(w) to the gradient: a weight near 0 is pushed across it and back,
and is practically never exactly 0. `optimizers.ProximalL1` applies the proximal step of λ‖w‖₁
after each update of the wrapped optimizer: w ← sign(w)·max(|w| − ηλ, 0), which sets small weights
to exactly 0 (biases are excluded). Plain SGD, so that the two are equally strong:"""),
    code("""L1 = 3e-3
kernels = {}
for name in ("L1 penalty", "ProximalL1"):
    model = mlp(keras.regularizers.L1(L1) if name == "L1 penalty" else None)
    opt = optimizers.get("sgd", learning_rate=0.1)
    if name == "ProximalL1":
        opt = optimizers.ProximalL1(opt, l1=L1)
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, ds.y_train, batch_size=64, epochs=EPOCHS, verbose=0)
    kernels[name] = np.concatenate([l.kernel.numpy().ravel() for l in model.layers])
    acc = model.evaluate(x_val, ds.y_val, verbose=0, return_dict=True)["accuracy"]
    print(f"{name}: {np.mean(kernels[name] == 0):.1%} of the weights exactly 0, "
          f"{np.mean(np.abs(kernels[name]) < 1e-4):.1%} below 1e-4, val accuracy {acc:.3f}")

fig, ax = plt.subplots(figsize=(6.5, 3.5))
bins = np.linspace(-8, 0, 41)
for name, k in kernels.items():
    logs = np.log10(np.abs(k[k != 0]))
    ax.hist(np.clip(logs, -8, 0), bins=bins, histtype="step", lw=1.5,
            label=f"{name} ({np.mean(k == 0):.0%} exactly 0, not drawn)")
ax.set(xlabel="log10 |w| (nonzero weights)", ylabel="weights", title="Kernel weights after L1")
ax.legend(fontsize=7); fig.tight_layout()"""),
    md("""The penalty leaves a cloud of small but nonzero weights; the soft threshold puts a share
of them at exactly 0 (not drawn on the log axis, counted in the legend). With momentum the
comparison at equal λ is not fair (momentum amplifies the penalty's constant gradient up to
10x): `benchmarks/l1_sparsity.py` and RESULTS.md's L1 section measure both."""),
    md("""## 3. Dropout and the train/validation gap; early stopping

`recipes.train_classifier` with batch norm, L2, learning-rate decay and early stopping off,
so only dropout differs. The same run without dropout, trained to the end, gives the
validation-loss curve that early stopping watches."""),
    code("""options = dict(model="mlp", width=WIDTH, batch_norm=False, l2=0.0, epochs=LONG, seed=0)
runs = {rate: recipes.train_classifier(ds, dropout=rate, early_stopping=None,
                                       optimizer=optimizers.get("nesterov", learning_rate=0.05),
                                       **options)
        for rate in (0.0, 0.5)}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, (rate, run) in zip(axes, runs.items()):
    h = run.history
    epochs = np.arange(1, len(h["loss"]) + 1)
    ax.plot(epochs, h["accuracy"], label="training (dropout on during the epoch)")
    ax.plot(epochs, h["val_accuracy"], label="validation")
    ax.fill_between(epochs, h["val_accuracy"], h["accuracy"], alpha=0.15)
    ax.set(title=f"dropout {rate}", xlabel="epoch")
axes[0].set_ylabel("accuracy"); axes[0].legend(fontsize=7); fig.tight_layout()
for rate, run in runs.items():
    train = run.model.evaluate(ds.x_train, ds.y_train, verbose=0, return_dict=True)["accuracy"]
    print(f"dropout {rate}: training accuracy (dropout off) {train:.3f}, validation "
          f"{run.history['val_accuracy'][-1]:.3f}, gap {train - run.history['val_accuracy'][-1]:.3f}")"""),
    md("""The shaded band is the gap between training and validation accuracy: without dropout the
MLP fits the training set and the band widens every epoch; dropout 0.5 keeps it narrow. It
does not train faster: per epoch both accuracies rise more slowly with dropout (see the claims
table's `dropout_speed` row), and it needs more epochs to reach the same validation accuracy."""),
    md("""Early stopping (`early_stopping=patience`: Keras's `EarlyStopping` on the validation loss,
restoring the best weights) against the validation minimum of the full-length run:"""),
    code("""patience = 3 if SMALL else 5
stopped = recipes.train_classifier(ds, dropout=0.0, early_stopping=patience,
                                   optimizer=optimizers.get("nesterov", learning_rate=0.05),
                                   **options)
full = runs[0.0].history["val_loss"]
seen = stopped.history["val_loss"]
fig, ax = plt.subplots(figsize=(6.5, 3.5))
ax.plot(np.arange(1, len(full) + 1), full, label="no early stopping")
ax.plot(np.arange(1, len(seen) + 1), seen, "o", ms=4, label=f"early stopping, patience {patience}")
ax.axvline(np.argmin(full) + 1, color="k", ls=":", label="minimum of the full run")
ax.axvline(np.argmin(seen) + 1, color="C1", ls="--", label="restored epoch")
ax.set(xlabel="epoch", ylabel="validation loss", title="Early stopping")
ax.legend(fontsize=7); fig.tight_layout()
print(f"full run: minimum at epoch {np.argmin(full) + 1}, test accuracy at the last epoch "
      f"{runs[0.0].test_metrics['accuracy']:.3f}; early stopping: stopped after {len(seen)} "
      f"epochs, restored epoch {np.argmin(seen) + 1}, test accuracy "
      f"{stopped.test_metrics['accuracy']:.3f}")"""),
    md("""Early stopping keeps the weights of the lowest validation loss it has seen and stops
`patience` epochs later: when the validation loss has a single minimum, that is the minimum of
the full run, reached in a fraction of its epochs (the claims table's `early_stopping` row
measures it over three seeds)."""),
]
nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
nbf.write(nb, Path(__file__).with_name("04_regularization.ipynb"))
