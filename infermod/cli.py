"""The command line: parse arguments, hand them to a command module, map errors to exit codes.

A command is built (its options) only when it runs or `--help` lists it, and its module is
imported only when it runs: `infermod validate` builds and imports nothing of `plan`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from infermod import GC_THRESHOLDS, __version__

if TYPE_CHECKING:
    from infermod.findings import Finding

FORMATS = click.Choice(["text", "json", "markdown"])
TEXT_JSON = click.Choice(["text", "json"])
SEVERITY = click.Choice(["warning", "error"])
# One instance for every file option: click looks its name up in the message catalogs
# (gettext) each time a Path type is made, at every start of every command.
FILE = click.Path(dir_okay=False)


def _format(choices: click.Choice[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    views = {"text": "for people", "json": "versioned JSON, for programs", "markdown": "for merge requests"}
    return click.option(
        "--format",
        "fmt",
        type=choices,
        default="text",
        show_default=True,
        help="The view: " + "; ".join(f"{c} {views[c]}" for c in choices.choices) + ".",
    )


def _files(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-f",
        "--file",
        "files",
        multiple=True,
        metavar="FILE|DIR",
        help="Configuration file or directory (repeatable). Default: ./infermod.yaml.",
    )(f)


def _scaleway(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--profile", help="Profile of ~/.config/scw/config.yaml (default: SCW_PROFILE or default)."
    )(f)
    f = click.option(
        "--sandbox",
        is_flag=True,
        help="Run against a local emulator kept in .infermod/sandbox/ (no account needed).",
    )(f)
    return f


def _gates(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--fail-on", type=SEVERITY, help="Exit 1 when a finding is at least this severe.")(f)
    f = click.option(
        "--eol-horizon",
        type=click.IntRange(min=0),
        default=None,
        metavar="DAYS",
        help="Make it an error when a Deprecated model reaches End-of-Life within DAYS days.",
    )(f)
    return f


def _policy(f: Callable[..., Any]) -> Callable[..., Any]:
    """Gates on what a plan does; on apply and destroy they are enforced before anything changes."""
    from infermod.commands.parsing import amount_option

    f = click.option("--deny-destroy", is_flag=True, help="Fail when the plan deletes or replaces anything.")(
        f
    )
    f = click.option(
        "--max-monthly-cost",
        callback=amount_option,
        metavar="AMOUNT",
        help="Fail when the monthly cost after the plan exceeds AMOUNT (EUR), e.g. 1500, 1,500 or 1 500 EUR.",
    )(f)
    return f


def _check_models(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--check-models",
        is_flag=True,
        help="Also read each custom model's files from Hugging Face (HF_ENDPOINT, HF_TOKEN or its secret) and check them.",
    )(f)


def _targets(f: Callable[..., Any]) -> Callable[..., Any]:
    from infermod.commands.parsing import addresses_option

    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDRESS",
        callback=addresses_option,
        help="Only this resource (deployment.KEY or model.KEY) and what it needs; repeatable. A partial plan.",
    )(f)


def _replace(f: Callable[..., Any]) -> Callable[..., Any]:
    from infermod.commands.parsing import deployment_addresses_option

    return click.option(
        "--replace",
        "replace",
        multiple=True,
        metavar="ADDRESS",
        callback=deployment_addresses_option,
        help="Replace this deployment (deployment.KEY) even if nothing changed, or import this custom "
        "model (model.KEY) again, e.g. after its secret changed; repeatable.",
    )(f)


def _reports(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--codequality", type=FILE, help="Write a GitLab Code Quality report.")(f)
    f = click.option("--junit", type=FILE, help="Write a JUnit XML report.")(f)
    return f


def _timeout(default: str, scope: str, examples: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from infermod.commands.parsing import duration_option

    return click.option(
        "--timeout",
        callback=duration_option,
        metavar="DURATION",
        default=default,
        show_default=True,
        help=f"Time limit for {scope}, API reads included, e.g. {examples}.",
    )


def _overall_timeout(f: Callable[..., Any]) -> Callable[..., Any]:
    from infermod.commands.parsing import duration_option

    return click.option(
        "--timeout",
        callback=duration_option,
        metavar="DURATION",
        help="Overall cap on the whole run, API reads included, e.g. 90s, 45m, 2h. None by default: "
        "each create, update, deletion and import waits up to its own limit (80m, 20m, 3h...; "
        "`timeouts:` in the configuration raises one).",
    )(f)


def _changes(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """apply's and destroy's shared options: confirmation, write parallelism, time limit."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = _overall_timeout(f)
        f = click.option(
            "--parallelism",
            type=click.IntRange(1, 64),
            default=20,
            show_default=True,
            help="Most write calls in flight at once (waiting for readiness holds none).",
        )(f)
        return click.option("--auto-approve", is_flag=True, help=f"{verb} without asking for confirmation.")(
            f
        )

    return decorate


