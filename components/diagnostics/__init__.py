"""`deeper` diagnostics: functions that probe a model, and the backend layer for
derivatives outside `fit`.

Checks (functions returning a result with `.passed` and `.summary()`/`.diagnosis()`):

* `gradient_check`: autodiff gradients against central finite differences;
* `signal_variance`: activation variance and back-propagated gradient size per layer;
* `find_nonfinite`: where NaN or inf first appears (data, layer outputs, loss, gradients).

`autodiff` is the one module that knows the Keras backend (TensorFlow, JAX,
PyTorch): value and gradient, Hessian-vector products, Hessians, a model's
loss as a pure function of its weights. `model_tools` rebuilds a model in
float64 or without its regularization and resolves its loss.
"""

from deeper.components.diagnostics import autodiff, model_tools  # noqa: F401
from deeper.components.diagnostics.find_nonfinite import (  # noqa: F401
    NonFiniteResult,
    count_nonfinite,
    find_nonfinite,
)
from deeper.components.diagnostics.gradient_check import (  # noqa: F401
    GradientCheckResult,
    gradient_check,
)
from deeper.components.diagnostics.signal_variance import (  # noqa: F401
    SignalVarianceResult,
    signal_variance,
)
