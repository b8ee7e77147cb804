"""Can the learned LSTM optimizer represent tuned Nesterov momentum on the MNIST-1D task?

    python benchmarks/learned_optimizer_imitation.py [--fit-steps 1000] [--problems 8]

Issue 14's `mlp` preset ends above grid-tuned Nesterov momentum (RESULTS.md). This probe
fits phi by teacher forcing to Nesterov's updates (Keras's `SGD(nesterov=True)` rule,
learning rate 1.78, momentum 0.9: the tuned baseline) along Nesterov's own trajectories
on TRAIN problems of the `mlp` task, then scores the fitted phi and Nesterov on the
VALIDATION problems `meta_train` uses (mean loss at step 100; Nesterov's own figure is
its loss at step 99, the last one its loop records). RESULTS.md: relative error 0.137
after 1000 fitting steps (validation 1.531), 0.078 after a second 1000-step fit from that
phi (`--init`, a new Adam: validation 1.502; Nesterov 1.503), about 7 minutes per 1000
steps on one core. `--save PHI.npy` keeps the fitted phi (for `meta_train` experiments
started from it). TensorFlow backend.
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

from deeper.components.optimizers import learned_lstm_math as lstm
from deeper.recipes.learn import mnist1d_mlp, problem_seed
from deeper.recipes.learn.meta_train import TRAIN, VALIDATION, validate
from deeper.recipes.learn.unroll import Unroller

STEPS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learning-rate", type=float, default=1.78)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--problems", type=int, default=8, help="TRAIN problems (4 nets each)")
    parser.add_argument("--fit-steps", type=int, default=1000)
    parser.add_argument("--coordinates", type=int, default=2048, help="sequences per step")
    parser.add_argument("--p", type=float, default=10.0)
    parser.add_argument("--output-scale", type=float, default=1.0)
    parser.add_argument("--init", default=None, metavar="PHI.npy", help="start from this phi")
    parser.add_argument("--save", default=None, metavar="PHI.npy")
    args = parser.parse_args()
    lr, mu = args.learning_rate, args.momentum
    task = mnist1d_mlp(nets=4)
    unroller = Unroller(task(problem_seed(0, TRAIN, 0)), 20, args.p, args.output_scale)

    @tf.function
    def nesterov(theta, data):
        velocity, grads, updates = tf.zeros_like(theta), [], []
        for t in range(STEPS):
            (_, losses), grad = unroller._loss_and_grad(theta, data, t)
            velocity = mu * velocity - lr * grad
            update = mu * velocity - lr * grad
            theta = theta + update
            grads.append(grad)
            updates.append(update)
        return tf.stack(grads), tf.stack(updates), losses

    start = time.perf_counter()
    grads, updates = [], []
    for i in range(args.problems):
        carry, data = unroller.start(task(problem_seed(0, TRAIN, 10000 + i)))
        g, u, _ = nesterov(carry[0], data)
        grads.append(g.numpy())
        updates.append(u.numpy())
    grads = tf.constant(np.concatenate(grads, axis=1))  # (steps, coordinates)
    updates = tf.constant(np.concatenate(updates, axis=1))
    held_out = [task(problem_seed(0, VALIDATION, i)) for i in range(4)]
    teacher = []
    for problem in held_out:
        carry, data = unroller.start(problem)
        teacher.append(nesterov(carry[0], data)[2].numpy())
    print(f"{grads.shape[1]} coordinate sequences of {STEPS} steps; Nesterov (lr {lr}, momentum "
          f"{mu}) on the validation problems, step 99: {np.mean(np.concatenate(teacher)):.4g}")

    phi = keras.Variable(np.load(args.init) if args.init else lstm.initial_phi(0))
    adam = keras.optimizers.Adam(3e-3)
    adam.build([phi])

    @tf.function
    def fit_step(index):
        g, target = tf.gather(grads, index, axis=1), tf.gather(updates, index, axis=1)
        with tf.GradientTape() as tape:
            state = tf.zeros((tf.shape(index)[0], lstm.STATE_SIZE))
            error = 0.0
            for t in range(STEPS):
                update, state = lstm.lstm_update(phi.value, g[t], state, args.p,
                                                 args.output_scale)
                error += tf.reduce_sum((update - target[t]) ** 2)
            loss = error / tf.reduce_sum(target ** 2)
        adam.apply_gradients([(tape.gradient(loss, phi.value), phi)])
        return loss

    rng = np.random.default_rng(0)
    for step in range(1, args.fit_steps + 1):
        loss = fit_step(tf.constant(rng.choice(grads.shape[1], args.coordinates,
                                               replace=False)))
        if step % 250 == 0 or step == args.fit_steps:
            score = validate(unroller, phi.value, held_out, STEPS, "final")
            print(f"fit step {step}: relative error {float(loss):.3f}, validation final loss "
                  f"{score:.4g}, {time.perf_counter() - start:.0f} s", flush=True)
    if args.save:
        np.save(args.save, keras.ops.convert_to_numpy(phi.value))


if __name__ == "__main__":
    main()
