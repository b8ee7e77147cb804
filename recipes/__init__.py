"""`deeper` recipes: functions that assemble components into complete training pipelines.

```python
from deeper import recipes
from deeper.components import data
run = recipes.train_classifier(data.load("mnist1d"), model="cnn")
```
"""

from deeper.recipes.train_classifier import Run, train_classifier  # noqa: F401
