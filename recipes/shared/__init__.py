"""What the recipes share: the recipe models (`models`), their compilation
(`compiling`), the learning-rate policy (`schedule`), the dataset check
(`datasets`), progress display (`progress`), artifacts (`outputs`) and the
plain gradient-descent loop (`steps`). Public modules: recipes import them
instead of each other's private helpers."""
