"""The course's experiments as recipes: `activations` (activation and
initialization studies), `batch_sizes` (SGD vs GD), `drift` (non-stationary
data) and `compare_optimizers` (optimizers on 2-D surfaces)."""
