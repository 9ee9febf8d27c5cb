"""The Markdown report, sized for a pull-request comment (GitHub/GitLab flavoured)."""

from __future__ import annotations

import re
from typing import Any

from cli.audit.summary import ACTIONS, NO_EXTRAS, Extras, by_severity, rule_status, verdict
from cli.findings import AuditResult, Finding
from cli.output import short_type

ICON = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵"}
MAX_DIFF_ROWS = 30


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (pipes, newlines and HTML neutralised)."""
    text = str(value)
    for char, replacement in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, replacement)
    return text.replace("\r", "").replace("\n", "<br>")


def code(value: Any, *, in_table: bool = True) -> str:
    """``value`` as a code span: no HTML escaping (a code span shows ``&amp;`` literally), a
    fence longer than any backtick run inside, and in a table cell its pipes escaped."""
    text = str(value).replace("\r", "").replace("\n", " ")
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _finding_rows(findings: tuple[Finding, ...], suppressed: bool) -> list[str]:
    last = "Justification" if suppressed else "Enforcement"
    rows = [
        f"| Severity | Rule | Resource | Problem | {last} |",
        "|---|---|---|---|---|",
    ]
    for f in findings:
        tail = (f.justification or "") if suppressed else f.enforcement
        rows.append(
            f"| {ICON[f.severity]} {f.severity} | `{f.rule_id}` | {code(f.resource_name)} "
            f"({cell(short_type(f.resource_type))}) | {cell(f.message)} | {cell(tail)} |"
        )
    return rows


def render_markdown(result: AuditResult, extras: Extras = NO_EXTRAS) -> str:
    status = "❌" if result.blocking else "✅"
    lines = [
        f"## {status} llz audit: `{result.project}/{result.stack}` ({result.environment})",
        "",
        f"**{cell(verdict(result))}** - {result.resources_checked} resources checked against "
        f"{len(result.rules)} rules ({result.engine} engine"
        + (f", {cell(extras.generated_at)}" if extras.generated_at else "")
        + ").",
        "",
        "| Severity | Findings |",
        "|---|---:|",
    ]
    lines += [f"| {ICON[s]} {s} | {n} |" for s, n in by_severity(result.active).items()]
    lines += [
        f"| blocking (mandatory) | {len(result.blocking)} |",
        f"| suppressed | {len(result.suppressed)} |",
        "",
    ]
    if result.active:
        lines += ["### Findings", "", *_finding_rows(result.active, False), ""]
        lines += ["<details><summary>How to fix</summary>", ""]
        seen: set[str] = set()
        for f in result.active:
            if f.rule_id not in seen:
                seen.add(f.rule_id)
                lines.append(f"- `{f.rule_id}` {cell(f.title)}: {cell(f.remediation)}")
        lines += ["", "</details>", ""]
    if result.suppressed:
        lines += ["### Suppressed findings", "", *_finding_rows(result.suppressed, True), ""]
    if extras.warnings:
        lines += ["### Warnings", ""]
        lines += [f"- ⚠️ {cell(w)}" for w in extras.warnings]
        lines.append("")
    if extras.diff is not None:
        lines += _diff_lines(extras)
    lines += [
        "<details><summary>Rules</summary>",
        "",
        "| Rule | Severity | Enforcement | Title | Result |",
        "|---|---|---|---|---|",
    ]
    for rule in result.rules:
        lines.append(
            f"| `{rule.id}` | {rule.severity} | {rule.enforcement} | {cell(rule.title)} | "
            f"{rule_status(result, rule.id)} |"
        )
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _diff_lines(extras: Extras) -> list[str]:
    diff = extras.diff
    assert diff is not None
    left, right = code(diff.left_label, in_table=False), code(diff.right_label, in_table=False)
    head = f"### Changes from {left} to {right}"
    if diff.empty:
        return [head, "", "No changes.", ""]
    counts = ", ".join(f"{diff.count(a)} {a}" for a in ACTIONS)
    lines = [head, "", counts, "", "| Action | Resource | Properties |", "|---|---|---|"]
    for change in diff.changes[:MAX_DIFF_ROWS]:
        shown = change.properties[:5] if change.action in ("change", "replace") else ()
        props = "<br>".join(
            f"{code(p.path)}: {cell(repr(p.old))} → {cell(repr(p.new))}" for p in shown
        )
        if shown and len(change.properties) > 5:
            props += f"<br>... {len(change.properties) - 5} more"
        lines.append(
            f"| {change.action} | {code(change.name)} ({cell(short_type(change.type))}) | {props} |"
        )
    if len(diff.changes) > MAX_DIFF_ROWS:
        lines.append(f"\n... and {len(diff.changes) - MAX_DIFF_ROWS} more changes")
    lines.append("")
    return lines
