"""One cost report: the estimate, the bandwidth decision and the assumptions behind them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cli.cost.bandwidth import DEFAULT_PAYBY95_RATIO, Decision, decide
from cli.cost.estimate import Estimate, Usage, estimate, number, region_of
from cli.cost.prices import Figure, PriceTable, natural_key
from cli.plan import Plan

FORMAT = "llz.cost/v1"
MILLIONTH = Decimal("0.000001")


@dataclass(frozen=True)
class CostReport:
    environment: str
    price_version: str
    price_source: str
    estimate: Estimate
    decision: Decision

    @property
    def currency(self) -> str:
        return self.estimate.currency

    def figures(self) -> tuple[Figure, ...]:
        seen = {f.key: f for f in (*self.estimate.figures(), *self.decision.figures())}
        return tuple(seen[k] for k in sorted(seen, key=natural_key))

    def assumptions(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures() if f.assumption)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "environment": self.environment,
            "prices": {"version": self.price_version, "source": self.price_source},
            "estimate": self.estimate.to_dict(),
            "bandwidth": self.decision.to_dict(),
            "assumptions": [f.to_dict() for f in self.assumptions()],
        }


def decimal(value: float | int | str | Decimal) -> Decimal:
    """A Decimal without float noise, to a millionth, never shown with an exponent:
    60.0 -> 60, 12.5 -> 12.5, 1e-9 -> 0 (not 1E-9)."""
    result = Decimal(str(value)).quantize(MILLIONTH)
    if result == result.to_integral_value():
        return result.quantize(Decimal(1))
    return result.normalize()


def package_ratio(plan: Plan) -> Decimal:
    """The PayBy95 minimum percentage of the plan's bandwidth package (20 when absent)."""
    for resource in plan.custom_resources():
        if resource.type.startswith("alicloud:vpc/commonBandwithPackage:"):
            ratio = number(resource.inputs.get("ratio"))
            if ratio is not None and ratio > 0:
                return ratio
    return DEFAULT_PAYBY95_RATIO


def build_report(
    plan: Plan,
    environment: str,
    table: PriceTable,
    usage: Usage,
    configured: str,
    package_mbps: Decimal | None = None,
    region: str | None = None,
    price_source: str = "shipped",
) -> CostReport:
    name = region or region_of(plan, f"plan of {environment}")
    prices = table.region(name)
    return CostReport(
        environment,
        table.version,
        price_source,
        estimate(plan, prices, usage),
        decide(prices, usage, configured, package_mbps, package_ratio(plan)),
    )
