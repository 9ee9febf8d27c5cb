"""Plan -> monthly estimate: one priced line per billable resource, in the region's currency.

A month is 730 hours. Resources that cost nothing of their own (VPCs, vSwitches, security
groups, listeners, accounts, alarms...) are listed as "no charge"; any other resource
without a price line is listed as "not priced" and left out of the total, never counted as 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from cli.cost.prices import Figure, RegionPrices, natural_key
from cli.plan import Plan, PlannedResource
from stacks.errors import InputError

HOURS_PER_MONTH = Decimal(730)
CENT = Decimal("0.01")
FIVE = Decimal(5)

Status = Literal["priced", "no charge", "not priced"]

# Resource types that carry no charge of their own (billing sits on other resources).
NO_CHARGE: Mapping[str, str] = {
    "alicloud:vpc/network:Network": "VPCs are free",
    "alicloud:vpc/switch:Switch": "vSwitches are free",
    "alicloud:ecs/securityGroup:SecurityGroup": "security groups are free",
    "alicloud:ecs/securityGroupRule:SecurityGroupRule": "security group rules are free",
    "alicloud:ecs/eipAssociation:EipAssociation": "billed on the EIP",
    "alicloud:vpc/commonBandwithPackageAttachment:CommonBandwithPackageAttachment": (
        "billed on the bandwidth package"
    ),
    "alicloud:slb/listener:Listener": "billed on the load balancer",
    "alicloud:slb/acl:Acl": "billed on the load balancer",
    "alicloud:slb/serverGroup:ServerGroup": "billed on the load balancer",
    "alicloud:slb/serverGroupServerAttachment:ServerGroupServerAttachment": (
        "billed on the load balancer"
    ),
    "alicloud:slb/aclEntryAttachment:AclEntryAttachment": "billed on the load balancer",
    "alicloud:slb/serverCertificate:ServerCertificate": "billed on the load balancer",
    "alicloud:rds/database:Database": "billed on the RDS instance",
    "alicloud:rds/rdsAccount:RdsAccount": "billed on the RDS instance",
    "alicloud:rds/accountPrivilege:AccountPrivilege": "billed on the RDS instance",
    "alicloud:rds/backupPolicy:BackupPolicy": "backups within the free quota",
    "alicloud:cms/alarm:Alarm": "CloudMonitor basic alarms are free",
    "alicloud:cms/alarmContact:AlarmContact": "CloudMonitor contacts are free",
    "alicloud:cms/alarmContactGroup:AlarmContactGroup": "CloudMonitor contacts are free",
    "random:index/randomPassword:RandomPassword": "generated locally, not a cloud resource",
}

_ZONE = re.compile(r"^([a-z]{2}-[a-z0-9-]+)-([a-z0-9]+)$")
_ZONE_KEYS = ("zoneId", "availabilityZone", "masterZoneId", "zoneIdSlaveA", "secondaryZoneId")


@dataclass(frozen=True)
class Usage:
    """Expected monthly outbound traffic (GB) and peak bandwidth (Mbps)."""

    traffic_gb: Decimal
    peak_mbps: Decimal


@dataclass(frozen=True)
class CostItem:
    """``quantity`` ``unit`` at ``unit_price`` (the figure, converted to the unit if needed)."""

    label: str
    quantity: Decimal
    unit: str
    figure: Figure
    unit_price: Decimal
    amount: Decimal
    converted_from: str | None = None  # e.g. "per Mbps-day" when a daily price was scaled

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "quantity": plain(self.quantity),
            "unit": self.unit,
            "unitPrice": plain(self.unit_price),
            "price": {"key": self.figure.key, "value": plain(self.figure.value)},
            "convertedFrom": self.converted_from,
            "assumption": self.figure.assumption,
            "amount": str(self.amount),
        }

    def describe(self, mark: str = "") -> str:
        flag = mark if self.figure.assumption else ""
        quantity, price = grouped(self.quantity), grouped(self.unit_price)
        text = f"{self.label}: {quantity} {self.unit} x {price}{flag}"
        if self.converted_from:
            text += f" ({plain(self.figure.value)} {self.converted_from})"
        return text


@dataclass(frozen=True)
class ResourceCost:
    urn: str
    name: str
    type: str
    status: Status
    items: tuple[CostItem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def monthly(self) -> Decimal | None:
        if self.status == "not priced":
            return None
        return sum((i.amount for i in self.items), Decimal(0))

    @property
    def uses_assumption(self) -> bool:
        return any(i.figure.assumption for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        monthly = self.monthly
        return {
            "urn": self.urn,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "monthly": None if monthly is None else str(monthly),
            "items": [i.to_dict() for i in self.items],
            "notes": list(self.notes),
            "usesAssumption": self.uses_assumption,
        }


@dataclass(frozen=True)
class Estimate:
    region: str
    currency: str
    resources: tuple[ResourceCost, ...]

    @property
    def total(self) -> Decimal:
        return sum((r.monthly or Decimal(0) for r in self.resources), Decimal(0))

    @property
    def not_priced(self) -> tuple[ResourceCost, ...]:
        return tuple(r for r in self.resources if r.status == "not priced")

    def figures(self) -> tuple[Figure, ...]:
        seen = {i.figure.key: i.figure for r in self.resources for i in r.items}
        return tuple(seen[k] for k in sorted(seen, key=natural_key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "currency": self.currency,
            "hoursPerMonth": int(HOURS_PER_MONTH),
            "total": str(self.total),
            "resources": [r.to_dict() for r in self.resources],
            "notPriced": [r.urn for r in self.not_priced],
        }


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros: 29.20 -> 29.2, 1E+2 -> 100.

    For terms of a formula (``0.8 * max(T - 10260, 0)``), where a thousands separator would
    read as an argument separator; figures shown on their own use ``grouped`` or ``gb``.
    """
    text = format(value.normalize(), "f")
    return text


