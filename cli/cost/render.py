"""A cost report for people: a rich terminal table, or Markdown for a PR comment."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cli.cost.estimate import ResourceCost, gb, grouped
from cli.cost.report import CostReport
from cli.output import short_type

if TYPE_CHECKING:
    from rich.console import Console

MARK = "*"  # marks an amount that rests on at least one assumed price


def amount(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _monthly(cost: ResourceCost, currency: str, mark: str) -> str:
    """The monthly amount as shown, marked when it rests on an assumed price."""
    monthly = cost.monthly
    if monthly is None:
        return "not priced"
    return amount(monthly, currency) + (mark if cost.uses_assumption else "")


def _detail(cost: ResourceCost) -> str:
    parts = [i.describe(MARK) for i in cost.items]
    return "; ".join([*parts, *cost.notes])


def verdict(report: CostReport) -> str:
    d = report.decision
    cheapest = d.cheapest
    configured = d.configured_option
    if configured is None:
        return f"configured choice {d.configured} is not one of the options compared"
    if not configured.feasible:
        return (
            f"the configured choice {d.configured} is not possible ({configured.note}); "
            f"{cheapest.label} would cost {amount(d.monthly(cheapest), d.currency)} a month"
        )
    if d.configured_is_cheapest:
        text = (
            f"the configured choice {d.configured} is the cheapest way to pay at "
            f"{amount(d.monthly(configured), d.currency)} a month"
        )
        if d.saving > 0:
            text += (
                f"; adding a {cheapest.label.split(' + ', 1)[1]} saves "
                f"{amount(d.saving, d.currency)} a month"
            )
        return text
    return (
        f"the configured choice {d.configured} costs {amount(d.monthly(configured), d.currency)}"
        f" a month; {cheapest.label} would cost {amount(d.monthly(cheapest), d.currency)}"
        f" (saves {amount(d.saving, d.currency)} a month)"
    )


def render_table(report: CostReport, console: Console) -> None:
    from rich.table import Table

    e, d, cur = report.estimate, report.decision, report.currency
    title = (
        f"llz cost {report.environment}: {e.region}, {cur} per month (730 h), "
        f"prices {report.price_version}"
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Resource", overflow="fold")
    table.add_column("Type", overflow="fold")
    table.add_column("Monthly", justify="right", overflow="fold")
    table.add_column("Detail", overflow="fold")
    for cost in e.resources:
        if cost.status == "no charge":
            continue
        table.add_row(cost.name, short_type(cost.type), _monthly(cost, cur, MARK), _detail(cost))
    table.add_row("Total", "", amount(e.total, cur), "priced resources only", style="bold")
    console.print(table)
    free = sum(1 for c in e.resources if c.status == "no charge")
    console.print(f"{free} resources carry no charge of their own (VPC, rules, listeners...).")
    if e.not_priced:
        console.print(
            f"[bold]Not priced ({len(e.not_priced)}):[/bold] "
            + ", ".join(f"{c.name} ({c.notes[0]})" for c in e.not_priced)
        )

    options = Table(
        title=(
            f"Bandwidth: {grouped(d.usage.traffic_gb)} GB a month outbound, "
            f"peak {grouped(d.usage.peak_mbps)} Mbps"
        ),
        title_justify="left",
    )
    options.add_column("Option", overflow="fold")
    options.add_column("Monthly", justify="right", overflow="fold")
    options.add_column("Cost for T GB a month", overflow="fold")
    options.add_column("Note", overflow="fold")
    for option in d.ranking():
        flag = " (configured)" if option.key == d.configured else ""
        cost_text = amount(d.monthly(option), cur)
        if any(f.assumption for f in option.figures):
            cost_text += MARK
        note = option.note if option.feasible else f"not possible: {option.note}"
        style = "bold" if option.key == d.cheapest.key else None
        options.add_row(option.label + flag, cost_text, option.formula(), note, style=style)
    console.print(options)
    console.print(f"Cheapest: {d.cheapest.label}. Verdict: {verdict(report)}.")
    why = d.why()
    if why:
        console.print(f"Why: {why}")
    for warning in d.warnings:
        console.print(f"[bold]warning:[/bold] {warning}")
    if d.switches:
        console.print("Cheapest option by traffic:")
        for switch in d.switches:
            console.print(
                f"  at {gb(switch.traffic_gb)}: {switch.cheaper_below} -> {switch.cheaper_above}"
            )
    console.print("Break-even traffic:")
    for be in d.break_evens:
        console.print(f"  {be.left} vs {be.right}: {be.explanation}")
    _render_assumptions(report, console)


def _render_assumptions(report: CostReport, console: Console) -> None:
    assumed = report.assumptions()
    if not assumed:
        console.print("Every price used is sourced.")
        return
    console.print(f"{MARK} Assumed prices ({len(assumed)}), not found in public documentation:")
    for figure in assumed:
        console.print(f"  {figure.key} = {figure.value}: {figure.note}")


def render_markdown(report: CostReport) -> str:
    e, d, cur = report.estimate, report.decision, report.currency
    lines = [
        f"### Monthly cost of `{report.environment}`: {amount(e.total, cur)}",
        "",
        f"Region {e.region}, {cur} per month of 730 hours, price table {report.price_version}."
        f" Amounts marked {MARK} rest on assumed prices (listed below).",
        "",
        "| Resource | Type | Monthly | Detail |",
        "|---|---|---:|---|",
    ]
    for cost in e.resources:
        if cost.status == "no charge":
            continue
        shown = _monthly(cost, cur, f"\\{MARK}")
        lines.append(
            f"| {cost.name} | `{short_type(cost.type)}` | {shown} | {_md(_detail(cost))} |"
        )
    lines.append(f"| **Total** | | **{amount(e.total, cur)}** | priced resources only |")
    if e.not_priced:
        lines += ["", "**Not priced:** " + ", ".join(f"`{c.name}`" for c in e.not_priced)]
    lines += [
        "",
        f"#### Bandwidth: {grouped(d.usage.traffic_gb)} GB a month, "
        f"peak {grouped(d.usage.peak_mbps)} Mbps",
        "",
        f"**{verdict(report)[0].upper() + verdict(report)[1:]}.**",
        "",
    ]
    why = d.why()
    if why:
        lines += [f"Why: {_md(why)}", ""]
    lines += [
        "| Option | Monthly | Cost for T GB a month |",
        "|---|---:|---|",
    ]
    for option in d.ranking():
        label = option.label + (" (configured)" if option.key == d.configured else "")
        if option.key == d.cheapest.key:
            label = f"**{label}**"
        if not option.feasible:
            label += f" (not possible: {option.note})"
        lines.append(f"| {label} | {amount(d.monthly(option), cur)} | `{option.formula()}` |")
    if d.switches:
        lines += ["", "Cheapest option by traffic:", ""]
        lines += [
            f"- at {gb(s.traffic_gb)}: {s.cheaper_below} -> {s.cheaper_above}"
            for s in d.switches
        ]
    lines += ["", "Break-even traffic:", ""]
    lines += [f"- {be.left} vs {be.right}: {be.explanation}" for be in d.break_evens]
    lines += [f"- warning: {w}" for w in d.warnings]
    assumed = report.assumptions()
    if assumed:
        lines += ["", f"<details><summary>Assumed prices ({len(assumed)})</summary>", ""]
        lines += [f"- `{f.key}` = {f.value}: {_md(f.note or '')}" for f in assumed]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")
