"""Learning to learn: meta-train the learned LSTM optimizer (`LearnedOptimizer`).

```python
from deeper import recipes
result = recipes.meta_train("quadratic", meta_iterations=300, seed=0)
opt = result.optimizer()          # a keras.optimizers.Optimizer with the best phi
```

A warm start: `imitate(task, learning_rate=...)` fits phi to Nesterov momentum's
updates (`meta_train(task, init_phi=phi)` starts from it); `tune_output_scale` picks the
learned optimizer's output scale on a grid, as the baselines' learning rates are.

Tasks (`tasks.quadratic`, `tasks.mnist1d_mlp`, or your own `seed -> Problem`) are
described in `deeper.recipes.learn.tasks`.
"""

from deeper.recipes.learn.imitate import imitate
from deeper.recipes.learn.meta_train import (
    MetaTrainResult,
    meta_train,
    problem_seed,
    tune_output_scale,
)
from deeper.recipes.learn.tasks import Problem, mnist1d_mlp, quadratic

__all__ = ["MetaTrainResult", "Problem", "imitate", "meta_train", "mnist1d_mlp",
           "problem_seed", "quadratic", "tune_output_scale"]
