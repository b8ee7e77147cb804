"""Every option of the recipes and the command line, declared once.

Groups (`{name: Option}` tables) that the recipes combine: `MODEL` (the
recipe's architecture), `TRAINING` (optimizer, learning-rate policy, batch,
epochs, ...), `DATA` (the command line's dataset options), and one table per
recipe: `TRAIN`, `BABYSIT`, `LR_FIND`, `LR_SEARCH`, `TUNE`, `COMPARE`.
The name lists (`ACTIVATIONS`, `INITIALIZERS`, `OPTIMIZERS`) are the names
the components' `get` resolves for that argument; a test keeps them in step.
"""

from deeper.recipes.options import Option, table

DATASETS = ("mnist1d", "digits", "mnist", "fashion_mnist", "cifar10")
MODELS = ("mlp", "cnn")
# (default, smallest, largest) of each architecture's width and depth; the largest two
# bound the tuning space.
ARCHITECTURES = {
    "mlp": {"width": (512, 64, 1024), "depth": (2, 1, 4)},
    "cnn": {"width": (32, 16, 64), "depth": (4, 2, 6)},
}
# deeper's activation layers that need no argument and Keras's element-wise activations.
ACTIVATIONS = (
    "relu", "leaky_relu", "prelu", "noisy_relu", "scaled_tanh", "tanh_linear",
    "softplus", "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "linear", "log_sigmoid", "mish", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softsign", "sparse_plus", "sparse_sigmoid",
    "squareplus", "swish", "tanh", "tanh_shrink",
)
INITIALIZERS = (
    "he_normal", "he_uniform", "he_normal_untruncated", "glorot_normal", "glorot_uniform",
    "xavier_normal", "sigmoid_glorot_uniform", "lecun_normal", "lecun_uniform", "orthogonal",
    "random_normal", "random_uniform", "truncated_normal", "variance_scaling", "zeros", "ones",
)
# Optimizers `fit` can drive: deeper's names and Keras's own.
OPTIMIZERS = (
    "nesterov", "momentum", "sgd", "adam", "rmsprop", "adagrad", "lbfgs", "adamw", "adamax",
    "nadam", "adadelta", "adafactor", "ftrl", "lion",
)
FULL_BATCH = tuple(
    (name, f"`optimizer` {name!r} is a full-batch second-order method without a learning "
     f"rate: train with recipes.fit_full_batch(model, dataset, method={name!r}).")
    for name in ("newton", "hessian_free")) + ((
        "full_batch_lbfgs", "`optimizer` 'full_batch_lbfgs' is the full-batch L-BFGS step of "
        "fit_full_batch: train with recipes.fit_full_batch(model, dataset, method='lbfgs') "
        "(or use optimizer='lbfgs', the mini-batch L-BFGS)."),)
OPTIMIZER_LEARNING_RATES = {"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.05,
                            "adam": 1e-3, "rmsprop": 1e-3}
OTHER_LEARNING_RATE = 0.01
SCHEDULES = ("constant", "step", "inverse", "exponential", "cosine")
PRECISIONS = ("mixed_float16", "mixed_bfloat16")
STANDARDIZE = ("feature", "channel", "global")
# How every second CNN block halves the length: a stride-2 convolution, or a 2-wide
# max or average pooling layer after a stride-1 one.
POOLING = ("stride", "max", "average")

