"""`infermod import --all [--out FILE]`: write a configuration for what no stack owns.

As Terraform's `plan -generate-config-out`: it reads the project's deployments and custom
models, keeps those that carry no stack's ownership (no `infermod:stack=` tag; no model name
of the `<stack>--<key>--<digest>` form), and writes a configuration whose resources adopt them
by `id:`. Nothing is changed in Scaleway: the next apply of that file adopts them (tags the
deployments, records the models), and its plan shows adoptions only. The file is written
only where nothing is (unless --overwrite), and proven loadable before it is.
"""

from __future__ import annotations

import datetime as dt
import os

from infermod import hints, output
from infermod.config.generate import generate
from infermod.errors import FatalError, PlanError
from infermod.lazyre import lazy
from infermod.scw.errors import as_fatal
from infermod.scw.session import open_session
from infermod.state import STACK_TAG, ActualDeployment, claimed_model_name
from infermod.writefile import write_atomically


def run_all(out: str | None, overwrite: bool, stack: str, profile: str | None, sandbox: bool) -> int:
    _check_stack(stack)
    if out is not None and os.path.lexists(out) and not overwrite:
        raise PlanError(
            f"{out} exists: infermod import --all writes only a new file (--overwrite replaces it)"
        )
    with open_session(profile, sandbox) as session:
        try:
            state, catalog = session.read()
        except FatalError:
            raise
        except Exception as exc:
            raise as_fatal(exc, "cannot read the project's deployments and models") from None
    project = session.default_project
    deployments = [
        d
        for d in state.deployments
        if d.project_id == project and not any(t.startswith(STACK_TAG) for t in d.tags)
    ]
    tagged = [
        d
        for d in state.deployments
        if d.project_id == project and any(t.startswith(STACK_TAG) for t in d.tags)
    ]
    models = [m for m in state.models if m.project_id == project and not claimed_model_name(m.name)]
    _refuse_a_stack_in_use(stack, tagged, [m.name for m in state.models if m.project_id == project])
    regions = ", ".join(sorted({r for r, p in state.regions if p == project}))
    for region, why in state.refused:
        output.out(
            f"Warning: nothing could be read in {region} ({why}): what is there is not in the file", err=True
        )
    if not deployments and not models:
        output.out(
            f"No deployments or custom models that no stack owns in project {project} ({regions}): nothing to import.",
            err=out is not None,
        )
        return 0
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    header = [
        f"# Written by `infermod import --all` on {today} from project {project} ({regions}):",
        "# the deployments and custom models no infermod stack owned. The next apply of this file",
        "# adopts them, and changes nothing else: it tags each deployment (about 2 minutes `deploying`,",
        "# same URL) and records each model by its `id:` (custom models cannot be tagged: keep those",
        "# lines). Decide each `DECIDE:` line first. A model another configuration adopted by `id:`",
        "# cannot be told apart from a free one: remove it here if it belongs to another stack.",
    ]
    custom_ids = {m.id for m in state.models}
    live = [d for d in state.deployments if d.project_id == project]
    made = generate(stack, project, deployments, models, catalog, header, custom_ids, live)
    for left in made.left_out:
        output.out(f"Left out: {left.what}: {left.why}", err=True)
    for dep in tagged:
        if dep.key is None:
            output.out(
                f"Left out: deployment `{dep.name}` ({dep.id}) carries a stack tag ({STACK_TAG}...) without a "
                "single key: import it into that stack with `infermod import deployment.KEY ID`",
                err=True,
            )
    what = f"{made.deployments} deployment(s) and {made.models} custom model(s)"
    decide = f"; decide its {made.decisions} `DECIDE:` line(s)" if made.decisions else ""
    if out is None:
        output.out(made.text, nl=False)
        output.out(
            f"{what} to adopt{decide}. Save it (`--out FILE`), then review it with `infermod plan -f FILE`.",
            err=True,
        )
        return 0
    write_atomically(out, made.text.encode("utf-8"), "configuration", mode=0o644, input_ok=True)
    output.out(f"Wrote {out}: {what} to adopt{decide}.")
    output.out(f"Review the adoptions: `{hints.command('plan', '-f', out, files=False)}`")
    return 0


def _refuse_a_stack_in_use(stack: str, tagged: list[ActualDeployment], model_names: list[str]) -> None:
    """A file written for a stack that already owns resources would hold only what no stack owns:
    its apply would destroy what the stack has (a second `import --all` after the first was
    applied). Refused, naming a stack name no resource carries yet."""
    taken = {t[len(STACK_TAG) :] for d in tagged for t in d.tags if t.startswith(STACK_TAG)}
    taken |= {name.split("--")[0] for name in model_names if claimed_model_name(name)}
    if stack not in taken:
        return
    owned = sum(f"{STACK_TAG}{stack}" in d.tags for d in tagged)
    free = next(f"{stack}-{n}" for n in range(2, len(taken) + 3) if f"{stack}-{n}" not in taken)
    raise PlanError(
        f"stack `{stack}` already owns {owned} deployment(s) (and its models) in this project: a file "
        "written for it with only what no stack owns would destroy them on its next apply. Write one for "
        f"a stack of its own (`{hints.command('import', '--all', '--stack', free, files=False)}`), or add "
        f"each resource to `{stack}`'s configuration with `{hints.command('import', 'ADDRESS', 'ID')}`"
    )


_STACK = lazy(r"[a-z0-9]+(-[a-z0-9]+)*\Z")  # as the schema's `stack`


def _check_stack(stack: str) -> None:
    if len(stack) > 40 or not _STACK.match(stack):
        raise PlanError(
            f"--stack {stack[:60]!r}: lowercase letters, digits and single hyphens, at most 40 characters"
        )
