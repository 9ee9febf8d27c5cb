"""The price table: a versioned YAML file of sourced figures, validated entry by entry.

The shipped table is ``cli/data/prices.yaml``. A user's file (``--prices FILE``) is either
merged over it (its figures replace the shipped ones, entry by entry) or used alone
(``replace=True``). Every problem is an InputError naming the file and the entry, e.g.
``regions.cn-shanghai.eip.payByTraffic.perGb: must be a number``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from stacks.errors import InputError, Problem, child_key, key_text

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "prices.yaml"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_FIGURE_KEYS = frozenset({"value", "source", "date", "assumption", "note"})

# The shape of one region: "figure" is one priced figure, "figures" a mapping of names
# (instance types, specs, disk categories) to figures, "plans" the data transfer plans.
REGION_SCHEMA: dict[str, Any] = {
    "currency": "currency",
    "eip": {
        "configFeePerHour": "figure",
        "payByTraffic": {"perGb": "figure", "freeGbPerMonth": "figure"},
        "payByBandwidth": {
            "firstFiveMbpsPerMbpsDay": "figure",
            "aboveFiveMbpsPerMbpsDay": "figure",
        },
    },
    "sharedPackage": {
        "payByBandwidth": {"perMbpsDay": "figure"},
        "payBy95": {"perMbpsDay": "figure"},
    },
    "dataTransferPlans": "plans",
    "loadBalancer": {"specPerHour": "figures"},
    "ecs": {"instanceTypePerHour": "figures", "diskPerGbHour": "figures"},
    "rds": {"instanceClassPerHour": "figures", "storagePerGbMonth": "figures"},
    "redis": {"instanceClassPerHour": "figures"},
    "mongodb": {"instanceClassPerHour": "figures", "storagePerGbMonth": "figures"},
}


@dataclass(frozen=True)
class Figure:
    """One price with where it comes from. ``key`` is its full dotted path in the table."""

    key: str
    value: Decimal
    source: str
    date: str
    assumption: bool = False
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": str(self.value),
            "source": self.source,
            "date": self.date,
            "assumption": self.assumption,
            "note": self.note,
        }


@dataclass(frozen=True)
class DataTransferPlan:
    size_gb: Decimal
    price: Figure


@dataclass(frozen=True)
class RegionPrices:
    """The validated prices of one region, in its currency."""

    region: str
    currency: str
    figures: Mapping[str, Any]  # the nested mapping of Figure objects, keyed as in the file
    plans: tuple[DataTransferPlan, ...]

    def figure(self, *path: str) -> Figure | None:
        node: Any = self.figures
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, Figure) else None

    def required(self, *path: str) -> Figure:
        found = self.figure(*path)
        if found is None:  # validation guarantees every schema figure exists
            raise KeyError(".".join(path))
        return found


@dataclass(frozen=True)
class PriceTable:
    version: str
    source: str
    regions: Mapping[str, RegionPrices]

    def region(self, name: str) -> RegionPrices:
        if name not in self.regions:
            known = ", ".join(sorted(self.regions)) or "none"
            raise InputError.single(
                self.source, f"regions.{name}", f"no prices for this region (known: {known})"
            )
        return self.regions[name]


def natural_key(key: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ``plans[10]`` after ``plans[9]``: digit runs compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", key)
    )


def load_prices(user_file: Path | None = None, replace: bool = False) -> PriceTable:
    """The shipped table, with ``user_file`` merged over it (or replacing it)."""
    from stacks.yaml_files import read_yaml_file

    if user_file is None:
        return build_table(read_yaml_file(SHIPPED), str(SHIPPED))
    user = read_yaml_file(user_file)
    source = str(user_file)
    if replace:
        return build_table(user, source)
    _check_document(user, source, partial=True)
    shipped = read_yaml_file(SHIPPED)
    merged = merge(shipped, user)
    return build_table(merged, f"{source} (merged over {SHIPPED.name})")


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` over ``base``; a figure or the plan list replaces as a whole."""
    if (
        isinstance(base, dict)
        and isinstance(override, dict)
        and "value" not in override
        and "value" not in base
    ):
        result = copy.deepcopy(base)
        for key, value in override.items():
            result[key] = merge(result[key], value) if key in result else copy.deepcopy(value)
        return result
    return copy.deepcopy(override)


