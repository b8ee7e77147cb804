"""Command-line flags from the declared options, and their validation before
TensorFlow loads."""

from __future__ import annotations

from deeper.recipes import options as options_

SHORT_CHOICES = 6  # longer lists are named in the help and checked as values


def add_options(parser, table):
    """One flag per option of `table` (`--name-with-dashes`), with its help and default.

    Values are read as strings and converted, never rejected by argparse: `check`
    does it, so every mistake reads the same one sentence (see `checked`).
    """
    for option in table.values():
        if option.kind == "switch":
            parser.add_argument(option.cli_flag, dest=option.name, action="store_true",
                                help=option.help_text())
            continue
        metavar = None
        if option.kind == "choice" and len(option.choices) <= SHORT_CHOICES:
            metavar = "{" + ",".join(option.choices) + "}"
        parser.add_argument(option.cli_flag, dest=option.name, type=option.parse,
                            default=option.default, metavar=metavar, help=option.help_text())
    parser.set_defaults(options_table={**(parser.get_default("options_table") or {}), **table})


def checked(args) -> dict:
    """The declared options of a parsed command line, validated: `{name: value}`."""
    table = getattr(args, "options_table", None) or {}
    values = {name: getattr(args, name) for name in table}
    return options_.validate(table, values, recipe=f"deeper {args.command}", fill=False)


def claim_output(values):
    """The run-directory contract for a command with `--out` and `--overwrite`: an `--out`
    holding a run is refused (`FileExistsError`, one sentence) unless `--resume` or
    `--overwrite` is given, and a read-only one fails (`PermissionError`), both before
    anything is trained (and before TensorFlow loads)."""
    if "out" not in values or "overwrite" not in values:
        return None
    from deeper.components import rundir

    return rundir.prepare_run_dir(values["out"], resume=values.get("resume", False),
                                  overwrite=values["overwrite"], resumable="resume" in values)


def subcommand(sub, name, *, help, description, tables, run):
    """Add the subcommand `name`: its flags from `tables`, `run(args, values)` its action."""
    parser = sub.add_parser(name, help=help, description=description)
    for table in tables:
        add_options(parser, table)
    parser.set_defaults(func=run)
    return parser
