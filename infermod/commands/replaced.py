"""After `apply --replace model.KEY` of an adopted model: its `id:` line names the model the
apply deleted. The new import is named for the stack (`<stack>--<key>--<digest>`), which is how
the stack owns it, so the line goes: taken out with the same careful edit `import model.KEY ID`
writes it with (the file read back, and restored when it does not say what it should). A saved
plan's configuration is not a file to edit: the report says what to change instead."""

from __future__ import annotations

from collections.abc import Sequence

from infermod import output
from infermod.apply.outcome import Outcome
from infermod.config.edit import NotEditable, model_id_removal, restore
from infermod.config.model import Config


def forget_replaced_ids(config: Config, files: Sequence[str] | None, outcomes: Sequence[Outcome]) -> None:
    """`files`: the configuration the run read, or None for a saved plan's."""
    for done in outcomes:
        key = done.address.partition(".")[2]
        spec = config.model(key) if done.type == "model" and done.result == "replaced" else None
        if spec is None or spec.id is None or done.resource_id in (None, spec.id):
            continue
        where = config.where(f"models.{key}.id")
        why = (
            f"it names {spec.id}, the model this apply deleted; the new import, {done.resource_id}, is the "
            "stack's own by its name"
        )
        manual = f"remove `id: {spec.id}` under models.{key} ({where}): {why}"
        if files is None:
            output.warning(f"the configuration of a saved plan is not edited: {manual}")
            continue
        try:
            path, line, before = model_id_removal(config, key, spec.id)
        except NotEditable as exc:
            output.warning(f"cannot edit the configuration ({exc}): {manual}")
            continue
        if not _reads_back(files, key):
            restore(path, before)
            output.warning(
                f"the edited configuration did not read back without that line; {path} is unchanged: {manual}"
            )
            continue
        output.out(f"Removed `id: {spec.id}` from models.{key} ({path}:{line}): {why}.")


def _reads_back(files: Sequence[str], key: str) -> bool:
    from infermod.rules.engine import load_checked_config

    again = load_checked_config(files)
    model = again.config.model(key) if again.config is not None else None
    return model is not None and model.id is None and not any(f.severity == "error" for f in again.findings)
