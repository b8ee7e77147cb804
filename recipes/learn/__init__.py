"""Learning to learn: meta-train the learned LSTM optimizer (`LearnedOptimizer`).

```python
from deeper import recipes
result = recipes.meta_train("quadratic", meta_iterations=300, seed=0)
opt = result.optimizer()          # a keras.optimizers.Optimizer with the best phi
```

Tasks (`tasks.quadratic`, `tasks.mnist1d_mlp`, or your own `seed -> Problem`) are
described in `deeper.recipes.learn.tasks`.
"""

from deeper.recipes.learn.meta_train import MetaTrainResult, meta_train, problem_seed
from deeper.recipes.learn.tasks import Problem, mnist1d_mlp, quadratic

__all__ = ["MetaTrainResult", "Problem", "meta_train", "mnist1d_mlp", "problem_seed",
           "quadratic"]
