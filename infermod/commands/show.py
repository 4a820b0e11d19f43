"""`infermod show PLANFILE`: render a saved plan."""

from __future__ import annotations

from infermod import output
from infermod.commands.plan import render
from infermod.plan.planfile import load


def run(plan_file: str, fmt: str) -> int:
    output.out(render(load(plan_file), fmt))
    return 0
