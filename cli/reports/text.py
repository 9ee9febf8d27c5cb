"""The terminal report: rich tables, coloured by severity (plain with --no-color or in files)."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cli.audit.summary import (
    NO_EXTRAS,
    Extras,
    by_severity,
    findings_per_rule,
    rule_status,
    verdict,
)
from cli.findings import AuditResult, Finding
from cli.output import short_type

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
ACTION_STYLE = {"add": "green", "remove": "red", "replace": "magenta", "change": "yellow"}


def _finding_table(findings: tuple[Finding, ...]) -> Table:
    table = Table(title="Findings", title_justify="left", expand=False)
    table.add_column("Severity", overflow="fold")
    table.add_column("Rule", no_wrap=True)
    table.add_column("Resource", overflow="fold")
    table.add_column("Problem", overflow="fold")
    table.add_column("Enforcement", overflow="fold")
    for f in findings:
        table.add_row(
            Text(f.severity.upper(), style=SEVERITY_STYLE[f.severity]),
            f.rule_id,
            Text(f"{f.resource_name}\n{short_type(f.resource_type)}"),
            Text(f.message),
            f.enforcement,
        )
    return table


def _suppressed_list(findings: tuple[Finding, ...]) -> RenderableType:
    """Suppressed findings as paragraphs, so the justification reads as one sentence."""
    lines: list[RenderableType] = [Text("Suppressed findings", style="bold underline")]
    for f in findings:
        line = Text()
        line.append(f.severity.upper(), style=SEVERITY_STYLE[f.severity])
        line.append(f" {f.rule_id} {f.resource_name} ({short_type(f.resource_type)}): ")
        line.append(f.message)
        lines.append(line)
        # Indented as a block, so a long justification wraps under itself, not at column 0.
        note = Text(f"suppressed: {f.justification or ''}", style="dim")
        lines.append(Padding(note, (0, 0, 0, 2), expand=False))
    return Group(*lines)


def renderables(result: AuditResult, extras: Extras = NO_EXTRAS) -> list[RenderableType]:
    """The report as rich renderables (the CLI prints them to a colour-aware console)."""
    out: list[RenderableType] = []
    head = (
        f"Audit of {result.project}/{result.stack} ({result.environment}, {result.engine} "
        f"engine): {result.resources_checked} resources, {len(result.rules)} rules"
    )
    if extras.generated_at:
        head += f", {extras.generated_at}"
    out.append(Text(head, style="bold"))
    counts = by_severity(result.active)
    out.append(
        Text(
            "Findings: "
            + ", ".join(f"{n} {sev}" for sev, n in counts.items())
            + f"; {len(result.blocking)} blocking; {len(result.suppressed)} suppressed"
        )
    )
    if result.active:
        out.append(_finding_table(result.active))
        fixes = Table.grid(padding=(0, 1))
        seen: set[str] = set()
        for f in result.active:
            if f.rule_id not in seen:
                seen.add(f.rule_id)
                fixes.add_row(Text(f.rule_id, style="bold"), Text(f.remediation))
        out.append(Group(Text("How to fix", style="bold underline"), fixes))
    if result.suppressed:
        out.append(_suppressed_list(result.suppressed))
    per_rule = findings_per_rule(result)
    rules = Table(title="Rules", title_justify="left")
    rules.add_column("Rule", no_wrap=True)
    rules.add_column("Severity", overflow="fold")
    rules.add_column("Title", overflow="fold")
    rules.add_column("Result", overflow="fold")
    for rule in result.rules:
        failing = per_rule.get(rule.id, 0)
        rules.add_row(
            rule.id,
            Text(rule.severity, style=SEVERITY_STYLE[rule.severity]),
            rule.title,
            Text(rule_status(result, rule.id), style="red" if failing else "green"),
        )
    out.append(rules)
    for warning in extras.warnings:
        out.append(Text(f"warning: {warning}", style="yellow"))
    if extras.diff is not None:
        out.append(_diff_table(extras))
    out.append(Text(verdict(result), style="bold red" if result.blocking else "bold green"))
    return out


def _diff_table(extras: Extras) -> RenderableType:
    diff = extras.diff
    assert diff is not None
    title = f"Changes from {escape(diff.left_label)} to {escape(diff.right_label)}"
    if diff.empty:
        return Text(f"{title}: none")
    table = Table(title=title, title_justify="left")
    table.add_column("Action", overflow="fold")
    table.add_column("Resource", overflow="fold")
    table.add_column("Properties", overflow="fold")
    for change in diff.changes:
        shown = change.properties[:8] if change.action in ("change", "replace") else ()
        props = "\n".join(f"{p.path}: {p.old!r} -> {p.new!r}" for p in shown)
        if shown and len(change.properties) > 8:
            props += f"\n... {len(change.properties) - 8} more"
        table.add_row(
            Text(change.action, style=ACTION_STYLE.get(change.action, "")),
            Text(f"{change.name}\n{short_type(change.type)}"),
            Text(props),
        )
    return table


def render_text(
    result: AuditResult, extras: Extras = NO_EXTRAS, *, color: bool = False, width: int = 120
) -> str:
    """The report as a string: plain for report.txt, ANSI-coloured when ``color``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=False,
    )
    for item in renderables(result, extras):
        console.print(item)
    return buffer.getvalue()
