"""A Plan as a table of resources grouped by component."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.output import short_type
from cli.plan import Plan, PlannedResource


def group_by_component(plan: Plan) -> dict[str, list[PlannedResource]]:
    """Custom resources under the name of their component ("(stack)" for top-level ones)."""
    groups: dict[str, list[PlannedResource]] = defaultdict(list)
    for resource in plan.custom_resources():
        component = plan.component_of(resource)
        label = f"{component.name} ({component.type})" if component else "(stack)"
        groups[label].append(resource)
    return dict(sorted(groups.items()))


def render_plan(plan: Plan, console: Console) -> None:
    """Each component as a heading row with its resources under it. Three columns leave
    room for whole names at 80 columns; what still does not fit folds onto the next line,
    never cut off."""
    table = Table(
        title=f"Plan for {plan.project}/{plan.stack} ({plan.engine} engine)",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("Resource", overflow="fold")
    table.add_column("Type", overflow="fold")
    table.add_column("Protect", justify="center", no_wrap=True)
    for label, resources in group_by_component(plan).items():
        table.add_row(Text(label, style="bold"), "", "")
        for i, resource in enumerate(resources):
            table.add_row(
                Text(f"  {resource.name}"),
                Text(short_type(resource.type)),
                "yes" if resource.protect else "",
                end_section=i == len(resources) - 1,
            )
    console.print(table)
    counts = Counter(r.custom for r in plan.resources)
    protected = sum(1 for r in plan.resources if r.protect)
    console.print(
        f"{counts[True]} resources in {counts[False]} components; {protected} protected."
    )
