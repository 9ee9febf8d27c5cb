"""Cache: Redis master-replica over two zones, app-tier whitelist, TLS, secret password."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from cli.plan import Plan
from components.base import ArgsError
from components.cache import Cache, CacheArgs
from tests.components import (
    APP_CIDRS,
    REDIS,
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


def make_args(**changes: Any) -> CacheArgs:
    args = CacheArgs(
        engine_version="7.0",
        instance_class="redis.shard.small.2.ce",
        zone=ZONES[0],
        secondary_zone=ZONES[1],
        vswitch_id="vsw-data-1",
        security_group_id="sg-data",
        allowed_cidrs=APP_CIDRS,
        app_cidrs=APP_CIDRS,
        tagging=TAGGING,
    )
    return replace(args, **changes)


@cache
def cache_plan(protected: bool = False) -> Plan:
    def program() -> None:
        redis = Cache("t-redis", make_args(deletion_protection=protected, protect=protected))
        probe("password", redis.password)

    return run(program)


def test_replica_lives_in_a_secondary_zone() -> None:
    inputs = one(cache_plan(), REDIS).inputs
    assert inputs["zoneId"] == ZONES[0]
    assert inputs["secondaryZoneId"] == ZONES[1]


def test_whitelist_is_the_app_tier_only() -> None:
    assert one(cache_plan(), REDIS).inputs["securityIps"] == list(APP_CIDRS)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("sslEnable", "Enable"), ("vpcAuthMode", "Open"), ("tdeStatus", "Enabled")],
)
def test_secure_settings(key: str, expected: str) -> None:
    assert one(cache_plan(), REDIS).inputs[key] == expected


def test_backups_are_scheduled() -> None:
    inputs = one(cache_plan(), REDIS).inputs
    assert inputs["backupPeriods"] and inputs["backupTime"] == "03:00Z-04:00Z"


def test_password_is_secret_in_the_plan() -> None:
    assert one(cache_plan(), REDIS).inputs["password"] == SECRET


def test_password_never_appears_in_plaintext() -> None:
    assert "offline-" not in plan_text(cache_plan())


def test_password_output_is_secret() -> None:
    assert one(cache_plan(), "llztest:index:Probe").inputs["value"] == SECRET


@pytest.mark.parametrize("protected", [False, True])
def test_protect_and_release_protection_follow_the_args(protected: bool) -> None:
    redis = one(cache_plan(protected), REDIS)
    assert (redis.protect, redis.inputs["instanceReleaseProtection"]) == (protected, protected)


def test_instance_is_tagged() -> None:
    assert missing_tags(one(cache_plan(), REDIS)) == []


def test_every_resource_is_parented_to_the_component() -> None:
    assert orphans(cache_plan()) == []
    assert len(of_type(cache_plan(), "llz:cache:Cache")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"engine_version": "4.0"}, "engine_version"),
        ({"secondary_zone": ZONES[0]}, "secondary_zone"),
        ({"backup_periods": ()}, "backup_periods"),
        ({"backup_periods": ("Monday", "Moonday")}, "backup_periods"),
        ({"allowed_cidrs": ("0.0.0.0/0",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("203.0.113.0/24",)}, "allowed_cidrs"),
        ({"allowed_cidrs": ("10.99.0.0/24",)}, "allowed_cidrs"),
    ],
)
def test_args_reject_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgsError, match=rf"^CacheArgs: {field}: "):
        make_args(**changes)
