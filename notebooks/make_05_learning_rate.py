"""Generates notebooks/05_learning_rate.ipynb (run: python notebooks/make_05_learning_rate.py,
then python notebooks/store_outputs.py 05_learning_rate.ipynb to store its outputs)."""

from pathlib import Path

import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# The learning rate: schedules, the range test, coarse-to-fine search, per-weight rates

The course's learning-rate section on MNIST-1D: the constant, step, inverse and exponential
schedules (`deeper.components.schedules`, stated in epochs), the range test
`recipes.lr_find` against the coarse-to-fine search `recipes.lr_search`, per-weight rates with
LeCun's rule for shared weights (`optimizers.PerWeightLearningRates`,
`optimizers.shared_weight_multipliers`), and `callbacks.StepDecay`, which sets each epoch's
rate from the epoch index so a resumed run gets the same rates.

The tests run this notebook with `DEEPER_NOTEBOOK_SMALL=1` (fewer epochs and steps)."""),
    code("""import os
import numpy as np
import matplotlib.pyplot as plt
import keras
import tensorflow as tf

from deeper import recipes
from deeper.components import callbacks, data, optimizers, schedules

SMALL = bool(os.environ.get("DEEPER_NOTEBOOK_SMALL"))
EPOCHS = 4 if SMALL else 30
WIDTH = 64 if SMALL else 256
plt.rcParams["figure.dpi"] = 72
tf.get_logger().setLevel("ERROR")   # no retracing notices from the many small models

ds = data.load("mnist1d")
mean, std = ds.x_train.mean(0), ds.x_train.std(0) + 1e-8
x, x_val = (ds.x_train - mean) / std, (ds.x_val - mean) / std
BATCH = 64
STEPS = -(-len(x) // BATCH)   # optimizer steps per epoch

def mlp(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((x.shape[1],)),
                             keras.layers.Dense(WIDTH, activation="relu"),
                             keras.layers.Dense(WIDTH, activation="relu"),
                             keras.layers.Dense(ds.num_classes, activation="softmax")])"""),
    md("""## 1. Four schedules

eta_0 constant; step decay eta_0 / alpha^floor(epoch / T); inverse decay eta_0 / (1 + k epoch);
exponential eta_0 exp(-k epoch). Each is a Keras `LearningRateSchedule` with its arguments
in epochs (`steps_per_epoch` converts), so it saves inside the optimizer of a saved model."""),
    code("""ETA0 = 0.1
