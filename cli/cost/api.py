"""What `llz diff` asks of the cost module: how much a change adds or saves per month."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli.cost.estimate import Estimate, Usage, estimate, region_of
from cli.cost.prices import load_prices
from cli.cost.usage import UsageSource
from cli.plan import Plan
from stacks.errors import InputError


@dataclass(frozen=True)
class CostDelta:
    """Monthly totals of two plans and, per resource URN, the old and new monthly cost.

    ``per_resource`` lists every priced resource whose monthly cost differs (a resource
    only on one side counts 0 on the other); ``not_priced`` lists URNs without a price line
    on either side, which the totals leave out. When the plans are two environments, URNs
    are compared with the environment name normalised (as `llz diff` does). ``usage`` says,
    per side, which expected traffic and peak it was priced with and where they were read
    (empty when the caller gave none).
    """

    currency: str
    left_total: Decimal
    right_total: Decimal
    delta: Decimal
    per_resource: tuple[tuple[str, Decimal, Decimal], ...]
    not_priced: tuple[str, ...] = ()
    usage: tuple[UsageSource, ...] = ()

    @property
    def usage_note(self) -> str | None:
        """One clause for the cost line: the usage of each side, and where it is from."""
        if not self.usage:
            return None
        if all(u.usage is None for u in self.usage):
            reasons = "; ".join(f"{u.side}: {u.note}" for u in self.usage)
            return f"traffic not included ({reasons})"
        return "traffic and peak as `llz cost` takes them: " + "; ".join(
            u.describe() for u in self.usage
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "leftTotal": str(self.left_total),
            "rightTotal": str(self.right_total),
            "delta": str(self.delta),
            "perResource": [
                {"urn": urn, "old": str(old), "new": str(new)}
                for urn, old, new in self.per_resource
            ],
            "notPriced": list(self.not_priced),
            "usage": [u.to_dict() for u in self.usage],
        }


def _renamers(left: Plan, right: Plan) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """URN keys: as they are for one stack, environment-normalised for two (as `llz diff`)."""
    if left.stack == right.stack:
        return (lambda urn: urn), (lambda urn: urn)
    from cli.diff_engine import ENV_PLACEHOLDER

    def renamer(stack: str) -> Callable[[str], str]:
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(stack)}(?![A-Za-z0-9])")
        return lambda urn: pattern.sub(ENV_PLACEHOLDER, urn)

    return renamer(left.stack), renamer(right.stack)


def _monthly(result: Estimate, rename: Callable[[str], str]) -> tuple[dict[str, Decimal], set[str]]:
    priced: dict[str, Decimal] = {}
    missing: set[str] = set()
    for cost in result.resources:
        monthly = cost.monthly
        if monthly is None:
            missing.add(rename(cost.urn))
        else:
            priced[rename(cost.urn)] = monthly
    return priced, missing


def monthly_cost_delta(
    left: Plan,
    right: Plan,
    price_file: Path | None = None,
    usage: Usage | None = None,
    sides: tuple[UsageSource, UsageSource] | None = None,
) -> CostDelta:
    """Price both plans with the same table.

    ``usage`` prices traffic-metered charges of both plans with one expected traffic and
    peak; ``sides`` gives each plan its own (as `llz cost` would price that environment) and
    overrides ``usage``. Without either, traffic is left out and a 95th-percentile package
    counts only its minimum commitment.
    """
    left_usage, right_usage = (usage, usage) if sides is None else (s.usage for s in sides)
    table = load_prices(price_file)
    left_prices = table.region(region_of(left, f"plan {left.stack}"))
    right_prices = table.region(region_of(right, f"plan {right.stack}"))
    if left_prices.currency != right_prices.currency:
        raise InputError.single(
            table.source,
            "regions",
            f"{left_prices.region} is priced in {left_prices.currency} and "
            f"{right_prices.region} in {right_prices.currency}; cannot subtract",
        )
    rename_left, rename_right = _renamers(left, right)
    old, old_missing = _monthly(estimate(left, left_prices, left_usage), rename_left)
    new, new_missing = _monthly(estimate(right, right_prices, right_usage), rename_right)
    zero = Decimal(0)
    rows = tuple(
        (urn, old.get(urn, zero), new.get(urn, zero))
        for urn in sorted(set(old) | set(new))
        if old.get(urn, zero) != new.get(urn, zero)
    )
    left_total = sum(old.values(), zero)
    right_total = sum(new.values(), zero)
    return CostDelta(
        left_prices.currency,
        left_total,
        right_total,
        right_total - left_total,
        rows,
        tuple(sorted(old_missing | new_missing)),
        () if sides is None else sides,
    )
