"""Human-readable rendering of what the real engine reports: previews, operations,
outputs and the stacks list. Values arrive redacted; this module only formats them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cli.output import short_type
from cli.render_values import format_change, format_value

if TYPE_CHECKING:
    from rich.console import Console

    from cli.engines.automation import OperationResult
    from cli.engines.events import PreviewReport, ResourceStep

SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
STYLES = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
VERBS = {"update": "deploy"}


def summary_line(summary: Mapping[str, int]) -> str:
    return (
        f"{summary.get('create', 0)} to create, {summary.get('update', 0)} to update, "
        f"{summary.get('replace', 0)} to replace, {summary.get('delete', 0)} to delete, "
        f"{summary.get('same', 0)} unchanged"
    )


def change_lines(step: ResourceStep, show_diff: bool) -> list[str]:
    """One line per resource, then (with ``show_diff``) one per property: path: old -> new."""
    head = f"{SYMBOLS[step.action]:>2} {step.action:<8} {short_type(step.type):<34} {step.name}"
    if step.protect:
        head += "  [protected]"
    if step.action in ("update", "replace") and step.properties and not show_diff:
        head += "  (" + ", ".join(p.path for p in step.properties) + ")"
    lines = [head]
    if show_diff:
        for prop in step.properties:
            forces = "  [forces replacement]" if prop.kind.endswith("-replace") else ""
            if step.action == "create":
                lines.append(f"       {prop.path}: {format_value(prop.new)}")
            elif step.action == "delete":
                lines.append(f"       {prop.path}: {format_value(prop.old)}")
            else:
                lines.append(f"       {prop.path}: {format_change(prop.old, prop.new)}{forces}")
    return lines


def render_preview(report: PreviewReport, console: Console, title: str, show_diff: bool) -> None:
    from rich.text import Text

    console.print(Text(title, style="bold"))
    if not report.has_changes:
        console.print(Text(f"No changes ({report.summary()['same']} resources unchanged)."))
    for step in report.changes:
        for i, line in enumerate(change_lines(step, show_diff)):
            style = STYLES.get(step.action, "") if i == 0 else "dim"
            console.print(Text(line, style=style), soft_wrap=True)
    if report.has_changes:
        console.print(Text(summary_line(report.summary()), style="bold"))
    for violation in report.policy_violations:
        where = f" {violation.urn}" if violation.urn else ""
        console.print(
            Text(
                f"policy {violation.enforcement}: {violation.policy_pack}/{violation.policy}"
                f"{where}: {violation.message}",
                style="red" if violation.enforcement == "mandatory" else "yellow",
            )
        )


def render_operation(result: OperationResult, console: Console) -> None:
    from rich.text import Text

    counts = ", ".join(f"{op} {n}" for op, n in result.resource_changes.items()) or "no changes"
    verb = VERBS.get(result.operation, result.operation)
    console.print(Text(f"{verb} of {result.stack}: {result.result} ({counts})"))
    if result.protected:
        console.print(
            Text(
                f"{len(result.protected)} protected resource(s) stay protected "
                "(llz never unprotects):",
                style="yellow",
            )
        )
        for urn in result.protected:
            console.print(Text(f"  {urn}"))
    if result.outputs:
        render_outputs(result.outputs, console)


def render_outputs(outputs: Mapping[str, Any], console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    if not outputs:
        console.print("No outputs.")
        return
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("OUTPUT", no_wrap=True)
    table.add_column("VALUE", overflow="fold")
    for name, value in sorted(outputs.items()):
        shown = value if isinstance(value, str) else format_value(value)  # as pulumi prints
        table.add_row(Text(name), Text(shown))
    console.print(table)


def render_stacks(rows: Sequence[Mapping[str, Any]], console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_edge=False, pad_edge=False)
    # A long backend URL folds onto more lines rather than cutting the status short: in a
    # narrow terminal or a CI log every column must still be read in full.
    table.add_column("ENV", no_wrap=True)
    table.add_column("BACKEND", overflow="fold")
    table.add_column("LAST UPDATE", no_wrap=True)
    for row in rows:
        table.add_row(
            Text(str(row["env"])),
            Text(str(row["backend"] or "-")),
            Text(str(row["last_update_text"])),
        )
    console.print(table)
