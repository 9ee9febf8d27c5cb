"""AppServers: instances spread over the app zones, private, encrypted, tagged."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.app_servers import AppServers, AppServersArgs
from components.base import ArgsError
from tests.components import TAGGING, ZONES, missing_tags, of_type, one, orphans, run

INSTANCE = "alicloud:ecs/instance:Instance"


def make_args(**changes: Any) -> AppServersArgs:
    args = AppServersArgs(
        instance_type="ecs.g7.large",
        image_id="aliyun_3_x64_20G_alibase_20240819.vhd",
        zones=ZONES[:2],
        vswitch_ids=("vsw-app-1", "vsw-app-2"),
        security_group_id="sg-app",
        tagging=TAGGING,
        count_per_zone=2,
    )
    return replace(args, **changes)


@cache
def servers_plan(protected: bool = False) -> Plan:
    return run(lambda: AppServers("t-app", make_args(deletion_protection=protected)))


def test_count_per_zone_instances_in_each_zone() -> None:
    zones = Counter(i.inputs["availabilityZone"] for i in of_type(servers_plan(), INSTANCE))
    assert zones == {ZONES[0]: 2, ZONES[1]: 2}


def test_instances_sit_in_their_zone_vswitch() -> None:
    layout = {(i.inputs["availabilityZone"], i.inputs["vswitchId"])
              for i in of_type(servers_plan(), INSTANCE)}
    assert layout == {(ZONES[0], "vsw-app-1"), (ZONES[1], "vsw-app-2")}


@pytest.mark.parametrize(
    ("key", "expected"),
    [("internetMaxBandwidthOut", 0), ("systemDiskEncrypted", True),
     ("securityGroups", ["sg-app"])],
)
def test_instances_are_private_and_encrypted(key: str, expected: object) -> None:
    assert {str(i.inputs[key]) for i in of_type(servers_plan(), INSTANCE)} == {str(expected)}


@pytest.mark.parametrize("protected", [False, True])
def test_deletion_protection_follows_the_args(protected: bool) -> None:
    instances = of_type(servers_plan(protected), INSTANCE)
    assert {i.inputs["deletionProtection"] for i in instances} == {protected}


def test_instances_and_their_disks_are_tagged() -> None:
    instances = of_type(servers_plan(), INSTANCE)
    assert [i.name for i in instances if missing_tags(i)] == []
    assert all(i.inputs["volumeTags"] == i.inputs["tags"] for i in instances)


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(servers_plan()) == []
    assert one(servers_plan(), "llz:appservers:AppServers").name == "t-app"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zones": ZONES[:1], "vswitch_ids": ("vsw-app-1",)}, "zones"),
        ({"vswitch_ids": ("vsw-app-1",)}, "vswitch_ids"),
        ({"count_per_zone": 0}, "count_per_zone"),
        ({"count_per_zone": 21}, "count_per_zone"),
        ({"system_disk_gb": 10}, "system_disk_gb"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^AppServersArgs: {field}: "):
        make_args(**changes)
