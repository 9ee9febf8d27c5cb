"""Monthly cost against monthly traffic for every bandwidth option, as PNG or SVG.

matplotlib is imported here only (never on the CLI's start-up path), with the Agg backend
and no pyplot global state. SVG output is deterministic: a fixed hash salt for element ids
and no date in the metadata; PNG carries no software/date metadata either.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cli.cost.bandwidth import Decision, Option
from cli.cost.estimate import gb, grouped
from cli.files import write_atomic
from stacks.errors import InputError

FORMATS = {".png": "png", ".svg": "svg"}
# Metadata left out so the same chart gives the same bytes.
_NO_DATE: dict[str, dict[str, None]] = {
    "svg": {"Date": None, "Creator": None},
    "png": {"Software": None},
}


def x_limit(decision: Decision) -> Decimal:
    """Far enough right to show the expected traffic and every switch of the cheapest option."""
    marks = [decision.usage.traffic_gb * 2, Decimal(100)]
    marks += [s.traffic_gb * Decimal("1.25") for s in decision.switches]
    marks += [
        b.traffic_gb * Decimal("1.1")
        for b in decision.break_evens
        if b.traffic_gb is not None and "+plan:" not in b.right
    ]
    return max(marks).quantize(Decimal(1))


def _points(option: Option, limit: Decimal) -> tuple[list[float], list[float]]:
    xs = sorted({Decimal(0), min(option.allowance, limit), limit})
    return [float(x) for x in xs], [float(option.cost(x)) for x in xs]


def render_chart(
    decision: Decision, title: str, formats: tuple[str, ...] = ("svg", "png")
) -> dict[str, bytes]:
    """The chart in each of ``formats`` (``write_chart`` asks for one; tests for both)."""
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    limit = x_limit(decision)
    with matplotlib.rc_context({"svg.hashsalt": "llz-cost", "svg.fonttype": "path"}):
        figure = Figure(figsize=(10, 6), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot(1, 1, 1)
        main = [o for o in decision.options if "+plan:" not in o.key]
        plans = [o for o in decision.options if "+plan:" in o.key]
        for option in main:
            xs, ys = _points(option, limit)
            style = "-" if option.feasible else ":"
            width = 2.5 if option.key == decision.configured else 1.6
            axes.plot(xs, ys, style, linewidth=width, label=option.label)
        for option in plans:
            xs, ys = _points(option, limit)
            axes.plot(xs, ys, "--", linewidth=0.8, alpha=0.6, label=option.label)
        for switch in decision.switches:
            if switch.traffic_gb > limit:
                continue
            x = switch.traffic_gb
            y = next(o for o in decision.options if o.key == switch.cheaper_above).cost(x)
            axes.plot([float(x)], [float(y)], "o", color="black", markersize=6)
            axes.annotate(
                gb(x),
                (float(x), float(y)),
                textcoords="offset points",
                xytext=(6, -12),
                fontsize=8,
            )
        for be in decision.break_evens:
            if be.traffic_gb is None or be.traffic_gb > limit or "+plan:" in be.right:
                continue
            y = next(o for o in decision.options if o.key == be.left).cost(be.traffic_gb)
            axes.plot([float(be.traffic_gb)], [float(y)], "x", color="dimgray", markersize=7)
        traffic = float(decision.usage.traffic_gb)
        axes.axvline(traffic, color="gray", linewidth=1, linestyle="-.")
        axes.annotate(
            f"expected {grouped(decision.usage.traffic_gb)} GB",
            (traffic, 0),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
            color="gray",
        )
        axes.set_xlim(0, float(limit))
        axes.set_ylim(bottom=0)
        axes.set_xlabel("Monthly outbound traffic (GB)")
        axes.set_ylabel(f"Monthly cost ({decision.currency})")
        axes.set_title(title, fontsize=10)
        axes.grid(True, linewidth=0.3)
        axes.legend(fontsize=7, loc="upper left", ncol=2)
        figure.tight_layout()
        out: dict[str, bytes] = {}
        for fmt in formats:
            buffer = io.BytesIO()
            figure.savefig(buffer, format=fmt, metadata=_NO_DATE[fmt])
            out[fmt] = buffer.getvalue()
    return out


def chart_bytes(decision: Decision, title: str, fmt: str) -> bytes:
    return render_chart(decision, title, (fmt,))[fmt]


def chart_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError.single(str(path), "", "--chart needs a file name ending in .png or .svg")
    return fmt


def write_chart(path: Path, decision: Decision, title: str) -> None:
    write_atomic(path, chart_bytes(decision, title, chart_format(path)))
