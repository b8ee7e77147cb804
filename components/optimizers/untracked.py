"""`Untracked`: a list of variables that Keras's attribute tracking does not see."""


class Untracked:
    """Holds the variables an optimizer was built for, without making them its own.

    Keras tracks every list of variables assigned to an optimizer's attribute
    as optimizer state: the model's variables would be saved twice with the
    optimizer and, on JAX, donated twice to the compiled train step.
    """

    def __init__(self, items):
        self.items = list(items)
