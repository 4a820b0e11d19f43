"""`infermod show PLANFILE`: render a saved plan."""

from __future__ import annotations

from infermod import output
from infermod.plan.planfile import load
from infermod.render.views import render_plan


def run(plan_file: str, fmt: str) -> int:
    output.out(render_plan(load(plan_file), fmt))
    return 0