def build_table(document: Any, source: str) -> PriceTable:
    """Validate a complete price document and build the typed table."""
    _check_document(document, source, partial=False)
    regions: dict[str, RegionPrices] = {}
    for name, raw in document["regions"].items():
        path = f"regions.{name}"
        figures = _build_figures(raw, REGION_SCHEMA, path)
        plans = tuple(
            sorted(
                (
                    DataTransferPlan(
                        Decimal(str(item["sizeGb"])),
                        _figure(item["price"], f"{path}.dataTransferPlans[{i}].price"),
                    )
                    for i, item in enumerate(raw["dataTransferPlans"])
                ),
                key=lambda p: p.size_gb,
            )
        )
        regions[name] = RegionPrices(name, raw["currency"], figures, plans)
    return PriceTable(str(document["version"]), source, regions)


def _build_figures(raw: Mapping[str, Any], schema: Mapping[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, kind in schema.items():
        where = f"{path}.{key}"
        if isinstance(kind, dict):
            out[key] = _build_figures(raw[key], kind, where)
        elif kind == "figure":
            out[key] = _figure(raw[key], where)
        elif kind == "figures":
            out[key] = {n: _figure(v, f"{where}.{n}") for n, v in sorted(raw[key].items())}
    return out


def _figure(raw: Mapping[str, Any], key: str) -> Figure:
    date = raw["date"]
    return Figure(
        key=key,
        value=Decimal(str(raw["value"])),
        source=str(raw["source"]).strip(),
        date=date.isoformat() if isinstance(date, dt.date) else str(date),
        assumption=bool(raw.get("assumption", False)),
        note=" ".join(str(raw["note"]).split()) if raw.get("note") else None,
    )


# Validation: explicit checks so every message names the entry in the file's own terms.


def _check_document(document: Any, source: str, partial: bool) -> None:
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise InputError.single(source, "", "a price file is a YAML mapping (version, regions)")
    for key in document:
        if key not in ("version", "regions"):
            problems.append(Problem(key_text(str(key)), "unknown key"))
    version = document.get("version")
    if version is None:
        if not partial:
            problems.append(Problem("version", "missing required key"))
    elif not isinstance(version, str | int) or isinstance(version, bool) or not str(version):
        problems.append(Problem("version", "must be a non-empty string"))
    regions = document.get("regions")
    if regions is None:
        if not partial:
            problems.append(Problem("regions", "missing required key"))
    elif not isinstance(regions, dict) or (not regions and not partial):
        problems.append(Problem("regions", "must be a mapping of region ids to prices"))
    else:
        for name, raw in regions.items():
            path = child_key("regions", str(name))
            if not isinstance(name, str) or not _REGION.match(name):
                problems.append(Problem(path, "not a region id such as 'cn-shanghai'"))
                continue
            _check_node(raw, REGION_SCHEMA, path, partial, problems)
    if problems:
        raise InputError(source, problems)


def _check_node(
    raw: Any, schema: Mapping[str, Any], path: str, partial: bool, problems: list[Problem]
) -> None:
    if not isinstance(raw, dict):
        problems.append(Problem(path, "must be a mapping"))
        return
    for key in raw:
        if key not in schema:
            problems.append(Problem(child_key(path, str(key)), "unknown key"))
    for key, kind in schema.items():
        where = f"{path}.{key}"
        if key not in raw:
            if not partial:
                problems.append(Problem(where, "missing required entry"))
            continue
        value = raw[key]
        if isinstance(kind, dict):
            _check_node(value, kind, where, partial, problems)
        elif kind == "currency":
            if not isinstance(value, str) or not _CURRENCY.match(value):
                problems.append(Problem(where, "must be an ISO 4217 code such as CNY"))
        elif kind == "figure":
            _check_figure(value, where, problems)
        elif kind == "figures":
            if not isinstance(value, dict) or not value:
                problems.append(Problem(where, "must be a mapping of names to prices"))
                continue
            for name, figure in value.items():
                _check_figure(figure, f"{where}.{name}", problems)
        elif kind == "plans":
            _check_plans(value, where, problems)


def _check_plans(value: Any, where: str, problems: list[Problem]) -> None:
    if not isinstance(value, list):
        problems.append(Problem(where, "must be a list of {sizeGb, price}"))
        return
    sizes: set[Decimal] = set()
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(at, "must be a mapping with sizeGb and price"))
            continue
        for key in item:
            if key not in ("sizeGb", "price"):
                problems.append(Problem(child_key(at, str(key)), "unknown key"))
        size = item.get("sizeGb")
        if "sizeGb" not in item:
            problems.append(Problem(f"{at}.sizeGb", "missing required entry"))
        elif not _is_number(size):
            problems.append(Problem(f"{at}.sizeGb", "must be a number"))
        elif Decimal(str(size)) <= 0:
            problems.append(Problem(f"{at}.sizeGb", "must be greater than 0"))
        elif Decimal(str(size)) > MAX_FIGURE:
            problems.append(Problem(f"{at}.sizeGb", f"is implausibly large (over {MAX_FIGURE:,})"))
        elif Decimal(str(size)) in sizes:
            problems.append(Problem(f"{at}.sizeGb", f"duplicate plan size {size}"))
        else:
            sizes.add(Decimal(str(size)))
        if "price" not in item:
            problems.append(Problem(f"{at}.price", "missing required entry"))
        else:
            _check_figure(item["price"], f"{at}.price", problems)


# Larger figures are typos, and would overflow Decimal's 28-digit arithmetic in the estimate.
MAX_FIGURE = 1_000_000_000


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or (value == value and abs(value) != float("inf"))


def _check_figure(raw: Any, key: str, problems: list[Problem]) -> None:
    if not isinstance(raw, dict):
        problems.append(Problem(key, "must be a mapping with value, source and date"))
        return
    for extra in sorted(set(map(str, raw)) - _FIGURE_KEYS):
        problems.append(Problem(child_key(key, extra), "unknown key"))
    if "value" not in raw:
        problems.append(Problem(f"{key}.value", "missing required entry"))
    elif not _is_number(raw["value"]):
        problems.append(Problem(f"{key}.value", "must be a number"))
    elif raw["value"] < 0:
        problems.append(Problem(f"{key}.value", "must not be negative"))
    elif raw["value"] > MAX_FIGURE:
        problems.append(Problem(f"{key}.value", f"is implausibly large (over {MAX_FIGURE:,})"))
    source = raw.get("source")
    if "source" not in raw:
        problems.append(Problem(f"{key}.source", "missing required entry"))
    elif not isinstance(source, str) or not source.strip():
        problems.append(
            Problem(f"{key}.source", "must name the documentation (a URL or a document title)")
        )
    date = raw.get("date")
    if "date" not in raw:
        problems.append(Problem(f"{key}.date", "missing required entry"))
    elif not isinstance(date, dt.date) and not (isinstance(date, str) and _valid_date(date)):
        problems.append(Problem(f"{key}.date", "must be a date written YYYY-MM-DD"))
    assumption = raw.get("assumption", False)
    if not isinstance(assumption, bool):
        problems.append(Problem(f"{key}.assumption", "must be true or false"))
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        problems.append(Problem(f"{key}.note", "must be text"))
    if assumption is True and not (isinstance(note, str) and note.strip()):
        problems.append(Problem(f"{key}.note", "an assumption needs a note saying why"))


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
