"""The real-engine commands: preview, deploy, destroy, refresh, outputs, stacks.

Thin Click layer over ``cli.engines.automation``: parse, call, render. Exit codes:
0 ok (preview: no changes), 1 error or refusal, 2 preview found changes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

import click

from cli import exit_codes
from cli.context import AppContext, app_context
from cli.environments import ENV
from cli.output import console, emit_json

if TYPE_CHECKING:
    from cli.engines.automation import OperationResult, RunOptions, Session


class EngineFailure(click.ClickException):
    """An engine error or a refusal: ``error: MESSAGE`` on stderr, exit 1."""

    exit_code = exit_codes.ERROR

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


@contextmanager
def _engine_failures() -> Iterator[None]:
    from cli.engines.automation import EngineError

    try:
        yield
    except EngineError as error:
        raise EngineFailure(str(error)) from None


def _stdin_is_interactive() -> bool:
    """Can somebody answer a confirmation prompt? (tests replace this)"""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _check_targets(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for urn in value:
        if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
            raise click.BadParameter(
                f"{urn!r} is not a resource URN (urn:pulumi:STACK::PROJECT::TYPE::NAME; "
                "see `llz plan ENV --json`)",
                ctx,
                param,
            )
    return value


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _run_options(
    ctx: AppContext,
    env: str,
    targets: tuple[str, ...] = (),
    refresh: bool = False,
    policy_pack: bool = False,
) -> RunOptions:
    from cli.engines.automation import RunOptions, policy_pack_for

    foreign = [urn for urn in targets if not urn.startswith(f"urn:pulumi:{env}::")]
    if foreign:
        raise click.BadParameter(
            f"{foreign[0]!r} is not a resource of stack {env} (its URNs start with "
            f"urn:pulumi:{env}::); nothing was run",
            param_hint="'--target'",
        )
    packs, configs = policy_pack_for(ctx.project_dir, env) if policy_pack else ((), ())
    return RunOptions(
        on_output=_progress,
        color="auto" if ctx.color else "never",
        targets=targets,
        refresh=refresh,
        policy_packs=packs,
        policy_pack_configs=configs,
    )


def _confirm(question: str) -> None:
    if not click.confirm(question, default=False, err=True):
        raise click.exceptions.Abort()


def _refuse_unless_confirmable(action: str, env: str, yes: bool) -> None:
    if not yes and not _stdin_is_interactive():
        raise EngineFailure(
            f"refusing to {action} {env} without --yes: stdin is not a terminal, so nobody "
            f"can confirm; nothing was changed"
        )


json_option = click.option("--json", "as_json", is_flag=True, help="Machine output on stdout.")
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    callback=_check_targets,
    metavar="URN",
    help="Only this resource (repeatable; URNs from `llz plan ENV --json`).",
)
policy_option = click.option(
    "--policy-pack/--no-policy-pack",
    default=True,
    show_default=True,
    help="Enforce policy-pack/ (with policy-pack/config/ENV.json) when it exists.",
)


def _show_operation(result: OperationResult, as_json: bool) -> None:
    from cli.render_changes import render_operation

    if as_json:
        emit_json(result.to_dict())
    else:
        render_operation(result, console())


def _open(env: str, command: str, *, create: bool, spec: Any = None) -> Session:
    from cli.engines import automation as engine

    return engine.open_session(app_context().project_dir, env, command, create=create, spec=spec)


@click.command()
@click.argument("env", type=ENV)
@json_option
@click.option("--diff", "show_diff", is_flag=True, help="Show old -> new for every property.")
@target_option
@click.option("--refresh", is_flag=True, help="Refresh the state from the cloud first.")
@policy_option
def preview(
    env: str,
    as_json: bool,
    show_diff: bool,
    targets: tuple[str, ...],
    refresh: bool,
    policy_pack: bool,
) -> None:
    """Preview ENV with the real Pulumi engine: what deploy would change.

    Engine progress streams to stderr, then a per-resource change summary (--diff: old ->
    new per property; secrets as "[secret]"). --json prints {"plan", "changes", "summary",
    "policy_violations"}. Exit 0 no changes, 2 changes pending, 1 error.
    """
    from cli.engines import automation as engine
    from cli.render_changes import render_preview

    ctx = app_context()
    with _engine_failures():
        options = _run_options(ctx, env, targets, refresh, policy_pack)
        session = _open(env, "preview", create=True)
        report = engine.preview(session, options)
    if as_json:
        emit_json(report.to_dict())
    else:
        title = f"Preview of {env} (backend {session.backend.url})"
        render_preview(report, console(), title, show_diff)
    if report.has_changes:
        raise click.exceptions.Exit(exit_codes.CHANGES)


@click.command()
@click.argument("env", type=ENV)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed for prod in CI).")
@target_option
@click.option("--refresh", is_flag=True, help="Refresh the state from the cloud first.")
@policy_option
@json_option
def deploy(
    env: str,
    yes: bool,
    targets: tuple[str, ...],
    refresh: bool,
    policy_pack: bool,
    as_json: bool,
) -> None:
    """Deploy ENV (pulumi up), streaming the engine's progress to stderr.

    A prod environment needs --yes, or an interactive confirmation after its preview is
    shown; without a terminal and without --yes it is refused and nothing is deployed.
    """
    from cli.engines import automation as engine
    from cli.render_changes import render_preview

    ctx = app_context()
    with _engine_failures():
        spec = engine.load(ctx.project_dir, env)
        confirm = spec.environment == "prod" and not yes
        if confirm:
            _refuse_unless_confirmable("deploy", env, yes)
        options = _run_options(ctx, env, targets, refresh, policy_pack)
        session = _open(env, "deploy", create=True, spec=spec)
        if confirm:
            report = engine.preview(session, options)
            render_preview(report, console(stderr=True), f"Preview of {env}", show_diff=True)
            if not report.has_changes:
                click.echo(f"{env} is up to date: nothing to deploy.", err=True)
                return
            _confirm(f"Deploy {len(report.changes)} change(s) to {env}?")
        result = engine.up(session, options)
    _show_operation(result, as_json)


@click.command()
@click.argument("env", type=ENV)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--i-really-mean-destroy-prod",
    "really_prod",
    is_flag=True,
    help="Required to destroy a prod environment (with --yes or a confirmation).",
)
@click.option(
    "--exclude-protected",
    is_flag=True,
    help="Destroy everything except protected resources (and what they depend on).",
)
@target_option
@json_option
def destroy(
    env: str,
    yes: bool,
    really_prod: bool,
    exclude_protected: bool,
    targets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Destroy ENV's resources (pulumi destroy) after showing what would go.

    Always needs --yes or an interactive confirmation; prod also needs
    --i-really-mean-destroy-prod. Protected resources stay protected: llz never unprotects;
    if any exist, nothing is destroyed unless --exclude-protected is given.
    """
    from cli.engines import automation as engine
    from cli.render_changes import render_preview

    ctx = app_context()
    with _engine_failures():
        spec = engine.load(ctx.project_dir, env)
        if spec.environment == "prod" and not really_prod:
            raise EngineFailure(
                f"refusing to destroy {env}: it is a prod environment; pass "
                "--i-really-mean-destroy-prod if you really mean it; nothing was destroyed"
            )
        _refuse_unless_confirmable("destroy", env, yes)
        options = _run_options(ctx, env, targets)
        session = _open(env, "destroy", create=False, spec=spec)
        protected = engine.protected_resources(session)
        # With --target only the targets go (Pulumi refuses their dependents unless told),
        # so only protected targets stand in the way.
        blocking = [urn for urn in protected if not targets or urn in targets]
        if blocking and not exclude_protected:
            subject = f"the targets in {env} include" if targets else f"{env} has"
            raise EngineFailure(
                f"{subject} {len(blocking)} protected resource(s); Pulumi will not "
                "delete them and llz never unprotects them; nothing was destroyed (pass "
                "--exclude-protected to destroy everything else):\n  " + "\n  ".join(blocking)
            )
        report = engine.destroy_preview(session, options, exclude_protected)
        render_preview(report, console(stderr=True), f"Destroy preview of {env}", False)
        if not report.has_changes:
            click.echo(f"{env} holds no resources to destroy.", err=True)
            return
        if not yes:
            _confirm(f"Destroy {len(report.changes)} resource(s) of {env}?")
        result = engine.destroy(session, options, exclude_protected, protected)
    _show_operation(result, as_json)