MODEL = table(
    Option("model", "cnn", "architecture", kind="choice", choices=MODELS, objects=True),
    Option("width", None, "hidden units (mlp) or first-layer channels (cnn)", kind="int",
           low=1, allow_none=True, default_text="512 for mlp, 32 for cnn",
           space=("Int", None, None, {"step": 2, "sampling": "log"})),
    Option("depth", None, "hidden layers (mlp) or convolution blocks (cnn)", kind="int",
           low=1, allow_none=True, default_text="2 for mlp, 4 for cnn",
           space=("Int", None, None, {})),
    Option("kernel_size", 3, "convolution kernel size (cnn); a 1-D signal's first block "
           "uses kernel_size + 2", kind="int", low=1, space=("Choice", (3, 5, 7), None, {})),
    Option("pooling", "stride", "how every second convolution block halves the length "
           "(cnn): 'stride' (a stride-2 convolution), 'max' or 'average' (a 2-wide pooling "
           "layer after the block)", kind="choice", choices=POOLING,
           space=("Choice", POOLING, None, {})),
    Option("activation", "relu", "hidden activation", kind="choice", choices=ACTIVATIONS,
           objects=True, space=("Choice", ("relu", "leaky_relu", "elu", "tanh", "scaled_tanh"),
                                None, {})),
    Option("init", None, "kernel initializer", kind="choice", choices=INITIALIZERS,
           allow_none=True, objects=True,
           default_text="he_normal for ReLU units, lecun_normal for selu, else glorot_uniform"),
    Option("l2", 1e-4, "L2 weight decay, Keras convention l2*sum(w^2)", low=0,
           space=("Float", 1e-6, 1e-2, {"sampling": "log"})),
    Option("l1", 0.0, "L1 weight penalty l1*sum(|w|)", low=0,
           space=("Float", 1e-7, 1e-3, {"sampling": "log", "default": 1e-6})),
    Option("dropout", 0.2, "dropout rate", low=0, high=1, high_open=True,
           space=("Float", 0.0, 0.5, {"step": 0.1})),
    Option("batch_norm", True, "batch normalization after hidden layers: true/false",
           kind="bool", space=("Boolean", None, None, {})),
    Option("standardize", "feature", "input standardization fitted on the training split",
           kind="choice", choices=STANDARDIZE, allow_none=True),
)
SEED = Option("seed", 0, "random seed", kind="int", low=0)
BATCH_SIZE = Option("batch_size", 64, "mini-batch size", kind="int", low=1,
                    space=("Int", 32, 256, {"step": 2, "sampling": "log"}))
EPOCHS = Option("epochs", 40, "maximum epochs", kind="int", low=1)
OPTIMIZER = Option("optimizer", "nesterov", "optimizer name", kind="choice", choices=OPTIMIZERS,
                   objects=True, refuse=FULL_BATCH,
                   space=("Choice", ("nesterov", "momentum", "adam", "rmsprop", "adagrad"),
                          None, {}))
VERBOSE = Option("verbose", "auto", "progress: 'auto' (a bar on a terminal, a line per epoch "
                 "otherwise), 0 silent, 1 bar, 2 one line per epoch", kind="int", low=0, high=2,
                 words=("auto",))
