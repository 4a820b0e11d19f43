"""The process's entry: `python -m infermod`, and the `infermod` script (`main`).

The collector's thresholds are raised first (`GC_THRESHOLDS`), so that importing click and the
command line is not interrupted by a dozen collections (about 1.5 ms of each start); then
`cli.entry` runs the command.
"""

from __future__ import annotations

import gc

from infermod import GC_THRESHOLDS


def main() -> int:
    gc.set_threshold(*GC_THRESHOLDS)
    from infermod.cli import entry

    return entry()


if __name__ == "__main__":
    raise SystemExit(main())
