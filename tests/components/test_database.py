"""Database: HA RDS MySQL, app-tier whitelist, per-system databases, secret passwords."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.base import ArgsError
from components.database import Database, DatabaseArgs
from tests.components import (
    APP_CIDRS,
    RDS,
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
    taggable,
)

SYSTEMS = ("oa", "erp", "finance")


def make_args(**changes: Any) -> DatabaseArgs:
    args = DatabaseArgs(
        engine_version="8.0",
        instance_class="mysql.n2.medium.2c",
        storage_gb=50,
        storage_type="cloud_essd",
        zones=(ZONES[0], ZONES[1]),
        vswitch_ids=("vsw-data-1", "vsw-data-2"),
        vpc_id="vpc-1",
        security_group_id="sg-data",
        allowed_cidrs=APP_CIDRS,
        app_cidrs=APP_CIDRS,
        databases=SYSTEMS,
        tagging=TAGGING,
    )
    return replace(args, **changes)


@cache
def database_plan(protected: bool = False) -> Plan:
    def program() -> None:
        database = Database(
            "t-rds",
            make_args(deletion_protection=protected, protect=protected,
                      backup_retention_days=30 if protected else 7),
        )
        for system, password in database.passwords.items():
            probe(f"password-{system}", password)

    return run(program)


def test_instance_is_high_availability() -> None:
    assert one(database_plan(), RDS).inputs["category"] == "HighAvailability"


def test_standby_zone_differs_from_primary_zone() -> None:
    inputs = one(database_plan(), RDS).inputs
    assert (inputs["zoneId"], inputs["zoneIdSlaveA"]) == (ZONES[0], ZONES[1])


def test_instance_has_a_vswitch_in_each_zone() -> None:
    assert one(database_plan(), RDS).inputs["vswitchId"] == "vsw-data-1,vsw-data-2"


def test_whitelist_is_the_app_tier_only() -> None:
    assert one(database_plan(), RDS).inputs["securityIps"] == list(APP_CIDRS)


def test_only_the_data_security_group_is_attached() -> None:
    assert one(database_plan(), RDS).inputs["securityGroupIds"] == ["sg-data"]


def test_connections_use_ssl() -> None:
    assert one(database_plan(), RDS).inputs["sslAction"] == "Open"


def test_sql_audit_is_on() -> None:
    assert one(database_plan(), RDS).inputs["sqlCollectorStatus"] == "Enabled"


def test_backup_policy_keeps_the_configured_retention() -> None:
    policy = one(database_plan(protected=True), "alicloud:rds/backupPolicy:BackupPolicy")
    assert policy.inputs["backupRetentionPeriod"] == 30


@pytest.mark.parametrize(
    "type_token",
    ["alicloud:rds/database:Database", "alicloud:rds/rdsAccount:RdsAccount",
     "alicloud:rds/accountPrivilege:AccountPrivilege"],
)
def test_one_per_system(type_token: str) -> None:
    assert len(of_type(database_plan(), type_token)) == len(SYSTEMS)


def test_account_passwords_are_secret_in_the_plan() -> None:
    accounts = of_type(database_plan(), "alicloud:rds/rdsAccount:RdsAccount")
    assert {a.inputs["accountPassword"] for a in accounts} == {SECRET}


def test_generated_passwords_never_appear_in_plaintext() -> None:
    assert "offline-" not in plan_text(database_plan())


def test_password_outputs_are_secret() -> None:
    probes = of_type(database_plan(), "llztest:index:Probe")
    assert sorted(p.name for p in probes) == sorted(f"password-{s}" for s in SYSTEMS)
    assert {p.inputs["value"] for p in probes} == {SECRET}


@pytest.mark.parametrize("protected", [False, True])
def test_deletion_protection_follows_the_args(protected: bool) -> None:
    assert one(database_plan(protected), RDS).inputs["deletionProtection"] is protected


@pytest.mark.parametrize(
    "type_token", [RDS, "alicloud:rds/database:Database"]
)
@pytest.mark.parametrize("protected", [False, True])
def test_stateful_resources_carry_protect_when_asked(type_token: str, protected: bool) -> None:
    assert {r.protect for r in of_type(database_plan(protected), type_token)} == {protected}


def test_every_taggable_resource_is_tagged() -> None:
    resources = taggable(database_plan())
    assert resources
    assert {r.name: missing_tags(r) for r in resources if missing_tags(r)} == {}


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(database_plan()) == []


def test_component_type_token() -> None:
    assert one(database_plan(), "llz:database:Database").name == "t-rds"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zones": (ZONES[0], ZONES[0])}, "zones"),
        ({"engine_version": "5.6"}, "engine_version"),
        ({"backup_retention_days": 3}, "backup_retention_days"),
        ({"databases": ("oa", "oa")}, "databases"),
        ({"databases": ("office-automation-and-workflows",)}, "databases"),
        ({"backup_periods": ("Monday",)}, "backup_periods"),
        ({"backup_periods": ("Monday", "Monday")}, "backup_periods"),
        ({"allowed_cidrs": ("0.0.0.0/0",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("8.8.8.0/24",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("10.10.0.0/16",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ()}, "allowed_cidrs"),
        ({"allowed_cidrs": ("not-a-cidr",)}, "allowed_cidrs"),
        ({"app_cidrs": ("0.0.0.0/0",), "allowed_cidrs": ("8.8.8.0/24",)}, "allowed_cidrs"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^DatabaseArgs: {field}: "):
        make_args(**changes)
