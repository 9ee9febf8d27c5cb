"""`llz audit ENV`: the policies over a Plan; reports in six formats; archive to S3/OSS.

``audit`` is a group with a default command: ``llz audit ENV ...`` runs ``llz audit run ENV
...``; ``llz audit verify S3_URL`` checks an archive (``cli.commands.archive``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli import exit_codes
from cli.context import app_context
from cli.environments import ENV

if TYPE_CHECKING:
    from cli.audit.summary import Extras
    from cli.diffs import PlanDiff
    from cli.findings import AuditResult
    from cli.plan import Plan

FORMATS: tuple[str, ...] = ("text", "markdown", "json", "sarif", "junit", "html")
FILE_NAMES: dict[str, str] = {
    "text": "report.txt",
    "markdown": "report.md",
    "json": "report.json",
    "sarif": "report.sarif",
    "junit": "report.junit.xml",
    "html": "report.html",
}
SUBCOMMANDS: dict[str, tuple[str, str]] = {"verify": ("cli.commands.archive", "verify")}


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to ``run``."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (
            args
            and args[0] not in self.list_commands(ctx)
            and args[0] not in (ctx.help_option_names)
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [self.default_command, *SUBCOMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == self.default_command:
            return run
        if cmd_name in SUBCOMMANDS:
            module, attribute = SUBCOMMANDS[cmd_name]
            try:
                command: click.Command = getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError):
                return None
            return command
        return None


@click.group(cls=DefaultCommandGroup, subcommand_metavar="ENV [OPTIONS] | COMMAND [ARGS]...")
def audit() -> None:
    """Audit a stack against the landing zone's policies.

    \b
    llz audit ENV [OPTIONS]        the same as `llz audit run ENV [OPTIONS]`
    llz audit verify S3_URL        check an archive of reports (hash chain)

    Exit codes: 0 clean (advisory findings allowed), 3 mandatory findings not suppressed,
    1 error. See `llz audit run --help` for the options.
    """


def render_reports(
    formats: tuple[str, ...], result: AuditResult, plan: Plan, extras: Extras
) -> dict[str, str]:
    """Every requested format, rendered in memory (text without colour)."""
    from cli.reports.html import render_html
    from cli.reports.json_report import render_json
    from cli.reports.junit import render_junit
    from cli.reports.markdown import render_markdown
    from cli.reports.sarif import render_sarif
    from cli.reports.text import render_text

    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: render_text(result, extras),
        "markdown": lambda: render_markdown(result, extras),
        "json": lambda: render_json(result, extras),
        "sarif": lambda: render_sarif(result, extras),
        "junit": lambda: render_junit(result, extras),
        "html": lambda: render_html(result, plan, extras.diff, extras.generated_at),
    }
    return {fmt: renderers[fmt]() for fmt in formats}


def _read_plan(path: Path) -> Plan:
    """A saved Plan (``llz plan --out``) or a state export (``pulumi stack export``)."""
    from cli.state import load_plan_or_state

    plan: Plan = load_plan_or_state(path)[0]
    return plan


def _plan_for(env: str, plan_file: Path | None, engine: str) -> Plan:
    ctx = app_context()
    if plan_file is not None:
        if engine != "offline":
            raise click.UsageError("--plan and --engine pulumi cannot be combined")
        plan = _read_plan(plan_file)
        if plan.stack != env:
            raise click.UsageError(
                f"--plan {plan_file}: the plan is for stack {plan.stack!r}, not {env!r}"
            )
        return plan
    if engine == "pulumi":
        return _pulumi_plan(ctx.project_dir, env)
    from cli.engines.offline import plan_offline

    return plan_offline(ctx.project_dir, env)


def _pulumi_plan(project_dir: Path, env: str) -> Plan:
    """The Plan of a real ``pulumi preview`` (no policy pack: the audit judges it here)."""
    from cli.commands.engine import EngineFailure
    from cli.engines import automation

    try:
        session = automation.open_session(project_dir, env, "audit", create=True)
        report = automation.preview(session, automation.RunOptions())
    except automation.EngineError as error:
        raise EngineFailure(str(error)) from None
    plan: Plan = report.plan
    return plan


def _baseline_diff(baseline: Path | None, plan: Plan) -> PlanDiff | None:
    if baseline is None:
        return None
    from cli.diff_engine import diff_plans

    left = _read_plan(baseline)
    return diff_plans(
        left, plan, f"{baseline.name} ({left.stack})", f"{plan.stack} ({plan.engine})"
    )


def _archive(
    url: str, endpoint_url: str | None, files: Mapping[str, bytes], stack: str, env: str
) -> dict[str, Any]:
    from cli.archive import archive_reports

    receipt = archive_reports(url, files, endpoint_url=endpoint_url, stack=stack, environment=env)
    info: dict[str, Any] = receipt.to_dict()
    return info


@audit.command()
@click.argument("env", type=ENV)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Audit this file instead of planning offline: a saved Plan (`llz plan ENV --out "
    "FILE`) or deployed state (`pulumi stack export --file FILE`).",
)
@click.option(
    "--engine",
    type=click.Choice(["offline", "pulumi"]),
    default="offline",
    show_default=True,
    help="offline: plan under mocks (no cloud); pulumi: the real engine's preview.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Report format (repeatable). Without --out-dir: one format, printed to stdout "
    "(default text). With --out-dir: the files to write (default all).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write report.txt, report.md, report.json, report.sarif, report.junit.xml and "
    "report.html here (atomically; the directory is created if missing).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PLAN_FILE",
    help="Add a section with the changes from this saved Plan (or state export) to the "
    "audited one.",
)
@click.option(
    "--archive",
    "archive_url",
    metavar="S3_URL",
    help="Upload the report set to s3://bucket/prefix (hash-chained; see `llz audit verify`).",
)
@click.option("--endpoint-url", metavar="URL", help="S3-compatible endpoint for --archive (OSS).")
@click.option(
    "--generated-at",
    metavar="TIMESTAMP",
    help="A timestamp to print in the reports (they hold none otherwise, so they are "
    "reproducible).",
)
def run(
    env: str,
    plan_file: Path | None,
    engine: str,
    formats: tuple[str, ...],
    out_dir: Path | None,
    as_json: bool,
    baseline: Path | None,
    archive_url: str | None,
    endpoint_url: str | None,
    generated_at: str | None,
) -> None:
    """Audit ENV: every policy over the stack's Plan; exit 3 on mandatory findings.

    Rules are advisory in dev and staging and mandatory in prod. Suppressions
    (llz:policy.suppressions) keep a finding visible with its justification; a suppression
    that matches nothing is a warning.
    """
    from cli.audit import audit_plan, unmatched_suppressions
    from cli.audit.summary import Extras
    from cli.files import make_directory
    from cli.output import console, write_output
    from policies.config import settings_from_spec
    from stacks.config import load_spec

    if out_dir is None and len(formats) > 1:
        raise click.UsageError("several --format values need --out-dir")
    if as_json and formats and out_dir is None:
        raise click.UsageError("--json prints JSON; use --format with --out-dir for other files")
    if endpoint_url and not archive_url:
        raise click.UsageError("--endpoint-url only applies with --archive")
    ctx = app_context()
    spec = load_spec(ctx.project_dir, env)
    plan = _plan_for(env, plan_file, engine)
    suppressions = spec.policy.suppressions
    result = audit_plan(plan, spec.environment, suppressions, settings=settings_from_spec(spec))
    warnings = unmatched_suppressions(result, suppressions)
    extras = Extras(warnings, _baseline_diff(baseline, plan), generated_at)

    if out_dir is not None or archive_url:
        wanted = formats or FORMATS
        if archive_url:
            wanted = tuple(dict.fromkeys((*wanted, "json", "sarif", "markdown")))
        rendered = render_reports(wanted, result, plan, extras)
        if out_dir is not None:
            make_directory(out_dir)  # only now: a failed audit leaves no empty directory
            for fmt in formats or wanted:
                write_output(out_dir / FILE_NAMES[fmt], rendered[fmt])
        if archive_url:
            files = {FILE_NAMES[f]: text.encode("utf-8") for f, text in rendered.items()}
            files["plan.json"] = plan.to_json().encode("utf-8")
            receipt = _archive(archive_url, endpoint_url, files, plan.stack, spec.environment)
            click.echo(
                f"archived {len(files)} file(s) to {archive_url} "
                f"(#{receipt.get('sequence')}, manifest {receipt.get('manifest_sha256')})",
                err=True,
            )

    if as_json:
        click.echo(render_reports(("json",), result, plan, extras)["json"], nl=False)
        stdout_format = "json"
    elif out_dir is None and formats and formats[0] != "text":
        stdout_format = formats[0]
        click.echo(render_reports((stdout_format,), result, plan, extras)[stdout_format], nl=False)
    else:
        from cli.reports.text import renderables

        stdout_format = "text"
        out = console()
        for item in renderables(result, extras):
            out.print(item)
    if stdout_format != "text":
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
    if result.blocking:
        raise click.exceptions.Exit(exit_codes.MANDATORY_FINDINGS)