def grouped(value: Decimal) -> str:
    """A quantity as given, with thousands separators as the money amounts have:
    2400 -> 2,400, 12.5 -> 12.5, 1E+2 -> 100."""
    return format(value.normalize(), ",f")


def gb(value: Decimal) -> str:
    """A computed traffic figure, to the hundredth as money is: 15350 -> 15,350.00 GB."""
    return f"{value:,.2f} GB"


def per_day_to_month(value: Decimal) -> Decimal:
    return value * HOURS_PER_MONTH / 24


def per_hour_to_month(value: Decimal) -> Decimal:
    return value * HOURS_PER_MONTH


def number(value: Any) -> Decimal | None:
    """A plan input as a Decimal (numbers and numeric strings such as "200")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except ArithmeticError:
            return None
        return result if result.is_finite() else None
    return None


def region_of(plan: Plan, source: str) -> str:
    """The region of a plan, from the zone ids in its resources' inputs."""
    regions: set[str] = set()
    for resource in plan.custom_resources():
        for key in _ZONE_KEYS:
            value = resource.inputs.get(key)
            if isinstance(value, str) and (match := _ZONE.match(value)):
                regions.add(match.group(1))
    if len(regions) == 1:
        return regions.pop()
    if not regions:
        raise InputError.single(
            source, "region", "no zone ids in the plan to derive the region from; use --region"
        )
    raise InputError.single(
        source, "region", f"resources span several regions ({', '.join(sorted(regions))})"
    )


def estimate(plan: Plan, prices: RegionPrices, usage: Usage | None) -> Estimate:
    """Price every custom resource of ``plan`` for one month."""
    context = _Context.of(plan)
    costs = [_price(resource, prices, usage, context) for resource in plan.custom_resources()]
    return Estimate(prices.region, prices.currency, tuple(sorted(costs, key=lambda c: c.urn)))


@dataclass(frozen=True)
class _Context:
    eip_config_fee: bool  # an EIP is bound to something other than an ECS instance
    eip_in_package: bool  # the EIP joins a shared bandwidth package

    @classmethod
    def of(cls, plan: Plan) -> _Context:
        associations = [
            r
            for r in plan.custom_resources()
            if r.type == "alicloud:ecs/eipAssociation:EipAssociation"
        ]
        fee = any(
            a.inputs.get("instanceType", "EcsInstance") != "EcsInstance" for a in associations
        )
        package = any(
            r.type.startswith("alicloud:vpc/commonBandwithPackageAttachment:")
            for r in plan.custom_resources()
        )
        return cls(fee, package)


class _NotPriced(Exception):
    pass


