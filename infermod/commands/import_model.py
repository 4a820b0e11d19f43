"""`infermod import model.KEY ID`: adopt an existing custom model.

Custom models cannot be tagged or renamed through the API (no update call, no tags at
creation), so the adoption is recorded in the configuration: `id: ID` under models.KEY. The
model itself is not touched. The edit is checked by loading the configuration again, and
undone when it does not say what it should.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infermod import hints, output
from infermod.commands.common import load_valid_config
from infermod.config.edit import NotEditable, model_id_edit, restore
from infermod.errors import PlanError
from infermod.lazyre import lazy
from infermod.scw.errors import as_fatal
from infermod.scw.session import open_session
from infermod.state import ActualModel, claimed_model_name, model_key, owns_model_name

if TYPE_CHECKING:
    from infermod.config.model import Config
    from infermod.scw.gateway import Gateway

PUBLIC_PROJECT_ID = "00000000-0000-0000-0000-000000000000"  # the catalog's models (recorded)
_UUID = lazy(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def run_model(
    address: str, key: str, given_id: str, files: tuple[str, ...], profile: str | None, sandbox: bool
) -> int:
    model_id = given_id.strip().lower()
    if not _UUID.match(model_id):
        raise PlanError(
            f"{given_id[:60]!r} is not a model ID: expected a UUID like 11111111-2222-3333-4444-555555555555"
        )
    config = _config(files, address)
    spec = config.model(key)
    if spec is None:
        raise PlanError(
            f"{address} is not declared: add it under `models:` first (its `type`, and its `source` to be able "
            "to import it again), then import"
        )
    if spec.id == model_id:
        output.out(f"{address} is already imported ({model_id}): nothing to do.")
        return 0
    if spec.id is not None:
        raise PlanError(
            f"{address} already adopts model {spec.id} (its `id` at {config.where(f'models.{key}.id')}): "
            "change that line yourself if it names the wrong model"
        )
    other = next((m for m in config.models if m.id == model_id), None)
    if other is not None:
        raise PlanError(f"model {model_id} is already adopted as {other.address}: one model, one key")
    with open_session(profile, sandbox, config.projects, config.stack) as session:
        found = _find(session.gateway, sorted({r for r, _ in session.pairs}), model_id)
        project = spec.project_id or session.default_project
        if claimed_model_name(found.name):
            if owns_model_name(config.stack, found.name) and model_key(found.name) == key:
                output.out(f"{address} is this stack's own import ({found.name}, {model_id}): nothing to do.")
                return 0
            raise PlanError(
                f"model {model_id} (`{found.name}`) is named for stack `{found.name.split('--')[0]}`, key "
                f"`{model_key(found.name)}`: it is that stack's import, and infermod will not take it over"
            )
        if (found.region, found.project_id) != (spec.region, project):
            raise PlanError(
                f"model {model_id} is in {found.region}, project {found.project_id}; {address} is configured for "
                f"{spec.region}, project {project}: set the model's `region` and `project_id` to where it is"
            )
        if spec.repo_id:
            try:
                mine = session.read_owned().owned_models(config.stack)
            except Exception as exc:
                raise as_fatal(exc, "cannot read the stack's models") from None
            same = [
                m for m in mine if m.name == spec.name and (m.region, m.project_id) == (spec.region, project)
            ]
            if same:
                raise PlanError(
                    f"{address} already exists in this stack ({same[0].id}, `{same[0].name}`): remove it from "
                    "the stack first, or adopt the model under another key"
                )
    _record(config, files, key, address, found)
    return 0


def _config(files: tuple[str, ...], address: str) -> Config:
    """The configuration, valid but for the model this import gives an `id` (it may have no
    `source` yet: the import is what makes it whole)."""
    from infermod.rules.engine import load_checked_config
    from infermod.rules.structural import MODEL_SOURCE

    result = load_checked_config(files)
    others = [
        f
        for f in result.findings
        if f.severity == "error" and (f.rule_id, f.resource) != (MODEL_SOURCE, address)
    ]
    if result.config is None or others:
        return load_valid_config(files)[0]  # prints every problem and raises
    output.register_secrets(result.config.sensitive_values)
    return result.config


def _find(gateway: Gateway, regions: list[str], model_id: str) -> ActualModel:
    for region in regions:
        try:
            found = gateway.get_model(region, model_id)
        except Exception as exc:
            raise as_fatal(exc, f"cannot read model {model_id} in {region}") from None
        if found is None:
            continue
        if found.project_id == PUBLIC_PROJECT_ID:
            raise PlanError(
                f"model {model_id} is `{found.name}` of Scaleway's catalog, not a custom model: deployments "
                f"name catalog models directly (`model: {found.name}`); there is nothing to import"
            )
        return found
    raise PlanError(f"no custom model {model_id} in {', '.join(regions)}")


def _record(config: Config, files: tuple[str, ...], key: str, address: str, found: ActualModel) -> None:
    from infermod.rules.engine import load_checked_config

    manual = f"add `id: {found.id}` under models.{key} yourself"
    try:
        path, line, before = model_id_edit(config, key, found.id)
    except NotEditable as exc:
        raise PlanError(f"cannot write the adoption into the configuration ({exc}): {manual}") from None
    again = load_checked_config(files)
    errors = [f for f in again.findings if f.severity == "error"]
    adopted = again.config.model(key) if again.config is not None else None
    if errors or adopted is None or adopted.id != found.id:
        restore(path, before)
        raise PlanError(
            f"the edited configuration did not read back as adopting {found.id}; {path} is unchanged: {manual}"
        )
    notes = [
        f"Imported model `{found.name}` ({found.id}) in {found.region} as {address}: wrote `id: {found.id}` "
        f"under models.{key} ({path}:{line}).",
        "Custom models cannot be tagged or renamed, so that line is how the stack owns the model: keep it "
        "(without it the stack lets go of the model and leaves it as it is).",
    ]
    if adopted.secret is not None:
        again_with = (
            f"to import it again with yours: `{hints.command('apply', '--replace', address)}` (once no deployment "
            "uses it)"
            if adopted.repo_id
            else "write its `source` to be able to import it again with yours"
        )
        notes.append(
            f"Its `secret` cannot be compared with the one it was imported with (Scaleway never returns it); {again_with}."
        )
    if found.status == "error":
        notes.append(
            f"It is in error ({found.error_message or 'no message'}): the plan says what can be done."
        )
    notes.append(f"Run `{hints.command('plan')}` to see how it fits the configuration.")
    for note in notes:
        output.out(note)