def _no_color(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from infermod import output

        output.set_color(False)


def _recording(name: str, callback: Callable[..., Any]) -> Callable[..., Any]:
    """Record the options that select the stack and the API, for the hints a command prints;
    with --json, switch the run to JSON events."""

    def run(**kwargs: Any) -> Any:
        from infermod import hints

        with hints.recorded(kwargs.get("files") or (), kwargs.get("profile"), bool(kwargs.get("sandbox"))):
            return _run(name, callback, kwargs)

    return run


def _run(name: str, callback: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    if not kwargs.pop("json_events", False):
        return callback(**kwargs)
    if kwargs.get("fmt", "text") != "text":
        raise click.UsageError("--json writes events, --format a view: choose one")
    if name in ("apply", "destroy") and not (kwargs.get("auto_approve") or kwargs.get("plan_file")):
        raise click.UsageError(f"--json cannot ask for confirmation: add --auto-approve to {name}")
    from infermod import events

    events.start(name)
    result = callback(**kwargs)
    events.finish(result if isinstance(result, int) else 0)
    return result


def _events(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json",
        "json_events",
        is_flag=True,
        help="Write one JSON object per line for every event, on stdout (text goes to stderr); "
        "see schemas/infermod-events.schema.json.",
    )(f)


def terraform_spellings(command: click.Command, args: list[str]) -> list[str]:
    """Terraform's single-dash long options (`-auto-approve`, `-target=ADDR`, `-out FILE`,
    `-raw`, `-json`) as the command's own `--` options. Only a word naming one of the command's
    long options is rewritten: click's short options (`-fFILE`, `-h`), option values, and
    everything after `--` are left alone; another single-dash word is read as a long option
    too, so that a typo gets click's `--` suggestion rather than `No such option: -a`.

    A short option with its value (`-f FILE`) is given by its long name (`--file FILE`), which
    click parses alike: click looks every short option up as a long one first, and that miss
    imports difflib to suggest a name nobody asked for, at each start. Without its value it is
    left as written, for click's message to name it so (`Option '-f' requires an argument`)."""
    takes_value: set[str] = set()
    longs: set[str] = set()
    shorts = {"-h"}
    long_name: dict[str, str] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for name in param.opts + param.secondary_opts:
                (longs if name.startswith("--") else shorts).add(name)
                if not param.is_flag:
                    takes_value.add(name)
            first_long = next((name for name in param.opts if name.startswith("--")), None)
            if first_long is not None:
                long_name.update((name, first_long) for name in param.opts if not name.startswith("--"))
    result: list[str] = []
    value_next = False
    for index, word in enumerate(args):
        if value_next:
            value_next = False
        elif word == "--":
            return result + args[index:]
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2:
            name, equals, _ = word.partition("=")
            if "-" + name in longs:
                word = "-" + word
                value_next = not equals and "-" + name in takes_value
            elif word[:2] not in shorts:  # `-auto-aprove`: click then suggests --auto-approve
                word = "-" + word
        elif word in long_name and (word not in takes_value or index + 1 < len(args)):
            value_next = word in takes_value
            word = long_name[word]
        elif word in takes_value:
            value_next = True
        result.append(word)
    return result


class _Command(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, terraform_spellings(self, args))


class _Group(click.Group):
    """Every command also accepts --no-color, so it can be written after the command name."""

    command_class = _Command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole first sentence, wrapped: click cuts it to one line with `...`."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.builders: dict[str, Callable[[], click.Command]] = {}

    def lazy(self, name: str) -> Callable[[Callable[[], click.Command]], Callable[[], click.Command]]:
        """Register a function that builds the command `name`: it is called only when that
        command runs, or when every command is listed (--help, a mistyped name), so a command's
        start builds its own options and no other's."""

        def register(build: Callable[[], click.Command]) -> Callable[[], click.Command]:
            self.builders[name] = build
            return build

        return register

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.builders})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.builders:
            self.add_command(self.builders[cmd_name](), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.builders:  # click suggests a name among those built
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if cmd.callback is not None:
            cmd.callback = _recording(name or cmd.name or "", cmd.callback)
        cmd.params.append(
            click.Option(
                ["--no-color"],
                is_flag=True,
                expose_value=False,
                callback=_no_color,
                help="Never colour the output.",
            )
        )
        super().add_command(cmd, name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="infermod")
@click.option(
    "--no-color", is_flag=True, expose_value=False, callback=_no_color, help="Never colour the output."
)
def cli() -> None:
    """Declarative plan/apply for Scaleway Generative APIs - Dedicated Deployment.

    \b
    Exit codes (as Terraform's):
      0  success; for `plan --detailed-exitcode`, success with no changes
      1  any error, including usage errors (unknown option, missing argument)
      2  only with `plan --detailed-exitcode`: success, and the plan has changes
      3  only with `plan --comment`: the plan is made (and saved), but the
         merge-request note could not be written (a warning in GitLab's templates)
      130  interrupted (Ctrl-C)
      143  terminated (SIGTERM: a cancelled or timed-out CI job, docker stop),
           reported as Ctrl-C is
    """


@cli.lazy("validate")
def _build_validate() -> click.Command:
    @click.command(cls=_Command)
    @_files
    @_format(TEXT_JSON)
    @click.option(
        "--catalog",
        type=click.Choice(["auto", "live", "snapshot"]),
        default="auto",
        show_default=True,
        help="Where compatibility rules read the catalog: the API (live), the shipped snapshot, or live when credentials are set.",
    )
    @_scaleway
    @_gates
    @_reports
    @_check_models
    @_events
    def validate(**kwargs: Any) -> int:
        """Check the configuration: schema, structure, compatibility and lifecycle rules."""
        from infermod.commands.validate import run

        return run(**kwargs)

    return validate


@cli.lazy("plan")
def _build_plan() -> click.Command:
    @click.command(cls=_Command)
    @_files
    @_format(FORMATS)
    @click.option("--out", "out_file", type=FILE, help="Save the plan for `infermod apply FILE`.")
    @click.option(
        "--detailed-exitcode",
        is_flag=True,
        help="Exit 0 when the plan has no changes, 2 when it has changes, 1 on any error.",
    )
    @click.option("--destroy", is_flag=True, help="Plan the deletion of everything the stack owns.")
    @click.option(
        "--gitlab-report",
        type=FILE,
        help="Write a GitLab `artifacts:reports:terraform` file.",
    )
    @click.option("--comment", is_flag=True, help="Post or update the plan as a GitLab merge-request note.")
    @click.option(
        "--comment-required",
        is_flag=True,
        help="Post the note (implies --comment) and fail the command when it cannot be posted.",
    )
    @click.option(
        "--drift-issue",
        is_flag=True,
        help="Open or update a GitLab issue labelled infermod-drift when the plan has changes; close it when none.",
    )
    @_targets
    @_replace
    @_timeout("10m", "the whole command", "90s, 10m")
    @_scaleway
    @_gates
    @_policy
    @_reports
    @_check_models
    @_events
    def plan(**kwargs: Any) -> int:
        """Read the actual deployments, diff them with the configuration and show the plan."""
        from infermod.commands.plan import run

        return run(**kwargs)

    return plan


@cli.lazy("apply")
def _build_apply() -> click.Command:
    @click.command(cls=_Command)
    @click.argument("plan_file", required=False, type=FILE)
    @_files
    @_changes("Apply")
    @_targets
    @_replace
    @_scaleway
    @_gates
    @_check_models
    @_policy
    @click.option(
        "--require-reviewed",
        is_flag=True,
        help="In a GitLab pipeline: apply only the plan reviewed on the merge request that brought "
        "this commit (its `plan --comment` note); refuse when it differs or there is none.",
    )
    @click.option(
        "--allow-unreviewed",
        is_flag=True,
        help="With --require-reviewed: apply when the commit has no reviewed plan at all (a direct "
        "push); a plan that differs from a reviewed one is still refused.",
    )
    @_events
    def apply(**kwargs: Any) -> int:
        """Carry out a plan: a saved PLAN_FILE, or a fresh plan after confirmation."""
        from infermod.commands.apply import run

        return run(**kwargs)

    return apply


@cli.lazy("destroy")
def _build_destroy() -> click.Command:
    @click.command(cls=_Command)
    @_files
    @_changes("Destroy")
    @_targets
    @_scaleway
    @_gates
    @_policy
    @_events
    def destroy(**kwargs: Any) -> int:
        """Delete everything this stack owns (respecting prevent_destroy); nothing else."""
        from infermod.commands.apply import run_destroy

        return run_destroy(**kwargs)

    return destroy


@cli.lazy("show")
def _build_show() -> click.Command:
    @click.command(cls=_Command)
    @click.argument("plan_file", type=FILE)
    @_format(FORMATS)
    def show(plan_file: str, fmt: str) -> int:
        """Render a saved plan file."""
        from infermod.commands.show import run

        return run(plan_file, fmt)

    return show


@cli.lazy("output")
def _build_output() -> click.Command:
    @click.command(
        short_help="List each deployment's status and endpoint URLs, or print one value.", cls=_Command
    )
    @click.argument("key", required=False)
    @_files
    @_format(TEXT_JSON)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (the whole output, or KEY's value).")
    @click.option("--raw", is_flag=True, help="Print KEY's string, number or boolean as is, for scripts.")
    @_scaleway
    def output(**kwargs: Any) -> int:
        """List each deployment's status and endpoint URLs, or print one value: KEY such as
        `support-bot.url` (first public endpoint), `support-bot.status`, `support-bot.endpoints.0.url`
        (indexes start at 0).
        """
        from infermod.commands.output import run

        return run(**kwargs)

    return output


@cli.lazy("import")
def _build_import() -> click.Command:
    @click.command(name="import", cls=_Command)
    @click.argument("address", required=False)
    @click.argument("deployment_id", metavar="[ID]", required=False)
    @click.option(
        "--all",
        "all_",
        is_flag=True,
        help="Write a configuration for the project's deployments and custom models that no stack owns "
        "(as terraform plan -generate-config-out); its next apply adopts them.",
    )
    @click.option(
        "--out",
        type=click.Path(dir_okay=False),
        help="With --all: the file to write (refused if it exists, unless --overwrite). Default: stdout.",
    )
    @click.option("--overwrite", is_flag=True, help="With --all --out: replace an existing file.")
    @click.option("--stack", help="With --all: the written configuration's `stack` (default: imported).")
    @click.option(
        "--auto-approve",
        is_flag=True,
        help="deployment.KEY: tag it without asking (the tag change redeploys it for about 2 minutes).",
    )
    @_files
    @_scaleway
    def import_(**kwargs: Any) -> int:
        """Adopt an existing deployment (deployment.KEY: tags it) or custom model (model.KEY: writes
        `id: ID` under models.KEY, as custom models cannot be tagged) under ADDRESS; or, with --all, write the configuration that adopts whatever no stack owns."""
        from infermod.commands.import_ import run

        return run(**kwargs)

    return import_


@cli.lazy("check-model")
def _build_check_model() -> click.Command:
    @click.command(name="check-model", cls=_Command)
    @click.argument("source")
    @click.option(
        "--type",
        "model_type",
        type=click.Choice(["chat", "vision", "multimodal", "embedding"]),
        help="The type the model is to be imported as (as `type:` in the configuration); default: inferred.",
    )
    @click.option(
        "--repo",
        metavar="ORG/NAME",
        help="The Hugging Face repository a local directory is an unmodified copy of (its identity).",
    )
    @_format(TEXT_JSON)
    @click.option(
        "--sandbox",
        is_flag=True,
        help="Read the sandbox's local Hub (it serves acme/support-bot-8b) instead of Hugging Face.",
    )
    def check_model(source: str, model_type: str | None, repo: str | None, fmt: str, sandbox: bool) -> int:
        """Check a Hugging Face repository (ORG/NAME) or a local directory for compatibility."""
        from infermod.commands.check_model import run

        if not sandbox:
            return run(source, model_type, fmt, repo)
        from infermod import output
        from infermod.sandbox import HUB_BANNER, running_hub

        output.out(output.style(HUB_BANNER, "cyan", err=True), err=True)
        with running_hub():
            return run(source, model_type, fmt, repo)

    return check_model


@cli.lazy("schema")
def _build_schema() -> click.Command:
    @click.command(cls=_Command)
    def schema() -> int:
        """Print the configuration's JSON Schema."""
        from infermod.config.schema import schema_text

        click.echo(schema_text(), nl=False)
        return 0

    return schema


@cli.lazy("emulator")
def _build_emulator() -> click.Command:
    @click.command(cls=_Command)
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=0,
        show_default=True,
        help="Port to listen on; 0 picks a free one (printed at start).",
    )
    @click.option("--state-dir", type=click.Path(file_okay=False), help="Keep state here across restarts.")
    @click.option(
        "--ready-after",
        type=click.FloatRange(min=0),
        default=5.0,
        show_default=True,
        metavar="SECONDS",
        help="How long a new or changed deployment takes to become ready.",
    )
    @click.option(
        "--latency-ms",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        metavar="MS",
        help="Delay added to every answer.",
    )
    @click.option(
        "--fault-rate",
        type=click.FloatRange(0, 1),
        default=0.0,
        show_default=True,
        metavar="RATE",
        help="Share of requests answered 429 or 503 at random (clients retry them), 0 to 1.",
    )
    @click.option(
        "--lose-create-responses",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        metavar="N",
        help="Carry out the next N creates but drop their answers, as a lost connection would.",
    )
    @click.option(
        "--node-quota",
        metavar="TYPE=N,...",
        help="The organization's node quota per node-type family, e.g. H100=3,L4=5 (default: large).",
    )
    @click.option(
        "--list-lag",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        metavar="SECONDS",
        help="Lists show a new deployment only this long after its create (an eventually consistent API).",
    )
    def emulator(**kwargs: Any) -> int:
        """Serve a local emulator of the Scaleway Managed Inference and Product Catalog APIs."""
        from infermod.commands.emulator import run

        return run(**kwargs)

    return emulator


def main(argv: Sequence[str] | None = None) -> int:
    import gc
    import os

    from infermod import output
    from infermod.errors import ConfigError, FatalError, Terminated
    from infermod.secrets import environment_secrets

    output.register_secrets(environment_secrets(os.environ))
    _no_deadline()  # commands with --timeout start their own clock when they begin
    gc.set_threshold(*GC_THRESHOLDS)
    previous = _on_sigterm()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="infermod", standalone_mode=False
        )
    except click.exceptions.Abort as exc:  # click turns a KeyboardInterrupt into Abort
        if isinstance(exc.__cause__, Terminated):
            _error(TERMINATED)
            return _ended(TERMINATED, Terminated.exit_code)
        _error("aborted")
        return _ended("aborted", 130)
    except click.ClickException as exc:
        # click's usage errors exit 2, which `plan --detailed-exitcode` reserves for "changes
        # present": every error, usage errors included, exits 1 (Terraform's convention)
        _show_usage_error(exc)
        _events_for_usage_error(exc, sys.argv[1:] if argv is None else list(argv))
        return _ended(output.redact(exc.format_message()), 1)
    except FatalError as exc:
        if isinstance(exc, ConfigError):
            _show_findings(exc.findings)
        _error(str(exc))
        return _ended(str(exc), exc.exit_code)
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            _error(TERMINATED)
            return _ended(TERMINATED, Terminated.exit_code)
        _error("interrupted")
        return _ended("interrupted", 130)
    except Exception as exc:
        _error(
            f"internal error: {type(exc).__name__}: {exc}. Please report it; set INFERMOD_DEBUG=1 for details."
        )
        if os.environ.get("INFERMOD_DEBUG"):
            raise
        return _ended(f"internal error: {type(exc).__name__}: {exc}", 1)
    finally:
        _restore_sigterm(previous)
        _no_deadline()  # the clock is the command's: nothing after it inherits it
        events = sys.modules.get("infermod.events")  # loaded by the commands that emit events
        if events is not None:
            events.stop()
    return result if isinstance(result, int) else 0


