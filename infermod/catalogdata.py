"""The shipped catalog data (data/catalog.json, generated from the recorded real catalog by
scripts/generate_catalog.py), read once for the emulator and the offline snapshot alike.

`INFERMOD_CATALOG_OVERLAY=FILE` merges a JSON file of the same shape over it: entries of
`node_types` and `models` are matched by `name` (their given keys replace the shipped ones;
new names are added), `regions` are added, `hub_repositories` updated. The test suite uses it
for what the real catalog does not have (a Preview or End-of-Life model, an out-of-stock or
disabled node type, other regions); it can try such cases in the sandbox too. Whatever it
adds is fictional: the shipped file is the recorded truth.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from infermod.errors import ConfigError

ENV = "INFERMOD_CATALOG_OVERLAY"


def catalog_data() -> dict[str, Any]:
    return _load(os.environ.get(ENV) or None)


@lru_cache(maxsize=4)
def _load(overlay: str | None) -> dict[str, Any]:
    # read beside the package, as pkgutil.get_data would (without importing pkgutil)
    with open(os.path.join(os.path.dirname(__file__), "data", "catalog.json"), "rb") as fh:
        data: dict[str, Any] = json.loads(fh.read() or b"{}")
    if overlay is None:
        return data
    try:
        with open(overlay, encoding="utf-8") as handle:
            extra = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{ENV}: cannot read {overlay}: {exc}") from None
    if not isinstance(extra, dict):
        raise ConfigError(f"{ENV}: {overlay} is not a JSON object")
    return merged(data, extra)


def merged(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    import copy  # only with an overlay

    out = copy.deepcopy(data)
    for kind in ("node_types", "models"):
        by_name = {item["name"]: item for item in out[kind]}
        for item in extra.get(kind, []):
            if item["name"] in by_name:
                by_name[item["name"]].update(item)
            else:
                out[kind].append(item)
                by_name[item["name"]] = item
    out["regions"] = list(dict.fromkeys([*out["regions"], *extra.get("regions", [])]))
    out["hub_repositories"].update(extra.get("hub_repositories", {}))
    return out
