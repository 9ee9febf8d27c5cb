"""DocumentStore: MongoDB replica set over three zones, app-tier whitelist, secrets."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.base import ArgsError
from components.document_store import DocumentStore, DocumentStoreArgs
from tests.components import (
    APP_CIDRS,
    MONGODB,
    SECRET,
    TAGGING,
    ZONES,
    missing_tags,
    of_type,
    one,
    orphans,
    plan_text,
    probe,
    run,
)


def make_args(**changes: Any) -> DocumentStoreArgs:
    args = DocumentStoreArgs(
        engine_version="6.0",
        instance_class="dds.mongo.mid",
        storage_gb=20,
        replication_factor=3,
        zones=ZONES,
        vpc_id="vpc-1",
        vswitch_id="vsw-data-1",
        security_group_id="sg-data",
        allowed_cidrs=APP_CIDRS,
        app_cidrs=APP_CIDRS,
        tagging=TAGGING,
    )
    return replace(args, **changes)


@cache
def mongo_plan(zone_count: int = 3, protected: bool = False) -> Plan:
    def program() -> None:
        store = DocumentStore(
            "t-mongodb",
            make_args(zones=ZONES[:zone_count], deletion_protection=protected, protect=protected),
        )
        probe("password", store.password)

    return run(program)


def test_replication_factor_is_three() -> None:
    assert one(mongo_plan(), MONGODB).inputs["replicationFactor"] == 3


def test_members_are_in_three_distinct_zones() -> None:
    inputs = one(mongo_plan(), MONGODB).inputs
    zones = (inputs["zoneId"], inputs["secondaryZoneId"], inputs["hiddenZoneId"])
    assert zones == ZONES


def test_single_zone_has_no_secondary_or_hidden_zone() -> None:
    inputs = one(mongo_plan(zone_count=1), MONGODB).inputs
    assert "secondaryZoneId" not in inputs and "hiddenZoneId" not in inputs


def test_whitelist_is_the_app_tier_only() -> None:
    assert one(mongo_plan(), MONGODB).inputs["securityIpLists"] == list(APP_CIDRS)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("sslAction", "Open"), ("tdeStatus", "enabled"), ("networkType", "VPC"),
     ("backupRetentionPeriod", 7)],
)
def test_secure_settings(key: str, expected: object) -> None:
    assert one(mongo_plan(), MONGODB).inputs[key] == expected


def test_account_password_is_secret_in_the_plan() -> None:
    assert one(mongo_plan(), MONGODB).inputs["accountPassword"] == SECRET


def test_password_never_appears_in_plaintext() -> None:
    assert "offline-" not in plan_text(mongo_plan())


def test_password_output_is_secret() -> None:
    assert one(mongo_plan(), "llztest:index:Probe").inputs["value"] == SECRET


@pytest.mark.parametrize("protected", [False, True])
def test_protect_and_release_protection_follow_the_args(protected: bool) -> None:
    mongo = one(mongo_plan(protected=protected), MONGODB)
    assert (mongo.protect, mongo.inputs["dbInstanceReleaseProtection"]) == (protected, protected)


def test_instance_is_tagged() -> None:
    assert missing_tags(one(mongo_plan(), MONGODB)) == []


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(mongo_plan()) == []
    assert len(of_type(mongo_plan(), "llz:documentstore:DocumentStore")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"replication_factor": 2}, "replication_factor"),
        ({"zones": ZONES[:2]}, "zones"),
        ({"zones": (ZONES[0], ZONES[0], ZONES[1])}, "zones"),
        ({"zones": ZONES, "replication_factor": 1}, "replication_factor"),
        ({"zones": ZONES, "replication_factor": 5}, "replication_factor"),
        ({"backup_retention_days": 6}, "backup_retention_days"),
        ({"backup_periods": ()}, "backup_periods"),
        ({"allowed_cidrs": ("0.0.0.0/0",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("198.51.100.0/24",)}, "allowed_cidrs"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^DocumentStoreArgs: {field}: "):
        make_args(**changes)
