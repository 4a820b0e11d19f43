"""The regions where Scaleway offers Dedicated Deployment (Inference v1): the one place.

Today that is Paris only. Sources (as cited in infermod's issue #23, 2025):
- Scaleway's Go SDK: the inference v1 API's `Regions()` lists `fr-par` only;
- the Scaleway CLI documents the inference commands' region as "One of: fr-par";
- the product documentation's FAQ: the models are hosted in Paris;
- every recorded request (`shared/api-recordings/`) is to `/inference/v1/regions/fr-par/`.
The Python SDK does not say (it takes any region).

When Scaleway opens more regions, add them to `KNOWN` (and to the shipped schema's
`region` lists: `tests/test_regions.py` says where), or, without a new release, set `INFERMOD_REGIONS`
(`fr-par,nl-ams`): the configuration may then name those regions, and every command reads them.
"""

from __future__ import annotations

import os

from infermod.errors import ConfigError
from infermod.lazyre import lazy

KNOWN: tuple[str, ...] = ("fr-par",)
DEFAULT = "fr-par"
ENV = "INFERMOD_REGIONS"
_NAME = lazy(r"[a-z]{2}-[a-z]{3,4}\Z")


def regions() -> tuple[str, ...]:
    """The regions infermod reads and the configuration may name: `INFERMOD_REGIONS` when set
    (comma-separated, in that order), else the known ones."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return KNOWN
    names = [part.strip() for part in text.split(",") if part.strip()]
    bad = [name for name in names if not _NAME.match(name)]
    if bad or not names:
        what = f"{bad[0][:40]!r} is not a region name" if bad else "names no region"
        raise ConfigError(
            f"{ENV}: {what}: expected Scaleway regions separated by commas, e.g. `fr-par,nl-ams`"
        )
    return tuple(dict.fromkeys(names))
