"""Choosing a plan view by its `--format` name."""

from __future__ import annotations

from infermod.plan.model import Plan


def render_plan(plan: Plan, fmt: str) -> str:
    """The plan in the view a command was asked for (views are imported only when used)."""
    if fmt == "json":
        from infermod.render.json_view import render_json

        return render_json(plan)
    if fmt == "markdown":
        from infermod.render.markdown import render_markdown

        return render_markdown(plan)
    from infermod.render.text import render_text

    return render_text(plan)
