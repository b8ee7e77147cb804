"""Choosing the learning rate: `find` (the range test, `lr_find`), `search`
(the coarse-to-fine `lr_search`) and `plots` (their figures, `plot_schedule`)."""