rules = {
    "constant": schedules.Constant(ETA0),
    "step (÷10 every half)": schedules.step_decay(ETA0, drop=10, every_epochs=-(-EPOCHS // 2),
                                                  steps_per_epoch=STEPS),
    "inverse (k = 0.5)": schedules.InverseDecay(ETA0, decay=0.5, steps_per_epoch=STEPS),
    "exponential (÷10 over the run)": schedules.NaturalExpDecay(
        ETA0, decay=np.log(10) / EPOCHS, steps_per_epoch=STEPS),
}
steps = np.arange(EPOCHS * STEPS)
curves = {}
for name, rule in rules.items():
    model = mlp()
    model.compile(optimizers.get("momentum", learning_rate=rule), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    curves[name] = model.fit(x, ds.y_train, batch_size=BATCH, epochs=EPOCHS, verbose=0,
                             validation_data=(x_val, ds.y_val)).history

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, rule in rules.items():
    a.semilogy(steps / STEPS, [float(rule(int(s))) for s in steps], label=name)
    b.plot(np.arange(1, EPOCHS + 1), curves[name]["loss"], "-o", ms=3, label=name)
a.set(xlabel="epoch", ylabel="learning rate", title="Schedules (momentum 0.9)")
b.set(xlabel="epoch", ylabel="training loss", title="The same MLP under each schedule")
a.legend(fontsize=7); b.legend(fontsize=7); fig.tight_layout()
for name, h in curves.items():
    print(f"{name:32s} final training loss {h['loss'][-1]:.3f}, val accuracy {h['val_accuracy'][-1]:.3f}")"""),
    md("""Left: the four rates; right: the training loss under each, from the same initial
weights. The decaying schedules end below the constant rate: a smaller rate late in training
shrinks the noise of the steps (the step schedule's tenfold drop shows as a kink)."""),
    md("""## 2. The range test against the coarse-to-fine search

`recipes.lr_find` grows the rate exponentially over a few hundred steps of one training run
and suggests a rate a tenth of the loss minimum's (or where the loss falls fastest);
`recipes.lr_search` trains short runs at log-spaced rates on a subset, keeps the best by
validation loss and refines around it. Same MLP (no batch norm)."""),
    code("""found = recipes.lr_find(ds, model="mlp", width=WIDTH, batch_norm=False, dropout=0.0,
                        num_steps=60 if SMALL else 200)
search = recipes.lr_search(ds, model="mlp", width=WIDTH, batch_norm=False, dropout=0.0,
                           rates=(0.3, 0.03, 0.003), fine_points=2 if SMALL else 4,
                           epochs=2 if SMALL else 5)
print(found.summary()); print(search.summary()); print(search.table())

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
a.semilogx(found.learning_rates, found.losses, color="0.75", label="loss per step")
a.semilogx(found.learning_rates, found.smoothed, label="smoothed")
for name, rate in found.suggestions.items():
    a.axvline(rate, ls="--" if name == "min_div_10" else ":", color="k", label=f"{name}: {rate:.3g}")
a.set(xlabel="learning rate", ylabel="training loss", title="lr_find (range test)")
a.set_ylim(0, 2 * found.smoothed[0])   # the diverging tail leaves the frame
for stage, marker in (("coarse", "o"), ("fine", "s")):
    t = [t for t in search.trials if t["stage"] == stage]
    b.semilogx([t_["learning_rate"] for t_ in t], [min(t_["val_loss"], 5) for t_ in t], marker,
               label=f"{stage} trials")
b.axvline(search.best_learning_rate, color="C2", label=f"search best {search.best_learning_rate:.3g}")
b.axvline(found.suggested_learning_rate, color="k", ls="--", label="lr_find suggestion")
b.set(xlabel="learning rate", ylabel="validation loss (best epoch, capped at 5)",
      title="lr_search (coarse to fine)")
a.legend(fontsize=7); b.legend(fontsize=7); fig.tight_layout()"""),
    md("""The range test costs one short run (it stops when the loss diverges); the search costs
one run per trial. They measure different things, so they need not agree: the range test, how
fast the training loss falls over a few hundred steps of a growing rate; the search, the
validation loss after a few epochs on a subset at a fixed rate (very short trials favour
moderate rates). RESULTS.md compares them with longer trials, without batch norm (within 20%)
and with it (the short search is misled by moving averages that have not settled)."""),
    md("""## 3. Per-weight rates and the rule for shared weights

`PerWeightLearningRates(optimizer, {pattern: factor})` multiplies the rate of the variables
whose path matches (Keras's `MultiOptimizer` underneath). LeCun et al. (1998) scale the rate of
a shared weight by 1/sqrt(number of connections sharing it): a convolution kernel is used at
every output position, so `shared_weight_multipliers(model)` returns 1/sqrt(positions) per
convolution. A small 1-D CNN, with and without the rule, from the same initial weights:"""),
    code("""def cnn(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((x.shape[1], 1)),
        keras.layers.Conv1D(16, 5, padding="same", activation="relu", name="conv_a"),
        keras.layers.MaxPooling1D(2),
        keras.layers.Conv1D(16, 5, padding="same", activation="relu", name="conv_b"),
        keras.layers.Flatten(),
        keras.layers.Dense(ds.num_classes, activation="softmax", name="head")])

multipliers = optimizers.shared_weight_multipliers(cnn())
print({k: round(v, 3) for k, v in multipliers.items()})
histories = {}
for name, opt in (("one rate", lambda: optimizers.get("momentum", learning_rate=0.05)),
                  ("1/sqrt(sharing) on the convolutions", lambda: optimizers.PerWeightLearningRates(
                      optimizers.get("momentum", learning_rate=0.05), multipliers))):
    model = cnn()
    model.compile(opt(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    histories[name] = model.fit(x[..., None], ds.y_train, batch_size=BATCH, epochs=EPOCHS,
                                validation_data=(x_val[..., None], ds.y_val), verbose=0).history
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, h in histories.items():
    a.plot(np.arange(1, EPOCHS + 1), h["loss"], "-o", ms=3, label=name)
    b.plot(np.arange(1, EPOCHS + 1), h["val_accuracy"], "-o", ms=3, label=name)
a.set(xlabel="epoch", ylabel="training loss"); b.set(xlabel="epoch", ylabel="validation accuracy")
a.legend(fontsize=7); fig.suptitle("Per-weight rates: LeCun's shared-weight rule"); fig.tight_layout()"""),
    md("""The rule divides the convolution kernels' rate by sqrt(40) and sqrt(20) (their output
positions): with momentum SGD at one global rate tuned for the whole net, it slows those layers
down. It is a way to balance the layers' speeds, not a free speed-up: the global rate has to be
retuned with it."""),
    md("""## 4. `StepDecay`: the rate from the epoch index, right after a resume

The callback sets eta_0 / drop^floor(epoch / T) at the start of every epoch and logs it. Training
in two halves (`initial_epoch=`, as `BackupAndRestore` does after an interruption) gets the same
rates as one uninterrupted run:"""),
    code("""T = max(1, EPOCHS // 3)
def fit(epochs, initial_epoch=0, model=None):
    if model is None:
        model = mlp()
        model.compile(optimizers.get("momentum", learning_rate=0.1), "sparse_categorical_crossentropy")
    h = model.fit(x, ds.y_train, batch_size=BATCH, epochs=epochs, initial_epoch=initial_epoch,
                  verbose=0, callbacks=[callbacks.StepDecay(0.1, drop=10, every_epochs=T)])
    return model, h.history

model, whole = fit(EPOCHS)
half = EPOCHS // 2
resumed, first = fit(half)
_, second = fit(EPOCHS, initial_epoch=half, model=resumed)
fig, ax = plt.subplots(figsize=(6.5, 3.5))
ax.step(np.arange(1, EPOCHS + 1), whole["learning_rate"], where="mid", label="one run")
ax.plot(np.arange(1, EPOCHS + 1), first["learning_rate"] + second["learning_rate"], "o",
        label=f"resumed at epoch {half}")
ax.set(yscale="log", xlabel="epoch", ylabel="learning rate", title=f"StepDecay(0.1, drop=10, every_epochs={T})")
ax.legend(fontsize=7); fig.tight_layout()
print("same rates:", whole["learning_rate"] == first["learning_rate"] + second["learning_rate"])"""),
    md("""The resumed run's rates (dots) sit on the uninterrupted schedule (steps): the callback
never counts its own calls, so an interruption cannot shift the drops."""),
]
nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
nbf.write(nb, Path(__file__).with_name("05_learning_rate.ipynb"))
