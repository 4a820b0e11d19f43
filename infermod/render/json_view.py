"""The JSON view: the plan's codec output (infermod.plan.codec), printed."""

from __future__ import annotations

import json

from infermod.plan.codec import encode
from infermod.plan.model import Plan


def render_json(plan: Plan) -> str:
    return json.dumps(encode(plan), indent=2)
