"""The lecture's claims, measured: one small experiment per claim over >= 3 seeds, written
as a table (claim, experiment, figure with spread, verdict, reading) into RESULTS.md.

    nice -n 5 python benchmarks/claims.py                       # full run, seeds 0 1 2
    python benchmarks/claims.py --quick --results /tmp/r.md     # tiny settings (the test)

Experiments that already exist are reused: `l1_sparsity.train`, `hard_examples.run`
(imported from this folder), `recipes.compare_batch_sizes` / `replication_cost`, and
`compare_activations`' protocol through the public `recipes.train_classifier`. The
table replaces the block between the two markers in `--results` (appended the first
time); the rest of the file is left as it is. Verdict rules are stated in each row.
"""

import argparse
import dataclasses
import datetime
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import claims_data  # noqa: E402
import claims_regularization as reg  # noqa: E402
import claims_training as training  # noqa: E402
import hard_examples  # noqa: E402
import l1_sparsity  # noqa: E402
from claims_common import Row, Settings, load  # noqa: E402

BEGIN = "<!-- claims table: written by benchmarks/claims.py, do not edit by hand -->"
END = "<!-- end of the claims table -->"
KEYS = ("relu_tanh", "tanh_sigmoid", "matched_init", "batch_norm_lr", "sgd_vs_gd",
        "hard_examples", "l2_dropout_gap", "dropout_speed", "early_stopping", "l1_sparsity",
        "width_depth")


def measure(settings, only=None, known=None, log=print):
    """Run the experiments of the claims in `only` (all by default); the other rows come
    from `known` (`{key: Row}`). Returns the rows in `KEYS` order."""
    mnist1d = load("mnist1d", settings)
    rows = dict(known or {})

    def activations():
        runs, epochs = training.activation_runs(mnist1d, settings)
        return training.relu_tanh_claim(runs, epochs), training.tanh_sigmoid_claim(runs, epochs)

    def regularization():
        runs, epochs = reg.gap_runs(mnist1d, settings)
        return (reg.gap_claim(runs, epochs), reg.dropout_speed_claim(runs, epochs),
                reg.early_stopping_claim(mnist1d, settings, runs))

    def width_depth():
        sets = [mnist1d] if settings.quick else [mnist1d, load("digits", settings)]
        return (training.width_depth_claim(sets, settings),)

    steps = [
        (("relu_tanh", "tanh_sigmoid"), activations),
        (("matched_init",), lambda: (training.init_claim(mnist1d, settings),)),
        (("batch_norm_lr",), lambda: (training.batch_norm_claim(mnist1d, settings),)),
        (("sgd_vs_gd",), lambda: (claims_data.sgd_gd_claim(mnist1d, settings),)),
        (("hard_examples",), lambda: (claims_data.hard_examples_claim(
            mnist1d, settings, hard_examples),)),
        (("l2_dropout_gap", "dropout_speed", "early_stopping"), regularization),
        (("l1_sparsity",), lambda: (reg.l1_claim(mnist1d, settings, l1_sparsity),)),
        (("width_depth",), width_depth),
    ]
    for keys, step in steps:
        if only is not None and not set(keys) & set(only):
            continue
        for row in step():
            rows[row.key] = row
            log(f"[{time.strftime('%H:%M:%S')}] {row.key}: {row.verdict} | {row.figure}",
                flush=True)
        yield rows
    missing = [k for k in KEYS if k not in rows]
    if missing:
        raise ValueError(f"no measurement for {missing}: run them or give --rows-json")


def render(rows, settings, command, minutes):
    cell = lambda s: s.replace("|", "/").replace("\n", " ")  # noqa: E731
    lines = [
        BEGIN,
        "## The lecture's claims, measured (issue 16)", "",
        f"```\n{command}\n```", "",
        f"Seeds {', '.join(map(str, settings.seeds))}; the (last) run took {minutes:.1f} "
        f"minutes on the shared 2-core CPU, {datetime.date.today().isoformat()}. Figures "
        "are the mean over seeds with (min-max); accuracies on MNIST-1D's 400-example "
        "validation split move by about +-0.02 between seeds. The claims are quoted as the "
        "issue words them (the lecture itself is not in the repository), with the paper they "
        "come from. A verdict follows the rule its row states; \"mixed\" means part of the "
        "claim held.", "",
        "| # | claim | experiment | measured | verdict | reading |", "|---|---|---|---|---|---|",
    ]
    lines += [f"| {i} `{r.key}` | {cell(r.claim)} | {cell(r.experiment)} | {cell(r.figure)} | "
              f"**{r.verdict}** | {cell(r.reading)} |" for i, r in enumerate(rows, 1)]
    for i, r in enumerate(rows, 1):
        if r.details:
            lines += ["", f"**{i} `{r.key}`**: per setting, mean (min-max) over seeds", "",
                      r.details]
    return "\n".join(lines + [END])


def write_section(path, text):
    """Replace the claims block of `path` (between BEGIN and END) or append it."""
    path = Path(path)
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + text + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text + "\n"
    path.write_text(new)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one seed, 2 epochs, 600 training examples (for the test)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")),
                        help="the Markdown file that receives the table")
    parser.add_argument("--rows-json", default=None,
                        help="keep every measured row here (rewritten after each experiment)")
    parser.add_argument("--only", nargs="+", choices=KEYS, default=None,
                        help="re-measure these claims; the others come from --rows-json")
    args = parser.parse_args(argv)
    if args.only and not args.rows_json:
        parser.error("--only needs --rows-json (where the other rows come from)")
    if not args.quick and len(args.seeds) < 3:
        parser.error("the table needs at least 3 seeds (use --quick for a smoke run)")
    settings = Settings.quick_settings() if args.quick else Settings.full(args.seeds)
    known = {}
    if args.rows_json and Path(args.rows_json).exists():
        known = {k: Row(**v) for k, v in json.loads(Path(args.rows_json).read_text()).items()}
    start = time.perf_counter()
    rows = {}
    for rows in measure(settings, args.only, known):
        if args.rows_json:
            Path(args.rows_json).write_text(json.dumps(
                {k: dataclasses.asdict(r) for k, r in rows.items()}, indent=1))
    rows = [rows[k] for k in KEYS]
    minutes = (time.perf_counter() - start) / 60
    command = "python benchmarks/claims.py" + (" --quick" if args.quick else "") + (
        "" if args.quick or args.seeds == [0, 1, 2] else " --seeds " + " ".join(map(str,
                                                                                   args.seeds)))
    if args.only:
        command += f"  # and later --only {' '.join(args.only)} --rows-json ..."
    write_section(args.results, render(rows, settings, command, minutes))
    print(f"{len(rows)} claims written to {args.results} in {minutes:.1f} minutes")


if __name__ == "__main__":
    main()