def _item(
    label: str,
    quantity: Decimal,
    unit: str,
    figure: Figure | None,
    missing: str,
    per: str | None = None,
) -> CostItem:
    """One price line; ``per`` = "day" or "hour" converts the figure to a monthly unit price."""
    if figure is None:
        raise _NotPriced(missing)
    if per == "day":
        price, converted = per_day_to_month(figure.value), f"per {unit.split('-')[0]}-day"
    elif per == "hour":
        price, converted = per_hour_to_month(figure.value), f"per {unit.split('-')[0]}-hour"
    else:
        price, converted = figure.value, None
    return CostItem(label, quantity, unit, figure, price, money(quantity * price), converted)


def _price(
    resource: PlannedResource, prices: RegionPrices, usage: Usage | None, context: _Context
) -> ResourceCost:
    if resource.type in NO_CHARGE:
        return ResourceCost(
            resource.urn,
            resource.name,
            resource.type,
            "no charge",
            notes=(NO_CHARGE[resource.type],),
        )
    pricer = _PRICERS.get(resource.type)
    if pricer is None:
        return ResourceCost(
            resource.urn,
            resource.name,
            resource.type,
            "not priced",
            notes=(f"no price model for {resource.type}",),
        )
    notes: list[str] = []
    try:
        items = tuple(pricer(resource.inputs, prices, usage, context, notes))
    except _NotPriced as missing:
        return ResourceCost(
            resource.urn, resource.name, resource.type, "not priced", notes=(str(missing),)
        )
    return ResourceCost(resource.urn, resource.name, resource.type, "priced", items, tuple(notes))


def _missing(prices: RegionPrices, *path: str) -> str:
    return f"no price at regions.{prices.region}.{'.'.join(path)}"


def _named(prices: RegionPrices, section: str, table: str, name: Any) -> tuple[Figure | None, str]:
    key = str(name)
    return prices.figure(section, table, key), _missing(prices, section, table, key)


def _hours(label: str, figure_and_missing: tuple[Figure | None, str]) -> CostItem:
    figure, missing = figure_and_missing
    return _item(label, HOURS_PER_MONTH, "h", figure, missing)


def _storage(
    label: str,
    size: Any,
    figure_and_missing: tuple[Figure | None, str],
    per: str | None = None,
) -> CostItem:
    amount = number(size)
    if amount is None:
        raise _NotPriced(f"{label}: size unknown ({size!r})")
    figure, missing = figure_and_missing
    return _item(label, amount, "GB-month", figure, missing, per)


Pricer = Callable[
    [Mapping[str, Any], RegionPrices, Usage | None, _Context, list[str]], Iterable[CostItem]
]


def _ecs(
    inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
) -> Iterable[CostItem]:
    kind = inputs.get("instanceType")
    yield _hours(f"instance {kind}", _named(p, "ecs", "instanceTypePerHour", kind))
    category = inputs.get("systemDiskCategory", "cloud_efficiency")
    yield _storage(
        f"system disk {category}",
        inputs.get("systemDiskSize", 40),
        _named(p, "ecs", "diskPerGbHour", category),
        per="hour",
    )
    bandwidth = number(inputs.get("internetMaxBandwidthOut", 0)) or Decimal(0)
    if bandwidth > 0:
        notes.append("public bandwidth on the instance itself is not priced")


def _slb(
    inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
) -> Iterable[CostItem]:
    spec = inputs.get("loadBalancerSpec")
    yield _hours(f"specification {spec}", _named(p, "loadBalancer", "specPerHour", spec))
    if inputs.get("addressType", "internet") == "internet":
        notes.append("Internet-facing: instance and traffic fees not included")


def _instance_and_storage(
    section: str, label: str, class_key: str, storage_key: str, size_key: str
) -> Pricer:
    """A pricer for a database: its instance class by the hour, its storage by the GB-month."""

    def pricer(
        inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
    ) -> Iterable[CostItem]:
        kind = inputs.get(class_key)
        yield _hours(f"{label} {kind}", _named(p, section, "instanceClassPerHour", kind))
        storage = inputs.get(storage_key, "local_ssd")
        yield _storage(
            f"storage {storage}",
            inputs.get(size_key),
            _named(p, section, "storagePerGbMonth", storage),
        )

    return pricer


def _redis(
    inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
) -> Iterable[CostItem]:
    kind = inputs.get("instanceClass")
    yield _hours(f"instance {kind}", _named(p, "redis", "instanceClassPerHour", kind))


