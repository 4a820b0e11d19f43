"""Credentials where they do not belong: a token in `tags`, an API key as a `name`.

Any value other than a model's `secret` is printed in plans, stored in plan files and sent to
Scaleway as plain text, so one holding a credential infermod knows (the environment's keys and
tokens, every model's secret) is an error naming the variable, never the value. The same values
are scrubbed from every loader message, which reports and JSON output carry verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from infermod.config.locations import Path, dotted
from infermod.config.yamlsource import LoadedFile
from infermod.findings import Finding, Location
from infermod.lazyre import lazy
from infermod.secrets import (
    CREDENTIAL_VARIABLES,
    MIN_SECRET_LENGTH,
    REDACTED,
    SHAPED_TOKENS,
    Secret,
    redact_text,
)


def known_credentials(files: Sequence[LoadedFile], environ: Mapping[str, str]) -> dict[str, str]:
    """Credential value -> what to call it in a message."""
    found = {environ[n]: n for n in CREDENTIAL_VARIABLES if len(environ.get(n, "")) >= MIN_SECRET_LENGTH}
    for one in files:  # tokens known by their shape: one search over the joined texts, no walk
        for shaped in SHAPED_TOKENS.finditer("\0".join(one.texts)):
            token = shaped.group()
            found.setdefault(token, "a Hugging Face token" if token.startswith("hf_") else "a GitLab token")
    for one in files:  # the models' secrets only: no walk over every value of the file
        models = one.data.get("models") if isinstance(one.data, dict) else None
        for key, spec in models.items() if isinstance(models, dict) else ():
            value = spec.get("secret") if isinstance(spec, dict) else None
            if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                found.setdefault(value, f"the secret of `models.{key}`")
    return found


def misplaced(files: Sequence[LoadedFile], credentials: Mapping[str, str]) -> list[Finding]:
    """Values holding a known credential; with none known (no credential set, no secret in
    the files) there is nothing to look for, and no value is visited. The values of a file are
    walked only when one of them holds a credential: its texts are searched at once first
    (joined by NUL, which no value nor credential holds: the loader refuses control characters)."""
    if not credentials:
        return []
    out = []
    for one in files:
        texts = "\0".join(one.texts)
        if not any(value in texts for value in credentials):
            continue
        for path, value in _leaves(one.data, ()):
            if _is_secret_field(path) or not isinstance(value, str):
                continue
            name = next((n for v, n in credentials.items() if v in value), None)
            if name is not None:
                out.append(
                    Finding(
                        "secret-in-plain-field",
                        "error",
                        f"this value contains {name}, a credential: it would be shown in plans and sent to Scaleway as plain text",
                        location=one.locations.get(path),
                        field=dotted(path),
                        hint="credentials belong only in a model's `secret:` (e.g. secret: ${HF_TOKEN})",
                    )
                )
    return out


def misnamed(paths: Sequence[str], credentials: Mapping[str, str]) -> list[Finding]:
    """A credential in a configuration file's name: plans, plan files and every finding's
    location would carry it as the file's name."""
    out = []
    for path in paths:
        name = next((n for v, n in credentials.items() if v in path), None)
        if name is not None:
            out.append(
                Finding(
                    "secret-in-plain-field",
                    "error",
                    f"this file's name contains {name}, a credential: plans and plan files would carry it "
                    "as plain text",
                    location=Location(path, 1, 1),
                    hint="rename the file",
                )
            )
    return out


def scrubbed(findings: Sequence[Finding], credentials: Mapping[str, str]) -> list[Finding]:
    """Messages, hints and file names (a location's too) without any credential."""
    values = sorted(credentials, key=len, reverse=True)
    return [
        f._replace(
            message=_hide(f.message, values),
            hint=f.hint and _hide(f.hint, values),
            snippet=f.snippet and _hide(f.snippet, values),
            location=f.location and f.location._replace(file=_hide(f.location.file, values)),
        )
        for f in findings
    ]


def _hide(text: str, values: Sequence[str]) -> str:
    """Every credential in a message, even inside a longer word: the messages quote the very
    values `misplaced` finds a credential in (`x<token>`), so whole-word redaction would show
    it. A quote cut short (`'<start of token>...'`) would show its start: that goes too."""
    text = redact_text(text, list(values))
    for value in values:
        text = text.replace(value, REDACTED)
        if "..." in text:
            for end in range(len(value) - 1, 3, -1):
                text = text.replace(value[:end] + "...", REDACTED + "...")
    if REDACTED in text and " characters)" in text:  # a quote's length would tell the credential's
        text = _COUNTED.sub(r"\1", text)
    return text


# a quoted value holding a hidden credential, and the count of its characters that follows it
_COUNTED = lazy(r"""('[^']*\(sensitive\)[^']*'|"[^"]*\(sensitive\)[^"]*") \(\d+ characters\)""")


def as_secrets(credentials: Mapping[str, str]) -> tuple[Secret, ...]:
    return tuple(Secret(value, f"env:{name}") for value, name in credentials.items())


def _is_secret_field(path: Path) -> bool:
    return len(path) == 3 and path[0] == "models" and path[2] == "secret"


def _leaves(data: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    else:
        yield path, data
