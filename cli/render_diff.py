"""A PlanDiff for people (rich text, Markdown for a PR comment) and machines (JSON data).

Values are shown as JSON (strings quoted); secrets are always "[secret]", and a secret known
to have changed reads ``[secret] -> [secret] (changed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from cli.diff_engine import forces_replacement
from cli.diffs import Action, PlanDiff, PropertyChange, ResourceChange
from cli.output import short_type
from cli.render_values import MAX_VALUE
from cli.render_values import format_change as change_text

if TYPE_CHECKING:
    from rich.console import Console

SYMBOLS: dict[str, str] = {"add": "+", "remove": "-", "change": "~", "replace": "±"}
STYLES: dict[str, str] = {
    "add": "green",
    "remove": "red",
    "change": "yellow",
    "replace": "magenta",
}
ACTIONS: tuple[Action, ...] = ("add", "remove", "replace", "change")


class CostDeltaLike(Protocol):
    """What `cli.cost.api.monthly_cost_delta` returns (read by attribute)."""

    @property
    def currency(self) -> str: ...
    @property
    def left_total(self) -> Decimal: ...
    @property
    def right_total(self) -> Decimal: ...
    @property
    def delta(self) -> Decimal: ...
    @property
    def per_resource(self) -> Sequence[tuple[str, Decimal, Decimal]]: ...


def format_change(prop: PropertyChange, limit: int | None = MAX_VALUE) -> str:
    return change_text(prop.old, prop.new, limit)


def summary_line(diff: PlanDiff, config_changed: bool = False) -> str:
    if diff.empty:
        if config_changed:
            return "No resource differences; secret config changed (see the warnings)."
        return "No differences."
    counts = {a: diff.count(a) for a in ACTIONS}
    return (
        f"{counts['add']} to add, {counts['remove']} to remove, "
        f"{counts['replace']} to replace, {counts['change']} to change."
    )


def money(value: Decimal, currency: str, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,.2f} {currency}"


def not_priced(cost: CostDeltaLike) -> list[str]:
    """URNs the cost module could not price (left out of both totals), if it says so."""
    return sorted(str(u) for u in getattr(cost, "not_priced", ()) or ())


def cost_line(cost: CostDeltaLike) -> str:
    verb = "adds" if cost.delta > 0 else "saves" if cost.delta < 0 else "changes"
    amount = money(abs(cost.delta), cost.currency)
    tail = f"{verb} {amount} per month" if cost.delta else "no change in monthly cost"
    line = (
        f"Cost per month: {money(cost.left_total, cost.currency)} -> "
        f"{money(cost.right_total, cost.currency)} ({tail})"
    )
    missing = not_priced(cost)
    if missing:
        names = ", ".join(_urn_name(u) for u in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        line += f"; not priced, left out of the totals: {names}{more}"
    usage = getattr(cost, "usage_note", None)
    if usage:
        line += f"; {usage}"
    return line


def _cost_rows(cost: CostDeltaLike) -> list[tuple[str, Decimal, Decimal]]:
    rows = [(u, Decimal(o), Decimal(n)) for u, o, n in cost.per_resource if o != n]
    return sorted(rows, key=lambda r: (-abs(r[2] - r[1]), r[0]))


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


# ---- JSON ---------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def diff_to_dict(
    diff: PlanDiff,
    cost: CostDeltaLike | None = None,
    cost_note: str | None = None,
    warnings: Sequence[str] = (),
    config_changed: bool = False,
) -> dict[str, Any]:
    """Deterministic machine form (``llz diff --json``)."""
    data: dict[str, Any] = {
        "left": diff.left_label,
        "right": diff.right_label,
        "differences": not diff.empty or config_changed,
        "summary": {a: diff.count(a) for a in ACTIONS},
        "changes": [
            {
                "urn": c.urn,
                "type": c.type,
                "name": c.name,
                "action": c.action,
                "properties": [
                    {
                        "path": p.path,
                        "old": p.old,
                        "new": p.new,
                        "forces_replacement": c.action != "add"
                        and c.action != "remove"
                        and forces_replacement(c.type, p.path),
                    }
                    for p in c.properties
                ],
            }
            for c in diff.changes
        ],
        "cost": None,
        "warnings": list(warnings),
    }
    if cost is not None:
        data["cost"] = {
            "currency": cost.currency,
            "left_monthly": _json_value(cost.left_total),
            "right_monthly": _json_value(cost.right_total),
            "delta_monthly": _json_value(cost.delta),
            "per_resource": [
                {"urn": u, "old": _json_value(o), "new": _json_value(n)}
                for u, o, n in sorted(cost.per_resource, key=lambda r: r[0])
            ],
            "not_priced": not_priced(cost),
            "usage": [u.to_dict() for u in getattr(cost, "usage", ()) or ()],
        }
    if cost_note:
        data["cost_note"] = cost_note
    return data


# ---- text -----------------------------------------------------------------------------------


def _header(change: ResourceChange) -> str:
    line = f"  {SYMBOLS[change.action]} {short_type(change.type)}  {change.name}"
    if change.action == "replace":
        reasons = sorted(
            {p.path.split(".")[0].split("[")[0] for p in change.properties
             if forces_replacement(change.type, p.path)}
        )
        line += f"   (replaced: {', '.join(reasons)} cannot change in place)"
    return line


def render_text(
    diff: PlanDiff,
    console: Console,
    verbose: int = 0,
    cost: CostDeltaLike | None = None,
    cost_note: str | None = None,
    warnings: Sequence[str] = (),
    config_changed: bool = False,
) -> None:
    from rich.text import Text

    console.print(Text(f"llz diff: {diff.left_label} -> {diff.right_label}", style="bold"))
    for change in diff.changes:
        style = STYLES[change.action]
        console.print(Text(_header(change), style=style))
        if change.action in ("add", "remove") and not verbose:
            continue
        for prop in change.properties:
            line = Text(f"      {prop.path}: ")
            line.append(format_change(prop, None if verbose else MAX_VALUE), style=style)
            if change.action == "replace" and forces_replacement(change.type, prop.path):
                line.append("  (forces replacement)", style="bold " + style)
            console.print(line)
    console.print(Text(summary_line(diff, config_changed), style="bold"))
    for warning in warnings:
        console.print(Text(f"warning: {warning}", style="bold red"))
    if cost is not None:
        console.print(Text(cost_line(cost)))
        if verbose:
            for urn, old, new in _cost_rows(cost):
                console.print(
                    Text(
                        f"      {_urn_name(urn)}: {money(old, cost.currency)} -> "
                        f"{money(new, cost.currency)} ({money(new - old, cost.currency, True)})"
                    )
                )
    elif cost_note:
        console.print(Text(f"Cost per month: {cost_note}", style="dim"))


# ---- Markdown -------------------------------------------------------------------------------


# Characters a value could use to break out of a table cell or to be read as Markdown or
# HTML in a PR comment (emphasis, links, code spans, strike-through, @mentions): written as
# character references, which GitHub shows literally.
_MARKDOWN_SAFE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " "}
    | {c: f"&#{ord(c)};" for c in "|\\`*_[]~@"}
)


def _cell(text: str) -> str:
    return text.translate(_MARKDOWN_SAFE)


def _code(text: str) -> str:
    return f"<code>{_cell(text)}</code>"


def render_markdown(
    diff: PlanDiff,
    cost: CostDeltaLike | None = None,
    cost_note: str | None = None,
    warnings: Sequence[str] = (),
    config_changed: bool = False,
) -> str:
    """GitHub-flavoured Markdown for a pull-request comment."""
    out = [
        f"### llz diff: {_code(diff.left_label)} → {_code(diff.right_label)}",
        "",
        f"**{summary_line(diff, config_changed)}**",
        "",
    ]
    if warnings:
        out += [f"> **Warning:** {_cell(w)}  " for w in warnings] + [""]
    if cost is not None:
        out += [_cell(cost_line(cost)), ""]
    elif cost_note:
        out += [f"Cost per month: {_cell(cost_note)}", ""]
    if not diff.empty:
        out += ["| | Resource | Type | Changes |", "|---|---|---|---|"]
        for c in diff.changes:
            if c.action == "add":
                detail = "created"
            elif c.action == "remove":
                detail = "deleted"
            else:
                parts = []
                for p in c.properties:
                    forced = (
                        " **(forces replacement)**"
                        if c.action == "replace" and forces_replacement(c.type, p.path)
                        else ""
                    )
                    parts.append(f"{_code(p.path)}: {_code(format_change(p))}{forced}")
                detail = "<br>".join(parts)
            out.append(
                f"| {SYMBOLS[c.action]} {c.action} | {_code(c.name)} | "
                f"{_cell(short_type(c.type))} | {detail} |"
            )
        out.append("")
    if cost is not None:
        rows = _cost_rows(cost)
        if rows:
            out += [
                "<details><summary>Monthly cost by resource</summary>",
                "",
                f"| Resource | Before ({cost.currency}) | After ({cost.currency}) | Change |",
                "|---|---:|---:|---:|",
            ]
            out += [
                f"| {_code(_urn_name(u))} | {o:,.2f} | {n:,.2f} | {n - o:+,.2f} |"
                for u, o, n in rows
            ]
            out += ["", "</details>", ""]
    return "\n".join(out)