TERMINATED = "terminated (SIGTERM)"


def _on_sigterm() -> Any:
    """SIGTERM is what a cancelled or timed-out GitLab job, `docker stop` and Kubernetes send:
    it raises errors.Terminated, a KeyboardInterrupt, so that it is handled as Ctrl-C is (an
    apply stops starting work and reports what is in progress, with ids), instead of ending
    the process with no word. The previous handler, to put back (None: not the main thread,
    where no handler can be set, as when a test calls main from a thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    from infermod.errors import Terminated

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    return signal.signal(signal.SIGTERM, terminated)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        import signal

        signal.signal(signal.SIGTERM, previous)


def _no_deadline() -> None:
    """No run's clock: one only a command that loaded the deadline's module can have started."""
    deadline = sys.modules.get("infermod.scw.deadline")
    if deadline is not None:
        deadline.start(None)


def _show_usage_error(exc: click.ClickException) -> None:
    """click's own message (usage, `Try ... --help`, `Error: ...`), wrapped at stderr's width
    as every other message is; an option name or a value longer than a line stays whole."""
    import io

    from infermod import output
    from infermod.wrap import width, wrap

    buffer = io.StringIO()
    exc.show(file=buffer)
    # a token pasted as an option's value is quoted back: redacted like every other output
    lines = wrap(output.redact(buffer.getvalue()).rstrip("\n").split("\n"), width(sys.stderr))
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def entry() -> int:
    """The process's entry point (`__main__.main`: the `infermod` script, `python -m infermod`): main, then
    nothing left for the interpreter's exit to collect. All a command made is still alive when
    it returns, and the interpreter's garbage collections at exit would walk every object (a
    quarter of a 100-deployment plan's CPU) to free memory the ending process gives back anyway:
    frozen objects are skipped. Tests call `main`, which leaves the collector alone. Nothing
    depends on a collection at exit: commands close their files and join their threads."""
    import gc

    code = main()
    gc.freeze()
    return code


def _show_findings(findings: Sequence[Finding]) -> None:
    """What loading the configuration found, each line where it was found (--json: events too)."""
    if not findings:
        return
    from infermod import output
    from infermod.render.findings import findings_text

    for line in findings_text(findings):
        output.out(line, err=True)
    events = sys.modules.get("infermod.events")  # not loaded: no stream was started
    if events is not None and events.active():
        from infermod.render.events import emit_findings

        emit_findings(findings)


def _events_for_usage_error(exc: click.ClickException, args: list[str]) -> None:
    """A usage error stops click before the command switched to events: with --json asked
    for, the stream still starts with its `version` line and ends with the `error` event, as
    every failed command's does, so a consumer of stdout never reads an empty stream."""
    if not any(a in ("--json", "-json") for a in args):
        return
    from infermod import events

    if not events.active():
        ctx = getattr(exc, "ctx", None)
        events.start(ctx.command.name if ctx is not None and ctx.command.name else "infermod")


def _ended(message: str, code: int) -> int:
    """With --json, an error ends the stream as an `error` event (after any others)."""
    events = sys.modules.get("infermod.events")  # not loaded: no stream was started
    if events is not None and events.active():
        events.emit("error", message, exit_code=code)
    return code


def _error(message: str) -> None:
    from infermod import output

    output.error(message)


if __name__ == "__main__":
    sys.exit(entry())
