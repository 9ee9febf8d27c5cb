"""Property tests of the spec loader: valid layouts load, broken ones always fail clearly."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacks.config import PROJECT, StackConfig, read_stack_file, spec_from_config
from stacks.errors import InputError
from stacks.spec import LandingZoneSpec
from tests.conftest import PROJECT_DIR

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
BASE = read_stack_file(PROJECT_DIR, "dev")
ZONE_LETTERS = "abcdefgh"


def config_with(values: dict[str, Any]) -> StackConfig:
    return StackConfig(BASE.source, values, BASE.secret_keys)


def base_values() -> dict[str, Any]:
    return copy.deepcopy(dict(BASE.values))


def load(values: dict[str, Any]) -> LandingZoneSpec:
    return spec_from_config(config_with(values), PROJECT, "dev")


@st.composite
def private_16(draw: st.DrawFn) -> ipaddress.IPv4Network:
    first = draw(st.sampled_from(["10", "172", "192"]))
    if first == "10":
        second = draw(st.integers(0, 255))
    elif first == "172":
        second = draw(st.integers(16, 31))
    else:
        second = 168
    return ipaddress.IPv4Network(f"{first}.{second}.0.0/16")


@st.composite
def layouts(draw: st.DrawFn) -> dict[str, Any]:
    """A network section: a random private /16, 2-3 zones, distinct /24s per tier and zone."""
    vpc = draw(private_16())
    count = draw(st.integers(2, 3))
    letters = draw(st.lists(st.sampled_from(ZONE_LETTERS), min_size=count, max_size=count,
                            unique=True))
    thirds = draw(st.lists(st.integers(0, 255), min_size=2 * count, max_size=2 * count,
                           unique=True))
    subnets = [str(list(vpc.subnets(new_prefix=24))[t]) for t in thirds]
    return {
        "vpcCidr": str(vpc),
        "zones": [f"cn-shanghai-{letter}" for letter in letters],
        "appCidrs": subnets[:count],
        "dataCidrs": subnets[count:],
    }


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    values = base_values()
    network = draw(layouts())
    values["llz:network"] = network
    database = values["llz:database"]
    database["storageGb"] = 5 * draw(st.integers(4, 6400))
    database["backupRetentionDays"] = draw(st.integers(7, 730))
    database["zones"] = draw(st.permutations(network["zones"]))[:2]
    database["allowedCidrs"] = draw(st.lists(st.sampled_from(network["appCidrs"]),
                                             min_size=1, unique=True))
    store = values["llz:documentStore"]
    store["storageGb"] = 10 * draw(st.integers(1, 300))
    store["backupRetentionDays"] = draw(st.integers(7, 730))
    # Three zones spread a three-member replica set; two zones keep MongoDB in one zone.
    multi_zone = len(network["zones"]) == 3
    store["replicationFactor"] = 3 if multi_zone else draw(st.sampled_from([1, 3, 5, 7]))
    servers = values["llz:appServers"]
    servers["countPerZone"] = draw(st.integers(1, 20))
    servers["systemDiskGb"] = draw(st.integers(20, 2048))
    values["llz:bandwidth"]["maxMbps"] = draw(st.integers(1, 200))
    return values


@SETTINGS
@given(valid_configs())
def test_valid_variations_load_into_a_frozen_spec(values: dict[str, Any]) -> None:
    spec = load(values)
    assert spec.network.app_cidrs == tuple(values["llz:network"]["appCidrs"])
    assert spec.database.storage_gb == values["llz:database"]["storageGb"]
    with pytest.raises(ValueError, match="frozen"):
        spec.network.vpc_cidr = "10.0.0.0/8"  # type: ignore[misc]


def assert_rejected(values: dict[str, Any], key: str) -> None:
    with pytest.raises(InputError) as caught:
        load(values)
    error = caught.value
    assert error.source == "stacks/Pulumi.dev.yaml"
    assert all(p.key.startswith(("llz:", "alicloud:")) for p in error.problems), str(error)
    assert key in [p.key for p in error.problems], str(error)


# (section, key, valid range): every value outside the range is rejected.
RANGES = [
    ("llz:database", "storageGb", 20, 32000),
    ("llz:database", "backupRetentionDays", 7, 730),
    ("llz:documentStore", "storageGb", 10, 3000),
    ("llz:documentStore", "backupRetentionDays", 7, 730),
    ("llz:appServers", "countPerZone", 1, 20),
    ("llz:appServers", "systemDiskGb", 20, 2048),
    ("llz:bandwidth", "maxMbps", 1, 500),
    ("llz:bandwidth", "expectedPeakMbps", 0, 100_000),
    ("llz:monitoring", "rdsCpuPercent", 1, 100),
]


@st.composite
def out_of_range(draw: st.DrawFn) -> tuple[str, str, int]:
    section, key, low, high = draw(st.sampled_from(RANGES))
    value = draw(st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1)))
    return section, key, value


@SETTINGS
@given(out_of_range())
def test_out_of_range_numbers_are_rejected(case: tuple[str, str, int]) -> None:
    section, key, value = case
    values = base_values()
    values[section][key] = value
    assert_rejected(values, f"{section}.{key}")


def not_a_cidr(text: str) -> bool:
    try:
        ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        return True
    return False


BAD_CIDRS = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, p: f"10.{a}.0.0/{p}", st.integers(256, 999), st.integers(0, 32)),
    st.builds(lambda p: f"10.10.0.0/{p}", st.integers(33, 200)),
    st.builds(lambda h: f"10.10.{h}.1/24", st.integers(0, 255)),
).filter(not_a_cidr)


@SETTINGS
@given(BAD_CIDRS, st.sampled_from(["vpcCidr", "appCidrs", "dataCidrs"]))
def test_bad_cidrs_are_rejected(cidr: str, field: str) -> None:
    values = base_values()
    network = values["llz:network"]
    if field == "vpcCidr":
        network[field] = cidr
        key = "llz:network.vpcCidr"
    else:
        network[field][0] = cidr
        key = f"llz:network.{field}[0]"
    assert_rejected(values, key)


@SETTINGS
@given(layouts(), st.data())
def test_overlapping_subnets_are_rejected(network: dict[str, Any], data: st.DataObject) -> None:
    victim = ipaddress.IPv4Network(data.draw(st.sampled_from(network["appCidrs"])))
    prefix = data.draw(st.integers(victim.prefixlen - 4, 28))
    overlapping = (
        victim.supernet(new_prefix=prefix) if prefix < victim.prefixlen
        else data.draw(st.sampled_from(list(victim.subnets(new_prefix=prefix))))
    )
    tier = data.draw(st.sampled_from(["appCidrs", "dataCidrs"]))
    index = data.draw(st.integers(0, len(network[tier]) - 1))
    if tier == "appCidrs" and network[tier][index] == str(victim):
        index = (index + 1) % len(network[tier])
    network[tier][index] = str(overlapping)
    values = base_values()
    values["llz:network"] = network
    assert_rejected(values, "llz:network")


@SETTINGS
@given(layouts(), st.data())
def test_repeated_network_zones_are_rejected(network: dict[str, Any], data: st.DataObject) -> None:
    zone = data.draw(st.sampled_from(network["zones"]))
    network["zones"] = [zone] * len(network["zones"])
    values = base_values()
    values["llz:network"] = network
    assert_rejected(values, "llz:network.zones")


@SETTINGS
@given(layouts(), st.data())
def test_same_ha_zones_are_rejected(network: dict[str, Any], data: st.DataObject) -> None:
    zone = data.draw(st.sampled_from(network["zones"]))
    values = base_values()
    values["llz:network"] = network
    values["llz:database"]["zones"] = [zone, zone]
    assert_rejected(values, "llz:database.zones")
