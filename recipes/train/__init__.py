"""Training recipes: `classifier` (`train_classifier`, `Run`), `setup` (its
steps: options, pipelines, build and compile, learning rate) and `full_batch`
(`fit_full_batch`, the second-order methods on the whole training set)."""
