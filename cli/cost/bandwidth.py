"""The bandwidth decision: which way of paying for the ingress bandwidth is cheapest.

Every option's monthly cost is a function of the monthly outbound traffic T (GB) of one
shape::

    cost(T) = fixed + rate * max(T - allowance, 0)

- EIP pay-by-traffic: fixed 0, rate = price per GB, allowance = the free quota (CDT);
- pay-by-traffic plus a prepaid data transfer plan of S GB: fixed = the plan's price,
  same rate, allowance = free quota + S;
- EIP pay-by-bandwidth, shared package pay-by-bandwidth and pay-by-95th-percentile: a
  fixed monthly amount for the peak bandwidth P (rate 0; the traffic is not metered).

Two such functions are linear between their allowances, so where they are equal (the
break-even traffic) is solved exactly on each segment: on a segment where
``cost_a(T) = a0 + a1*T`` and ``cost_b(T) = b0 + b1*T``, ``T* = (b0 - a0) / (a1 - b1)``.
For a fixed option C against pay-by-traffic that is ``T* = allowance + (C - fixed) / rate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cli.cost.estimate import (
    FIVE,
    Usage,
    eip_bandwidth_figures,
    gb,
    grouped,
    money,
    per_day_to_month,
    plain,
)
from cli.cost.prices import Figure, RegionPrices, natural_key

ZERO = Decimal(0)
GB = Decimal("0.01")
# GB (10^9 bytes) that 1 Mbps carries in a 730-hour month: 730 * 3600 / 8 / 1000.
GB_PER_MBPS_MONTH = Decimal("328.5")
PERCENT = Decimal("0.1")
EIP_TRAFFIC_MAX_MBPS = Decimal(200)  # a PayByTraffic EIP is capped at 200 Mbps
PACKAGE_MIN_MBPS = Decimal(2)  # Internet Shared Bandwidth: 2 to 5000 Mbps
DEFAULT_PAYBY95_RATIO = Decimal(20)  # minimum percentage (ALIYUN::VPC::CommonBandwidthPackage)


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    fixed: Decimal
    rate: Decimal
    allowance: Decimal
    figures: tuple[Figure, ...]
    feasible: bool = True
    note: str = ""
    billed_mbps: Decimal | None = None  # what a fixed option bills, whatever the traffic

    def cost(self, traffic_gb: Decimal) -> Decimal:
        return self.fixed + self.rate * max(traffic_gb - self.allowance, ZERO)

    @property
    def choice(self) -> str:
        """The stack setting this option corresponds to (plans are pay-by-traffic)."""
        return self.key.split("+", 1)[0]

    def formula(self) -> str:
        if self.rate == 0:
            return plain(self.fixed)
        head = f"{plain(self.fixed)} + " if self.fixed else ""
        return f"{head}{plain(self.rate)} * max(T - {plain(self.allowance)}, 0)"


@dataclass(frozen=True)
class BreakEven:
    left: str
    right: str
    traffic_gb: Decimal | None
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "trafficGb": None if self.traffic_gb is None else str(self.traffic_gb),
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Switch:
    """Where the cheapest option changes as traffic grows."""

    traffic_gb: Decimal
    cheaper_below: str
    cheaper_above: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "trafficGb": str(self.traffic_gb),
            "cheaperBelow": self.cheaper_below,
            "cheaperAbove": self.cheaper_above,
        }


@dataclass(frozen=True)
class Decision:
    currency: str
    usage: Usage
    configured: str
    options: tuple[Option, ...]
    break_evens: tuple[BreakEven, ...]
    switches: tuple[Switch, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def monthly(self, option: Option) -> Decimal:
        return money(option.cost(self.usage.traffic_gb))

    def ranking(self) -> tuple[Option, ...]:
        order = {o.key: i for i, o in enumerate(self.options)}
        return tuple(
            sorted(
                self.options,
                key=lambda o: (not o.feasible, self.monthly(o), order[o.key]),
            )
        )

    @property
    def cheapest(self) -> Option:
        return self.ranking()[0]

    @property
    def configured_option(self) -> Option | None:
        return next((o for o in self.options if o.key == self.configured), None)

    @property
    def configured_is_cheapest(self) -> bool:
        """The configured charge type is the cheapest way to pay (a data transfer plan
        bought on top of pay-by-traffic does not change the stack's charge type)."""
        option = self.configured_option
        if option is None or not option.feasible:
            return False
        return self.cheapest.choice == option.key or self.monthly(option) <= self.monthly(
            self.cheapest
        )

    @property
    def saving(self) -> Decimal:
        option = self.configured_option
        if option is None:
            return ZERO
        return max(self.monthly(option) - self.monthly(self.cheapest), ZERO)

    def to_dict(self) -> dict[str, Any]:
        configured = self.configured_option
        return {
            "currency": self.currency,
            "trafficGb": str(self.usage.traffic_gb),
            "peakMbps": str(self.usage.peak_mbps),
            "configured": self.configured,
            "configuredMonthly": None if configured is None else str(self.monthly(configured)),
            "configuredIsCheapest": self.configured_is_cheapest,
            "configuredIsPossible": configured is not None and configured.feasible,
            "cheapest": self.cheapest.key,
            "cheapestMonthly": str(self.monthly(self.cheapest)),
            "monthlySaving": str(self.saving),
            "options": [
                {
                    "key": o.key,
                    "label": o.label,
                    "monthly": str(self.monthly(o)),
                    "formula": o.formula(),
                    "feasible": o.feasible,
                    "note": o.note,
                    "usesAssumption": any(f.assumption for f in o.figures),
                    "priceKeys": [f.key for f in o.figures],
                }
                for o in self.ranking()
            ],
            "breakEvens": [b.to_dict() for b in self.break_evens],
            "switches": [s.to_dict() for s in self.switches],
            "warnings": list(self.warnings),
            "why": self.why(),
        }

    def option(self, key: str) -> Option:
        return next(o for o in self.options if o.key == key)

    def metered_to_fixed(self) -> Switch | None:
        """The switch in ``switches`` where paying by traffic stops being the cheapest.

        Every metered option (pay-by-traffic, with or without a data transfer plan) grows
        with the traffic and every fixed one does not, so once a fixed option is the
        cheapest it stays so: there is at most one such switch.
        """
        return next(
            (
                s
                for s in self.switches
                if self.option(s.cheaper_below).rate > 0 and self.option(s.cheaper_above).rate == 0
            ),
            None,
        )

    def why(self) -> str | None:
        """Why paying by traffic is (or is not) cheaper than fixed bandwidth at this traffic.

        Fixed bandwidth bills its Mbps all month whatever flows; pay-by-traffic bills the
        GB. So the decision rests on the average utilisation: the expected traffic as an
        average rate, against the Mbps the fixed option bills. The figures come from
        ``switches`` (the "cheapest option by traffic" list): the traffic where the cheapest
        option changes from a metered one to a fixed one, and that fixed option, which is
        the cheapest at any traffic above it. The configured option is named when it is a
        different fixed option, with what that costs.
        """
        metered = next((o for o in self.options if o.key == "eip:PayByTraffic"), None)
        switch = self.metered_to_fixed()
        if metered is None or not metered.feasible or switch is None:
            return None
        below, above = self.option(switch.cheaper_below), self.option(switch.cheaper_above)
        billed = above.billed_mbps or ZERO
        if billed <= 0:
            return None
        traffic, even = self.usage.traffic_gb, switch.traffic_gb

        def average(value: Decimal) -> str:
            mbps = value / GB_PER_MBPS_MONTH
            return f"{mbps.quantize(GB)} Mbps, {(mbps / billed * 100).quantize(PERCENT)}%"

        def amount(option: Option) -> str:
            return f"{self.monthly(option):,.2f} {self.currency}"

        text = (
            f"{grouped(traffic)} GB a month averages {average(traffic)} of the {billed} Mbps "
            f"that {above.key} bills all month for {amount(above)} (the cheapest fixed "
            f"option). Paying by traffic is cheaper up to {gb(even)} a month "
            f"({average(even)}; {below.key} just below it), {above.key} above, as in the "
            "cheapest option by traffic."
        )
        if below.key != metered.key:
            plain_even = crossings(metered, above)
            if plain_even:
                text += (
                    f" {metered.key} without a data transfer plan breaks even with "
                    f"{above.key} at {gb(plain_even[0])}."
                )
        configured = self.configured_option
        if (
            configured is not None
            and configured.feasible
            and configured.rate == 0
            and configured.key != above.key
        ):
            if self.monthly(configured) > self.monthly(above):
                text += (
                    f" The configured {configured.key} ({amount(configured)}) costs more than "
                    f"{above.key} at any traffic: it is never the cheapest."
                )
            else:
                text += (
                    f" The configured {configured.key} costs the same "
                    f"({amount(configured)}) as {above.key}."
                )
        return text + (
            " Alibaba Cloud's EIP pricing page: pay-by-traffic suits an average utilisation "
            "below 20%, fixed bandwidth above 35%."
        )

    def figures(self) -> tuple[Figure, ...]:
        seen = {f.key: f for o in self.options for f in o.figures}
        return tuple(seen[k] for k in sorted(seen, key=natural_key))


def build_options(
    prices: RegionPrices,
    usage: Usage,
    package_mbps: Decimal | None = None,
    ratio: Decimal = DEFAULT_PAYBY95_RATIO,
) -> tuple[Option, ...]:
    """Every way to pay for the ingress bandwidth, for a peak of ``usage.peak_mbps``."""
    per_gb = prices.required("eip", "payByTraffic", "perGb")
    free = prices.required("eip", "payByTraffic", "freeGbPerMonth")
    peak = max(usage.peak_mbps.to_integral_value(rounding=ROUND_CEILING), Decimal(1))
    traffic_ok = usage.peak_mbps <= EIP_TRAFFIC_MAX_MBPS
    traffic_note = "" if traffic_ok else f"peak above the {EIP_TRAFFIC_MAX_MBPS} Mbps cap"
    options = [
        Option(
            "eip:PayByTraffic",
            "EIP pay-by-traffic",
            ZERO,
            per_gb.value,
            free.value,
            (per_gb, free),
            traffic_ok,
            traffic_note,
        )
    ]
    parts = eip_bandwidth_figures(prices, peak)
    options.append(
        Option(
            "eip:PayByBandwidth",
            f"EIP pay-by-bandwidth {peak} Mbps",
            sum((q * per_day_to_month(f.value) for _, q, f in parts), ZERO),
            ZERO,
            ZERO,
            tuple(f for _, _, f in parts),
            note="first 5 Mbps and the rest at different rates" if peak > FIVE else "",
            billed_mbps=peak,
        )
    )
    shared = prices.required("sharedPackage", "payByBandwidth", "perMbpsDay")
    package_peak = max(peak, PACKAGE_MIN_MBPS)
    options.append(
        Option(
            "sharedPackage:PayByBandwidth",
            f"shared bandwidth pay-by-bandwidth {package_peak} Mbps",
            package_peak * per_day_to_month(shared.value),
            ZERO,
            ZERO,
            (shared,),
            billed_mbps=package_peak,
        )
    )
    p95 = prices.required("sharedPackage", "payBy95", "perMbpsDay")
    size = max(package_mbps or ZERO, package_peak)
    floor = size * ratio / 100
    billed = max(package_peak, floor)
    options.append(
        Option(
            "sharedPackage:PayBy95",
            f"shared bandwidth pay-by-95th-percentile ({size} Mbps package)",
            billed * per_day_to_month(p95.value),
            ZERO,
            ZERO,
            (p95,),
            note=f"bills max(peak {package_peak}, {ratio}% of {size}) = {billed} Mbps",
            billed_mbps=billed,
        )
    )
    for plan in prices.plans:
        options.append(
            Option(
                f"eip:PayByTraffic+plan:{plan.size_gb}GB",
                f"EIP pay-by-traffic + {plan.size_gb} GB data transfer plan",
                plan.price.value,
                per_gb.value,
                free.value + plan.size_gb,
                (per_gb, free, plan.price),
                traffic_ok,
                traffic_note,
            )
        )
    return tuple(options)


def decide(
    prices: RegionPrices,
    usage: Usage,
    configured: str,
    package_mbps: Decimal | None = None,
    ratio: Decimal = DEFAULT_PAYBY95_RATIO,
) -> Decision:
    options = build_options(prices, usage, package_mbps, ratio)
    warnings: list[str] = []
    capacity = usage.peak_mbps * GB_PER_MBPS_MONTH
    if usage.traffic_gb > capacity:
        warnings.append(
            f"{grouped(usage.traffic_gb)} GB a month needs more than {grouped(usage.peak_mbps)}"
            f" Mbps on average ({gb(capacity)} at most); the fixed-bandwidth options could not"
            " carry it"
        )
    main = [o for o in options if "+plan:" not in o.key]
    pairs = [(a, b) for i, a in enumerate(main) for b in main[i + 1 :]]
    pairs += [(main[0], o) for o in options if "+plan:" in o.key]
    return Decision(
        prices.currency,
        usage,
        configured,
        options,
        tuple(_break_even(a, b) for a, b in pairs),
        switches(options),
        tuple(warnings),
    )


def crossings(a: Option, b: Option) -> list[Decimal]:
    """Every traffic T >= 0 at which ``a`` and ``b`` cost the same and then trade places."""
    points = sorted({ZERO, a.allowance, b.allowance})
    found: list[Decimal] = []
    for i, low in enumerate(points):
        high = points[i + 1] if i + 1 < len(points) else None
        # On [low, high] each cost is linear: c0 + c1 * T.
        a1 = a.rate if low >= a.allowance else ZERO
        b1 = b.rate if low >= b.allowance else ZERO
        a0 = a.cost(low) - a1 * low
        b0 = b.cost(low) - b1 * low
        if a1 == b1:
            continue
        t = (b0 - a0) / (a1 - b1)
        if t < low or (high is not None and t > high):
            continue
        before, after = t - GB, t + GB
        if t > 0 and (a.cost(before) - b.cost(before)) * (a.cost(after) - b.cost(after)) < 0:
            t = t.quantize(GB)
            if t not in found:
                found.append(t)
    return found


def _break_even(a: Option, b: Option) -> BreakEven:
    points = crossings(a, b)
    if not points:
        low = a if a.cost(ZERO) <= b.cost(ZERO) else b
        if a.rate == b.rate == 0:
            why = "both fixed: the difference does not depend on traffic"
        else:
            why = f"{low.key} is cheaper at every traffic"
        return BreakEven(a.key, b.key, None, f"none: {why}")
    t = points[0]
    fixed, metered = (a, b) if a.rate == 0 else (b, a)
    if fixed.rate == 0 and metered.rate > 0:
        explanation = (
            f"T = {plain(metered.allowance)} + ({plain(fixed.fixed)} - {plain(metered.fixed)})"
            f" / {plain(metered.rate)} = {gb(t)}"
        )
    else:
        explanation = f"{a.formula()} = {b.formula()} at T = {gb(t)}"
    return BreakEven(a.key, b.key, t, explanation)


def cheapest_at(options: Sequence[Option], traffic_gb: Decimal) -> Option:
    feasible = [o for o in options if o.feasible] or list(options)
    return min(feasible, key=lambda o: o.cost(traffic_gb))  # first wins ties: stable


def switches(options: Sequence[Option]) -> tuple[Switch, ...]:
    """The traffic values where the cheapest (feasible) option changes."""
    feasible = [o for o in options if o.feasible] or list(options)
    candidates = sorted(
        {t for i, a in enumerate(feasible) for b in feasible[i + 1 :] for t in crossings(a, b)}
    )
    result: list[Switch] = []
    current = cheapest_at(feasible, ZERO)
    for t in candidates:
        after = cheapest_at(feasible, t + GB)
        if after.key != current.key:
            result.append(Switch(t, current.key, after.key))
            current = after
    return tuple(result)
