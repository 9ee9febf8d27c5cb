"""Bandwidth: the EIP billed by traffic by default, or joined to a shared package."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.bandwidth import Bandwidth, BandwidthArgs
from components.base import ArgsError
from tests.components import EIP, TAGGING, missing_tags, of_type, one, orphans, run, taggable

PACKAGE = "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage"
ATTACHMENT = "alicloud:vpc/commonBandwithPackageAttachment:CommonBandwithPackageAttachment"


def make_args(**changes: Any) -> BandwidthArgs:
    return replace(
        BandwidthArgs(mode="eip", eip_charge_type="PayByTraffic", max_mbps=20, tagging=TAGGING),
        **changes,
    )


SHARED = {"mode": "sharedPackage", "package_charge_type": "PayBy95", "package_mbps": 200}


@cache
def bandwidth_plan(shared: bool = False, protected: bool = False) -> Plan:
    changes: dict[str, Any] = dict(SHARED) if shared else {}
    args = make_args(deletion_protection=protected, protect=protected, **changes)
    return run(lambda: Bandwidth("t-bandwidth", args))


def test_eip_is_pay_by_traffic_by_default() -> None:
    inputs = one(bandwidth_plan(), EIP).inputs
    assert (inputs["internetChargeType"], inputs["paymentType"]) == ("PayByTraffic", "PayAsYouGo")


def test_eip_bandwidth_is_capped() -> None:
    assert one(bandwidth_plan(), EIP).inputs["bandwidth"] == "20"


@pytest.mark.parametrize("type_token", [PACKAGE, ATTACHMENT])
def test_eip_mode_has_no_package(type_token: str) -> None:
    assert of_type(bandwidth_plan(), type_token) == []


def test_shared_package_is_billed_as_configured() -> None:
    inputs = one(bandwidth_plan(shared=True), PACKAGE).inputs
    assert (inputs["internetChargeType"], inputs["bandwidth"]) == ("PayBy95", "200")


def test_shared_package_takes_in_the_eip() -> None:
    inputs = one(bandwidth_plan(shared=True), ATTACHMENT).inputs
    assert inputs["bandwidthPackageId"] == "t-bandwidth-package-id"
    assert inputs["instanceId"] == "t-bandwidth-eip-id"


@pytest.mark.parametrize("protected", [False, True])
def test_eip_protection_follows_the_args(protected: bool) -> None:
    eip = one(bandwidth_plan(protected=protected), EIP)
    assert (eip.protect, eip.inputs["deletionProtection"]) == (protected, protected)


@pytest.mark.parametrize("protected", [False, True])
def test_package_deletion_protection_follows_the_args(protected: bool) -> None:
    package = one(bandwidth_plan(shared=True, protected=protected), PACKAGE)
    assert package.inputs["deletionProtection"] is protected


@pytest.mark.parametrize("shared", [False, True])
def test_every_taggable_resource_is_tagged(shared: bool) -> None:
    resources = taggable(bandwidth_plan(shared=shared))
    assert len(resources) == (2 if shared else 1)
    assert {r.name: missing_tags(r) for r in resources if missing_tags(r)} == {}


@pytest.mark.parametrize("shared", [False, True])
def test_every_resource_is_parented_to_the_component(shared: bool) -> None:
    assert orphans(bandwidth_plan(shared=shared)) == []
    assert one(bandwidth_plan(shared=shared), "llz:bandwidth:Bandwidth").name == "t-bandwidth"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mode": "dedicated"}, "mode"),
        ({"eip_charge_type": "PayBy95"}, "eip_charge_type"),
        ({"max_mbps": 0}, "max_mbps"),
        ({"max_mbps": 501}, "max_mbps"),
        ({**SHARED, "package_charge_type": "PayByTraffic"}, "package_charge_type"),
        ({**SHARED, "package_mbps": 1}, "package_mbps"),
        ({**SHARED, "package_mbps": 10, "max_mbps": 20}, "max_mbps"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^BandwidthArgs: {field}: "):
        make_args(**changes)