@click.command()
@click.argument("env", type=ENV)
@target_option
@json_option
def refresh(env: str, targets: tuple[str, ...], as_json: bool) -> None:
    """Refresh ENV's state from the cloud (nothing in the cloud changes)."""
    from cli.engines import automation as engine

    ctx = app_context()
    with _engine_failures():
        options = _run_options(ctx, env, targets)
        session = _open(env, "refresh", create=False)
        result = engine.refresh(session, options)
    _show_operation(result, as_json)


@click.command()
@click.argument("env", type=ENV)
@click.option("--show-secrets", is_flag=True, help="Show secret outputs in plaintext.")
@json_option
def outputs(env: str, show_secrets: bool, as_json: bool) -> None:
    """Show ENV's stack outputs; secret ones are "[secret]" unless --show-secrets."""
    from cli.engines import automation as engine
    from cli.render_changes import render_outputs

    with _engine_failures():
        session = _open(env, "outputs", create=False)
        values = engine.outputs(session, show_secrets)
    if as_json:
        emit_json({"stack": env, "outputs": values})
    else:
        render_outputs(values, console())


@click.command()
@json_option
def stacks(as_json: bool) -> None:
    """List every environment with its backend and its last update.

    The last update comes from the stack's history when the Pulumi CLI is installed
    ("unknown (Pulumi CLI not installed)" otherwise). Exit 1 when a config is invalid.
    """
    from cli.engines.automation import stack_rows
    from cli.render_changes import render_stacks

    ctx = app_context()
    rows = stack_rows(ctx.project_dir, ctx.stack_names())
    if as_json:
        emit_json(
            {"stacks": [{k: v for k, v in r.items() if k != "last_update_text"} for r in rows]}
        )
    else:
        render_stacks(rows, console())
    if any(r["status"] == "invalid" for r in rows):
        raise click.exceptions.Exit(exit_codes.ERROR)
