"""`llz diff`: environment vs environment, git revision vs revision, state vs state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.context import app_context
from cli.environments import ENV

if TYPE_CHECKING:
    from cli.cost.usage import UsageSource
    from cli.diffs import PlanDiff
    from cli.plan import Plan
    from cli.render_diff import CostDeltaLike

    Sides = tuple[UsageSource, UsageSource]

MODES_HELP = "--from/--to, --from-state/--to-state or --from-version/--to-version"


@click.command()
@click.argument("envs", nargs=-1, type=ENV)
@click.option("--from", "from_ref", metavar="REF", help="Git revision of the left side.")
@click.option(
    "--to", "to_ref", metavar="REF", help="Git revision of the right side [default: working tree]."
)
@click.option(
    "--from-state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Left side: a `pulumi stack export` file (or an `llz plan --json` file).",
)
@click.option(
    "--to-state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Right side: a `pulumi stack export` file (or an `llz plan --json` file).",
)
@click.option(
    "--from-version", type=click.IntRange(min=1), help="Left side: deployment N of the stack."
)
@click.option(
    "--to-version", type=click.IntRange(min=1), help="Right side: deployment M of the stack."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Output format (markdown: for a pull-request comment).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to FILE (atomically) instead of stdout.",
)
@click.option(
    "--prices",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your own price file for the monthly cost change.",
)
@click.option("--no-cost", is_flag=True, help="Skip the monthly cost estimate.")
def diff(
    envs: tuple[str, ...],
    from_ref: str | None,
    to_ref: str | None,
    from_state: Path | None,
    to_state: Path | None,
    from_version: int | None,
    to_version: int | None,
    fmt: str,
    as_json: bool,
    out: Path | None,
    prices: Path | None,
    no_cost: bool,
) -> None:
    """Compare two plans or states: what is added, removed, replaced or changed.

    \b
      llz diff staging prod                   how two environments differ
      llz diff prod --from v1.2 --to main     plans at two git revisions
      llz diff prod --from HEAD~1             ... and the working tree
      llz diff prod                           HEAD vs the working tree
      llz diff --from-state a.json --to-state b.json
      llz diff prod --from-version 12 --to-version 14   (needs the Pulumi CLI)

    Exit codes: 0 no differences, 2 differences found, 1 error.
    """
    from cli import exit_codes

    ctx = app_context()
    git = from_ref is not None or to_ref is not None
    state = from_state is not None or to_state is not None
    version = from_version is not None or to_version is not None
    if git + state + version > 1:
        raise click.UsageError(f"choose one way to compare: {MODES_HELP}")

    secrets: dict[str, set[str]] = {}
    warnings: list[str] = []
    config_changed = False  # a secret config value set, rotated or removed (git mode)
    if state:
        mode = "state"
        left, right, labels, secrets = _states(envs, from_state, to_state)
    elif version:
        mode = "version"
        left, right, labels, secrets = _versions(ctx.project_dir, envs, from_version, to_version)
    elif len(envs) == 2 and not git:
        mode = "environments"
        left, right, labels = _environments(ctx.project_dir, envs)
    else:
        mode = "git"
        left, right, labels = _revisions(ctx.project_dir, envs, from_ref, to_ref)
        from cli.git_plans import secret_config_warnings, secure_config

        config_warnings = secret_config_warnings(
            secure_config(ctx.project_dir, envs[0], from_ref or "HEAD"),
            secure_config(ctx.project_dir, envs[0], to_ref),
        )
        warnings += config_warnings
        config_changed = bool(config_warnings)

    from cli.diff_engine import diff_environments, diff_plans, protected_warnings

    if labels[0] is None:  # environment vs environment: no deployment between them
        result = diff_environments(left, right)
    elif state and left.stack != right.stack:  # files of two stacks: as two environments
        from dataclasses import replace

        result = replace(diff_environments(left, right), left_label=labels[0],
                         right_label=str(labels[1]))
        warnings.append(_two_stacks_note(left, right))
    else:
        result = diff_plans(left, right, labels[0], str(labels[1]), changed_secrets=secrets)
        warnings[:0] = protected_warnings(result, left)

    def sides() -> Sides:
        return usage_sides(ctx.project_dir, mode, envs, (left, right), labels, from_ref, to_ref)

    cost, note = (None, None) if no_cost else monthly_cost(left, right, prices, sides)
    text = render(result, "json" if as_json else fmt, ctx.verbose, ctx.color and out is None,
                  cost, note, warnings, config_changed)
    if out is not None:
        from cli.output import write_output

        write_output(out, text)
    else:
        click.echo(text, nl=False)
    if not result.empty or config_changed:
        raise click.exceptions.Exit(exit_codes.CHANGES)


def _environments(project_dir: Path, envs: tuple[str, ...]) -> tuple[Plan, Plan, tuple[Any, Any]]:
    from cli.engines.offline import plan_offline

    return plan_offline(project_dir, envs[0]), plan_offline(project_dir, envs[1]), (None, None)


def _revisions(
    project_dir: Path, envs: tuple[str, ...], from_ref: str | None, to_ref: str | None
) -> tuple[Plan, Plan, tuple[str, str]]:
    if len(envs) != 1:
        raise click.UsageError(
            "give two environments (llz diff staging prod), or one with git revisions "
            f"(llz diff prod --from REF [--to REF]), or use {MODES_HELP}"
        )
    from cli.git_plans import plan_at_revision

    env = envs[0]
    left, left_label = plan_at_revision(project_dir, env, from_ref or "HEAD")
    right, right_label = plan_at_revision(project_dir, env, to_ref)
    return left, right, (f"{env}@{left_label}", f"{env}@{right_label}")


def _states(
    envs: tuple[str, ...], from_state: Path | None, to_state: Path | None
) -> tuple[Plan, Plan, tuple[str, str], dict[str, set[str]]]:
    if from_state is None or to_state is None:
        raise click.UsageError("--from-state and --to-state go together")
    if envs:
        raise click.UsageError("state files name their stack: give no ENV with --from-state")
    from cli.state import changed_secrets, load_plan_or_state

    left, left_data = load_plan_or_state(from_state)
    right, right_data = load_plan_or_state(to_state)
    return left, right, (str(from_state), str(to_state)), changed_secrets(left_data, right_data)


def _versions(
    project_dir: Path, envs: tuple[str, ...], from_version: int | None, to_version: int | None
) -> tuple[Plan, Plan, tuple[str, str], dict[str, set[str]]]:
    if from_version is None or to_version is None:
        raise click.UsageError("--from-version and --to-version go together")
    if len(envs) != 1:
        raise click.UsageError(
            "give one environment: llz diff prod --from-version N --to-version M"
        )
    from cli.backends import backend_for
    from cli.state import changed_secrets, export_state_version, plan_from_state
    from stacks.config import load_spec

    env = envs[0]
    backend = backend_for(project_dir, env, load_spec(project_dir, env)).engine_env()
    left_data = export_state_version(project_dir, env, from_version, engine_env=backend)
    right_data = export_state_version(project_dir, env, to_version, engine_env=backend)
    left = plan_from_state(left_data, f"{env}@version {from_version}")
    right = plan_from_state(right_data, f"{env}@version {to_version}")
    labels = (f"{env}@v{from_version}", f"{env}@v{to_version}")
    return left, right, labels, changed_secrets(left_data, right_data)


def _two_stacks_note(left: Plan, right: Plan) -> str:
    return (
        f"the two files are of different stacks ({left.stack}, {right.stack}): resources "
        f"are matched with the stack name replaced by <env>, as `llz diff {left.stack} "
        f"{right.stack}` does; no deployment turns one into the other, so secrets and "
        "protection are not compared"
    )


def usage_sides(
    project_dir: Path,
    mode: str,
    envs: tuple[str, ...],
    plans: tuple[Plan, Plan],
    labels: tuple[Any, Any],
    from_ref: str | None,
    to_ref: str | None,
) -> Sides:
    """Each side's expected traffic and peak, as `llz cost` would take them for it.

    Two environments: each one's config; two git revisions: the config at each revision
    (the working tree's when it cannot be read there); two deployments: the working tree's
    config (a state does not record it); two files: the config of the stack each names, when
    it is one of this project's environments (otherwise traffic is not included).
    """
    from cli.cost.usage import file_usage, revision_usage, working_tree_usage

    if mode == "environments":
        return (
            working_tree_usage(project_dir, envs[0], envs[0]),
            working_tree_usage(project_dir, envs[1], envs[1]),
        )
    if mode == "git":
        env = envs[0]
        right_side = (
            working_tree_usage(project_dir, env, str(labels[1]))
            if to_ref is None
            else revision_usage(project_dir, env, to_ref, str(labels[1]))
        )
        return revision_usage(project_dir, env, from_ref or "HEAD", str(labels[0])), right_side
    if mode == "version":
        note = "a deployment's state does not record usage"
        return (
            working_tree_usage(project_dir, envs[0], str(labels[0]), note),
            working_tree_usage(project_dir, envs[0], str(labels[1]), note),
        )
    left, right = plans
    return (
        file_usage(project_dir, left.project, left.stack, str(labels[0])),
        file_usage(project_dir, right.project, right.stack, str(labels[1])),
    )


def monthly_cost(
    left: Plan,
    right: Plan,
    prices: Path | None,
    sides: Callable[[], Sides] | None = None,
) -> tuple[CostDeltaLike | None, str | None]:
    """The monthly cost change from the cost module, or a note saying why there is none.

    ``sides`` gives each plan the expected usage `llz cost` would price it with (asked only
    when the cost module is there).
    """
    try:
        from cli.cost.api import monthly_cost_delta
    except ModuleNotFoundError as error:
        if error.name not in ("cli.cost", "cli.cost.api"):
            raise
        if prices is not None:
            raise click.UsageError(
                "--prices: the cost module (cli.cost) is not installed"
            ) from None
        return None, "unavailable (the cost module cli.cost is not installed)"
    from stacks.errors import InputError

    try:
        if sides is None:
            cost: CostDeltaLike = monthly_cost_delta(left, right, price_file=prices)
        else:
            cost = monthly_cost_delta(left, right, price_file=prices, sides=sides())
    except InputError as error:
        if prices is not None:
            raise
        return None, f"unavailable ({str(error).splitlines()[0]})"
    return cost, None


def render(
    result: PlanDiff,
    fmt: str,
    verbose: int,
    color: bool,
    cost: CostDeltaLike | None,
    note: str | None,
    warnings: list[str],
    config_changed: bool = False,
) -> str:
    from cli.render_diff import diff_to_dict, render_markdown, render_text

    if fmt == "json":
        from cli.output import to_json

        return to_json(diff_to_dict(result, cost, note, warnings, config_changed))
    if fmt == "markdown":
        return render_markdown(result, cost, note, warnings, config_changed)
    import io

    from rich.console import Console

    console = Console(
        record=True, force_terminal=color, no_color=not color, highlight=False, width=120,
        soft_wrap=True,
        file=io.StringIO(),
    )
    render_text(result, console, verbose, cost, note, warnings, config_changed)
    return console.export_text(styles=color)

