"""Each operation's own time limit: how long apply waits for one create, update, deletion or
custom-model import before it stops waiting (the operation goes on in Scaleway).

The defaults come from the service's recorded durations (`plan/durations.py`) and from
Scaleway's Terraform provider, which allows 80 min per deployment operation and 3 h per model:
- create: 80 min, the provider's limit (a creation was recorded at ~14 min);
- update that redeploys (model, size, quantization): 80 min, the provider's (docs: 15-30 min);
- other updates (rename, tags, endpoints): 20 min, ten times the ~2 min `deploying` recorded
  after a rename;
- delete: 20 min, twenty times the ~1 min recorded;
- custom-model import: 3 h, the provider's (imports were not recorded).
A resource's `timeouts:` block in the configuration overrides them, as Terraform's does:
`timeouts: {create: 2h, update: 90m, delete: 30m}` on a deployment, `timeouts: {create: 5h}`
on a model. `apply --timeout` is an overall cap on top (none by default).
"""

from __future__ import annotations

from typing import NamedTuple

from infermod.lazyre import lazy

MINUTE = 60.0
CREATE = 80 * MINUTE
REDEPLOY = 80 * MINUTE
RELABEL = 20 * MINUTE
DELETE = 20 * MINUTE
IMPORT = 180 * MINUTE

# what the schema accepts: `90s`, `45m`, `1h30m`, `2h` (integers, each unit once, in order)
SPAN = lazy(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")


class Timeouts(NamedTuple):
    """A resource's `timeouts:` block, in seconds; None where it keeps the default."""

    create: float | None = None
    update: float | None = None
    delete: float | None = None


def parse_span(text: str | int) -> float | None:
    """Seconds in `90s`, `45m`, `1h30m`, `2h`, or plain seconds (`300`, or the integer 300, as
    `--timeout` takes them); None when `text` is not one (or is zero)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return float(text) if 0 < text < 10**20 else None
    if isinstance(text, str) and text.strip().isascii() and text.strip().isdigit():
        return parse_span(int(text.strip())) if len(text.strip()) <= 20 else None
    match = SPAN.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600.0 + minutes * 60.0 + seconds
    return total or None


def span(seconds: float) -> str:
    """`80m`, `3h`, `1h30m`, `45s`: a limit as the configuration writes it."""
    whole = max(1, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours and minutes == 0 and secs == 0:
        return f"{hours}h"
    if secs == 0:
        return f"{hours}h{minutes}m" if hours else f"{minutes}m"
    return f"{hours}h{minutes}m{secs}s" if hours else (f"{minutes}m{secs}s" if minutes else f"{secs}s")


class Limit(NamedTuple):
    """One operation's limit: what it is, how long, and the setting that raises it."""

    address: str  # deployment.KEY or model.KEY
    operation: str  # create, update, delete
    seconds: float
    configured: bool  # set in the configuration (else the default)

    @property
    def setting(self) -> str:
        kind, key = self.address.split(".", 1)
        return f"{kind}s.{key}.timeouts.{self.operation}"

    def ran_out(self, status: str) -> str:
        """The message when the limit has passed: the status waited out, the limit, that the
        operation goes on in Scaleway, and how to raise the limit."""
        which = "its" if self.configured else "its default"
        what = f"still {status}"
        doing = (
            "import" if self.address.startswith("model.") and self.operation == "create" else self.operation
        )
        from infermod import hints

        return (
            f"{what} after {which} {doing} limit of {span(self.seconds)} ({self.setting}); it goes on "
            f"in Scaleway: run `{hints.command('plan')}` later to see where it stands. To wait longer, "
            f"raise {self.setting} in the configuration (e.g. {span(self.seconds * 2)})"
        )


def deployment_limit(address: str, operation: str, timeouts: Timeouts, redeploys: bool = False) -> Limit:
    """The limit of a deployment's `operation` (create, update, delete); an update that
    `redeploys` (model, size, quantization) has a longer default than a rename or tag change."""
    default = {"create": CREATE, "delete": DELETE}.get(operation, REDEPLOY if redeploys else RELABEL)
    given = getattr(timeouts, operation)
    return Limit(address, operation, given or default, given is not None)


def model_limit(address: str, timeouts: Timeouts) -> Limit:
    """The limit of a custom model's import."""
    return Limit(address, "create", timeouts.create or IMPORT, timeouts.create is not None)