LR_POLICY = table(
    Option("learning_rate", None, "initial learning rate, or 'find' to run the learning-rate "
           "finder first", low=0, low_open=True, allow_none=True, words=("find",),
           default_text="0.05 for SGD variants, 1e-3 for Adam and RMSprop",
           space=("Float", 1e-4, 0.3, {"sampling": "log", "default": 0.05})),
    Option("schedule", "step", "learning-rate schedule", kind="choice", choices=SCHEDULES,
           space=("Choice", ("constant", "step", "inverse", "exponential"), None, {})),
    Option("lr_drop", 10.0, "step schedule: divide the rate by this every --lr-drop-every "
           "epochs; 1 keeps it constant", low=1),
    Option("lr_drop_every", None, "step schedule: epochs between drops", kind="int", low=1,
           allow_none=True, default_text="half of the epochs"),
    Option("decay_rate", 0.1, "inverse schedule: eta0 / (1 + decay_rate * epoch)", low=0,
           low_open=True),
    Option("decay_factor", 0.95, "exponential schedule: eta0 * decay_factor ** epoch", low=0,
           high=1, low_open=True, high_open=True),
    Option("warmup_epochs", 0, "cosine schedule: epochs of linear warm-up", kind="int", low=0),
)
TRAINING = table(
    OPTIMIZER, LR_POLICY, BATCH_SIZE, EPOCHS,
    Option("early_stopping", 15, "patience in epochs on the validation loss, restoring the "
           "best weights; off disables", kind="int", low=0, allow_none=True),
    SEED,
    Option("mixed_precision", None, "mixed-precision policy; output layer and loss stay "
           "float32", kind="choice", choices=PRECISIONS, allow_none=True),
    Option("distribution", None, "several devices: 'mirrored' (TensorFlow's MirroredStrategy, "
           "every visible GPU) or 'data_parallel' (JAX's keras.distribution.DataParallel, "
           "every device of every process)", kind="choice", choices=("mirrored", "data_parallel"),
           allow_none=True, objects=True),
    Option("steps_per_execution", 8, "training steps per call into the graph", kind="int",
           low=1),
    VERBOSE,
)
# The run directory of a recipe that writes into `output_dir` (`--out`).
RUN_DIR = table(
    Option("resume", False, "continue the interrupted run found in the output directory, "
           "exactly where its last checkpoint left it", kind="bool"),
    Option("overwrite", False, "replace the run found in the output directory", kind="bool"),
)
TRAIN_RUN = table(
    Option("augment", False, "augment the training input: random shifts and scales of 1-D "
           "signals (data.augment_1d), crops, contrast and tint of images (data.augment)",
           kind="bool"),
    RUN_DIR,
    Option("checkpoint_every", None, "with an output directory: checkpoint every this many "
           "training steps as well as every epoch", kind="int", low=1, allow_none=True,
           default_text="every epoch only"),
    Option("tensorboard", False, "write TensorBoard logs (losses, metrics, learning rate) "
           "into the output directory's tensorboard/", kind="bool"),
)
TRAIN = table(MODEL, TRAINING, TRAIN_RUN)
DATA = table(
    Option("data", "mnist1d", "dataset (mnist1d and digits are offline; the others need "
           "tensorflow-datasets data, see --data-dir)", kind="choice", choices=DATASETS),
    Option("data_dir", None, "tensorflow-datasets data_dir holding prepared "
           "mnist/fashion_mnist/cifar10", kind="text", allow_none=True),
    Option("val_fraction", 0.1, "fraction of the training split held out for validation",
           low=0, high=1, low_open=True, high_open=True),
)
BABYSIT = table(
    MODEL,
    Option("subset", 20, "training examples to overfit", kind="int", low=1),
    Option("overfit_steps", 100, "full-batch Adam steps on the subset", kind="int", low=1),
    Option("learning_rate", 1e-2, "Adam's learning rate on the subset", low=0, low_open=True),
    Option("first_loss_tolerance", 0.5, "allowed |L0 - log C| / log C", low=0, low_open=True),
    Option("overfit_loss", 0.05, "largest final subset loss that counts as fitted", low=0,
           low_open=True),
    Option("regularized_accuracy", 0.8, "subset accuracy the regularized model must reach",
           low=0, high=1, low_open=True),
    Option("gradient_threshold", None, "largest relative error of the gradient check", low=0,
           low_open=True, allow_none=True, default_text="1e-4 in float64"),
    Option("epsilon", None, "finite-difference step of the gradient check", low=0,
           low_open=True, allow_none=True, default_text="1e-6 in float64"),
    Option("gradient_examples", 8, "subset examples of the gradient check", kind="int", low=1),
    Option("num_params", 3, "entries per variable the gradient check samples", kind="int",
           low=1),
    Option("max_ratio", 100.0, "largest spread of activation variance or gradient size across "
           "depth", low=1, low_open=True),
    Option("probe_size", 256, "training examples of the first-loss, signal and finite-value "
           "probes", kind="int", low=1),
    RUN_DIR["overwrite"].but(help="replace what output_dir holds (else a non-empty "
                             "output_dir is refused before any work)"),
    SEED, VERBOSE,
)
LR_FIND = table(
    MODEL, MODEL["model"].but(default="mlp"),
    OPTIMIZER.but(objects=False),
    Option("min_lr", 1e-6, "first rate of the range test", low=0, low_open=True),
    Option("max_lr", 10.0, "last rate of the range test", low=0, low_open=True),
    Option("num_steps", 200, "steps of the exponential ramp", kind="int", low=2, flag="--steps"),
    BATCH_SIZE,
    Option("suggestion", "min_div_10", "which rate to suggest", kind="choice",
           choices=("min_div_10", "steepest")),
    RUN_DIR["overwrite"].but(help="replace what output_dir holds (else a non-empty "
                             "output_dir is refused before any work)"),
    SEED, VERBOSE,
)
LR_SEARCH = table(
    MODEL["model"].but(default="mlp", objects=False), OPTIMIZER.but(objects=False),
    Option("fine_points", 4, "rates of the fine stage (0: coarse only)", kind="int", low=0),
    Option("subset", 0.25, "fraction (<= 1) or number of training examples for lr_search",
           low=0, low_open=True),
    EPOCHS.but(default=5, help="epochs per lr_search trial", flag="--search-epochs"),
    BATCH_SIZE,
    Option("metric", "val_loss", "what the best rate minimizes or maximizes", kind="choice",
           choices=("val_loss", "val_accuracy")),
    RUN_DIR["overwrite"].but(help="replace what output_dir holds (else a non-empty "
                             "output_dir is refused before any work)"),
    SEED, VERBOSE,
)
TUNE = table(
    MODEL["model"].but(objects=False, help="architecture family searched"),
    Option("tuner", "hyperband", "search algorithm", kind="choice",
           choices=("hyperband", "random", "bayesian")),
    Option("budget", 20, "largest number of trials", kind="int", low=1),
    EPOCHS.but(default=20, help="epochs of a trial (Hyperband: of its longest rounds) and of "
               "the final retraining"),
    Option("max_seconds", None, "start no new trial after this many seconds", low=0,
           low_open=True, allow_none=True),
    Option("max_consecutive_failures", 10, "failed trials in a row that abort the search",
           kind="int", low=1),
    Option("tensorboard", False, "write a TensorBoard log per trial (losses, metrics, "
           "learning rate) and its hyperparameters (HParams) into the search's tensorboard/",
           kind="bool"),
    SEED,
)
COMPARE = table(
    Option("surface", "all", "test surface", kind="choice",
           choices=("rosenbrock", "beale", "saddle", "noisy_quadratic", "all")),
    Option("steps", 200, "steps per optimizer", kind="int", low=1),
    Option("optimizers", None, "comma-separated optimizer names", kind="text", allow_none=True,
           default_text="all eight"),
    SEED.but(help="noise seed"),
    Option("gif", False, "also write an animated GIF per surface", kind="switch"),
)
QUIET = Option("quiet", False, "no progress display", kind="switch")


def output(default):
    """The `--out` option of a command, with its default folder."""
    return Option("out", default, "output directory (one run per directory)", kind="text")


def run_directory(default, *, resume=False):
    """`--out` with its `--overwrite` (and `--resume`) switches: a command writing into
    `--out` refuses a directory that holds a run unless one of them is given."""
    switches = [RUN_DIR["overwrite"].but(kind="switch")]
    if resume:
        switches.insert(0, RUN_DIR["resume"].but(kind="switch"))
    return table(output(default), *switches)


def learning_rate_for(optimizer) -> float:
    """The default initial learning rate of an optimizer name."""
    return OPTIMIZER_LEARNING_RATES.get(optimizer, OTHER_LEARNING_RATE)


def architecture(model, name):
    """(default, smallest, largest) of `name` ("width" or "depth") for a recipe model."""
    return ARCHITECTURES[model][name]
