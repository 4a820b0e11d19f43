"""What a saved plan file carries besides the plan: the configuration it was made from, and
the gates it was made under.

The configuration is embedded as written (each file's path and text), so `apply PLANFILE`
needs no YAML file and works from any directory, with the values its `${VAR}` references had
(plan/variables.py). Secrets are in it only as `${VAR}` references, resolved from the
environment at apply: a file that writes a token literally cannot be saved in a plan. The gates (`--deny-destroy`, `--max-monthly-cost`, `--fail-on`,
`--eol-horizon`) given at plan time are enforced again at apply, with any given there.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from infermod.config.model import Config
from infermod.errors import PlanError
from infermod.findings import SEVERITIES
from infermod.plan.variables import Variables
from infermod.plan.variables import decode as decode_variables
from infermod.secrets import MIN_SECRET_LENGTH, SHAPED_TOKENS

MAX_SOURCE_CHARS = 2_000_000  # the loader's own limit per file is far below this


class Gates(NamedTuple):
    deny_destroy: bool = False
    max_monthly_cost: float | None = None
    fail_on: str | None = None  # info | warning | error
    eol_horizon: int | None = None  # days

    def stricter(self, other: Gates) -> Gates:
        """Both sets at once: what either refuses is refused."""
        return Gates(
            self.deny_destroy or other.deny_destroy,
            _least(self.max_monthly_cost, other.max_monthly_cost),
            _lowest_severity(self.fail_on, other.fail_on),
            _most(self.eol_horizon, other.eol_horizon),
        )

    def encode(self) -> dict[str, Any]:
        return self._asdict()


class Source(NamedTuple):
    path: str
    text: str


class Embedded(NamedTuple):
    sources: tuple[Source, ...]
    gates: Gates
    variables: Variables = Variables()


def sources_of(config: Config) -> tuple[Source, ...]:
    """The configuration's files as written, to embed in a plan file."""
    literal = [m.key for m in config.models if m.secret is not None and m.secret.origin != "env"]
    if literal:
        raise PlanError(
            f"models.{literal[0]}.secret is written in the configuration: a plan file would contain it. "
            "Write `secret: ${HF_TOKEN}` and set HF_TOKEN in the environment; no plan file was written"
        )
    out = []
    for path in config.files:
        try:
            with open(path, encoding="utf-8-sig") as fh:
                out.append(Source(path, fh.read(MAX_SOURCE_CHARS + 1)))
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanError(f"{path}: cannot read it again to embed it in the plan file: {exc}") from None
    _refuse_credentials(out, config)
    return tuple(out)


def _refuse_credentials(sources: list[Source], config: Config) -> None:
    """The text is embedded whole, comments and `${VAR:-default}`s too: a key pasted into a
    comment, or a token written as a variable's default, would be in the plan file (a CI
    artifact). Refused, naming the line and never the value."""
    values = [v for v in (s.reveal() for s in config.sensitive_values) if len(v) >= MIN_SECRET_LENGTH]
    for source in sources:
        for number, line in enumerate(source.text.splitlines(), 1):
            if SHAPED_TOKENS.search(line) or any(v in line for v in values):
                raise PlanError(
                    f"{source.path}:{number} holds a credential (in a comment, a default or a value): "
                    "a plan file would contain it. Remove it from the file (credentials belong in the "
                    "environment, read as `secret: ${HF_TOKEN}`); no plan file was written"
                )


def encode_embedded(embedded: Embedded) -> dict[str, Any]:
    return {
        "sources": [{"path": s.path, "text": s.text} for s in embedded.sources],
        "gates": embedded.gates.encode(),
        "variables": embedded.variables.encode(),
    }


def decode_embedded(data: Any) -> Embedded | None:
    """From a plan file's `embedded` object; None when absent. Raises ValueError naming the field."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("embedded: expected an object")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise ValueError("embedded.sources: expected a non-empty list")
    out = []
    for i, item in enumerate(sources):
        if not (
            isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("text"), str)
        ):
            raise ValueError(f"embedded.sources[{i}]: expected {{path, text}} strings")
        if len(item["text"]) > MAX_SOURCE_CHARS:
            raise ValueError(f"embedded.sources[{i}].text: larger than {MAX_SOURCE_CHARS} characters")
        out.append(Source(item["path"], item["text"]))
    return Embedded(tuple(out), _decode_gates(data.get("gates")), decode_variables(data.get("variables")))


def _decode_gates(data: Any) -> Gates:
    if not isinstance(data, dict):
        raise ValueError("embedded.gates: expected an object")
    deny, cost, fail_on, eol = (data.get(k) for k in Gates._fields)
    if not isinstance(deny, bool):
        raise ValueError("embedded.gates.deny_destroy: expected true or false")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
        raise ValueError("embedded.gates.max_monthly_cost: expected a number or null")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise ValueError(f"embedded.gates.fail_on: expected one of {', '.join(SEVERITIES)} or null")
    if eol is not None and (isinstance(eol, bool) or not isinstance(eol, int)):
        raise ValueError("embedded.gates.eol_horizon: expected a whole number of days or null")
    return Gates(deny, float(cost) if cost is not None else None, fail_on, eol)


def _least(a: float | None, b: float | None) -> float | None:
    return min(x for x in (a, b) if x is not None) if a is not None or b is not None else None


def _most(a: int | None, b: int | None) -> int | None:
    return max(x for x in (a, b) if x is not None) if a is not None or b is not None else None


def _lowest_severity(a: str | None, b: str | None) -> str | None:
    """--fail-on warning refuses more than --fail-on error: the lower threshold is stricter."""
    given = [x for x in (a, b) if x is not None]
    return min(given, key=SEVERITIES.index) if given else None
