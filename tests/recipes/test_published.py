"""The default recipe against the published MNIST-1D table (Greydanus 2020,
"Scaling down deep learning": MLP 68%, CNN 94%). Slow: full default training."""

import pytest

from deeper import recipes
from deeper.components import data


@pytest.mark.slow
@pytest.mark.parametrize("model, published", [("cnn", 0.94), ("mlp", 0.68)])
def test_default_recipe_reaches_the_published_accuracy(model, published):
    ds = data.load("mnist1d")
    assert ds.published[model] == published
    run = recipes.train_classifier(ds, model=model, seed=0)
    assert run.test_metrics["accuracy"] >= published