def eip_bandwidth_figures(p: RegionPrices, mbps: Decimal) -> list[tuple[str, Decimal, Figure]]:
    """Pay-by-bandwidth EIP: the first 5 Mbps at one rate, the rest at another."""
    first = min(mbps, FIVE)
    parts = [
        (
            "bandwidth up to 5 Mbps",
            first,
            p.required("eip", "payByBandwidth", "firstFiveMbpsPerMbpsDay"),
        )
    ]
    if mbps > FIVE:
        parts.append(
            (
                "bandwidth above 5 Mbps",
                mbps - FIVE,
                p.required("eip", "payByBandwidth", "aboveFiveMbpsPerMbpsDay"),
            )
        )
    return parts


def _eip(
    inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
) -> Iterable[CostItem]:
    if c.eip_config_fee:
        yield _item(
            "configuration fee",
            HOURS_PER_MONTH,
            "h",
            p.figure("eip", "configFeePerHour"),
            _missing(p, "eip", "configFeePerHour"),
        )
    if c.eip_in_package:
        notes.append("in a shared bandwidth package: traffic is billed on the package")
        return
    charge = inputs.get("internetChargeType", "PayByBandwidth")
    if charge == "PayByTraffic":
        if u is None:
            notes.append("traffic not included (no expected traffic given)")
            return
        free = p.required("eip", "payByTraffic", "freeGbPerMonth").value
        billable = max(u.traffic_gb - free, Decimal(0))
        notes.append(f"{grouped(u.traffic_gb)} GB expected, first {grouped(free)} GB free (CDT)")
        yield _item(
            "outbound traffic",
            billable,
            "GB",
            p.figure("eip", "payByTraffic", "perGb"),
            _missing(p, "eip", "payByTraffic", "perGb"),
        )
    elif charge == "PayByBandwidth":
        mbps = number(inputs.get("bandwidth"))
        if mbps is None:
            raise _NotPriced(f"bandwidth unknown ({inputs.get('bandwidth')!r})")
        for label, quantity, figure in eip_bandwidth_figures(p, mbps):
            yield _item(label, quantity, "Mbps-month", figure, "", per="day")
    else:
        raise _NotPriced(f"no price model for internetChargeType {charge!r}")


def _package(
    inputs: Mapping[str, Any], p: RegionPrices, u: Usage | None, c: _Context, notes: list[str]
) -> Iterable[CostItem]:
    mbps = number(inputs.get("bandwidth"))
    if mbps is None:
        raise _NotPriced(f"bandwidth unknown ({inputs.get('bandwidth')!r})")
    charge = inputs.get("internetChargeType", "PayByBandwidth")
    if charge == "PayByBandwidth":
        yield _item(
            f"bandwidth {mbps} Mbps",
            mbps,
            "Mbps-month",
            p.figure("sharedPackage", "payByBandwidth", "perMbpsDay"),
            _missing(p, "sharedPackage", "payByBandwidth", "perMbpsDay"),
            per="day",
        )
    elif charge == "PayBy95":
        ratio = number(inputs.get("ratio", 20)) or Decimal(20)
        floor = mbps * ratio / 100
        billed = floor if u is None else max(min(u.peak_mbps, mbps), floor)
        notes.append(
            f"95th percentile taken as the expected peak; at least {ratio}% of {mbps} Mbps"
            if u is not None
            else f"minimum commitment only: {ratio}% of {mbps} Mbps"
        )
        yield _item(
            "95th-percentile bandwidth",
            billed,
            "Mbps-month",
            p.figure("sharedPackage", "payBy95", "perMbpsDay"),
            _missing(p, "sharedPackage", "payBy95", "perMbpsDay"),
            per="day",
        )
    else:
        raise _NotPriced(f"no price model for internetChargeType {charge!r}")


_PRICERS: Mapping[str, Pricer] = {
    "alicloud:ecs/instance:Instance": _ecs,
    "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer": _slb,
    "alicloud:slb/loadBalancer:LoadBalancer": _slb,
    "alicloud:rds/instance:Instance": _instance_and_storage(
        "rds", "instance", "instanceType", "dbInstanceStorageType", "instanceStorage"
    ),
    "alicloud:kvstore/instance:Instance": _redis,
    "alicloud:mongodb/instance:Instance": _instance_and_storage(
        "mongodb", "replica set", "dbInstanceClass", "storageType", "dbInstanceStorage"
    ),
    "alicloud:ecs/eipAddress:EipAddress": _eip,
    "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage": _package,
}
