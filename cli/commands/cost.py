"""`llz cost ENV`: monthly estimate of a stack and the bandwidth decision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import app_context
from cli.environments import ENV
from cli.params import FiniteFloatRange

if TYPE_CHECKING:
    from cli.cost.report import CostReport


@click.command()
@click.argument("env", type=ENV)
@click.option(
    "--prices",
    "price_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your price file (llz.prices/v1), merged over the shipped one entry by entry.",
)
@click.option(
    "--prices-replace",
    is_flag=True,
    help="Use the --prices file alone instead of merging it over the shipped table.",
)
@click.option("--region", help="Region to price in (default: from the plan's zone ids).")
@click.option(
    "--traffic-gb",
    type=FiniteFloatRange(min=0, max=10_000_000),
    help="Expected monthly outbound traffic in GB (default: bandwidth.expectedMonthlyEgressGb).",
)
@click.option(
    "--peak-mbps",
    type=FiniteFloatRange(min=0, max=100_000),
    help="Expected peak bandwidth in Mbps (default: bandwidth.expectedPeakMbps).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (llz.cost/v1).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
    help="Output format; markdown suits a pull-request comment.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw monthly cost against traffic per option to FILE (.png or .svg).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE."
)
def cost(
    env: str,
    price_file: Path | None,
    prices_replace: bool,
    region: str | None,
    traffic_gb: float | None,
    peak_mbps: float | None,
    as_json: bool,
    fmt: str,
    chart: Path | None,
    out: Path | None,
) -> None:
    """Estimate ENV's monthly cost per resource and compare the ways to pay for bandwidth.

    The estimate prices the offline plan with the shipped price table (every figure with
    its source and date; assumed figures are marked and listed). The bandwidth options
    are EIP pay-by-traffic, EIP pay-by-bandwidth, a shared bandwidth package
    (pay-by-bandwidth and pay-by-95th-percentile), and pay-by-traffic with each prepaid
    data transfer plan; the report shows the cheapest, the break-even traffic between
    options and whether the stack's configured choice is the cheapest.
    """
    if prices_replace and price_file is None:
        raise click.UsageError("--prices-replace needs --prices FILE")
    from cli.cost.chart import chart_format

    if chart is not None:
        chart_format(chart)  # refuse a bad extension before any work
    from cli.cost.prices import load_prices
    from cli.cost.report import build_report, decimal
    from cli.cost.usage import usage_of
    from cli.engines.offline import plan_offline
    from stacks.config import load_spec

    ctx = app_context()
    spec = load_spec(ctx.project_dir, env)
    table = load_prices(price_file, replace=prices_replace)
    band = spec.bandwidth
    usage = usage_of(spec, traffic_gb, peak_mbps)
    package = decimal(band.package.bandwidth_mbps) if band.package is not None else None
    report = build_report(
        plan_offline(ctx.project_dir, env),
        env,
        table,
        usage,
        band.charge_choice,
        package,
        region,
        "shipped" if price_file is None else str(price_file),
    )
    if chart is not None:
        from cli.cost.chart import write_chart

        title = f"llz cost {env}: bandwidth options ({report.currency} per month)"
        write_chart(chart, report.decision, title)
        click.echo(f"wrote {chart}", err=True)
    text = _render(report, "json" if as_json else fmt, ctx.color and out is None)
    if out is not None:
        from cli.output import write_output

        write_output(out, text)
        return
    click.echo(text, nl=False)


def _render(report: CostReport, fmt: str, color: bool) -> str:
    if fmt == "json":
        from cli.output import to_json

        return to_json(report.to_dict())
    from cli.cost.render import render_markdown, render_table

    if fmt == "markdown":
        return render_markdown(report)
    import io

    from rich.console import Console

    console = Console(
        record=True,
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        highlight=False,
        width=160,
    )
    render_table(report, console)
    return console.export_text(styles=color)
