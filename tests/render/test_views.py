"""Each `--format` name picks its view of the same plan."""

from __future__ import annotations

import json

from infermod.plan.codec import decode
from infermod.render.views import render_plan
from tests.render.test_markdown import change, plan


def test_each_format_gives_its_view():
    p = plan([change("a")])
    assert decode(json.loads(render_plan(p, "json"))) == p
    assert render_plan(p, "markdown").startswith("### infermod plan — stack `s`")
    assert render_plan(p, "text").startswith("infermod will perform the following actions:")
