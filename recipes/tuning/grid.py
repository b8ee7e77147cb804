"""KerasTuner's stepped `Float` grid, with its top value kept.

KerasTuner 1.4 counts the values of `hp.Float(name, low, high, step=step)` as
`int((high - low) // step + 1)`, and floor division of binary floats drops the
top one whenever the quotient is not exact: `0.5 // 0.1 == 4.0`, so
`Float("dropout", 0.0, 0.5, step=0.1)` never draws 0.5 (nor `augment_scale`
0.3). The search space passes its stepped ranges through `top_kept`.
"""

from __future__ import annotations


def top_kept(kind, args, kwargs):
    """`(low, high)` of a stepped `Float` with `high` nudged up by a millionth of a step,
    so that KerasTuner's grid ends at `high`; other kinds' `args` unchanged.

    >>> top_kept("Float", (0.0, 0.5), {"step": 0.1})[1] // 0.1
    5.0
    """
    if kind != "Float" or not kwargs.get("step") or len(args) != 2:
        return args
    return args[0], args[1] + kwargs["step"] * 1e-6
