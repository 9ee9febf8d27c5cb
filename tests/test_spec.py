"""The spec loader: a bad stack config gives one clear error naming the file and the key."""

from __future__ import annotations

import copy
from pathlib import Path as PathType
from typing import Any

import pytest

from stacks.config import PROJECT, StackConfig, read_stack_file, spec_from_config
from stacks.errors import InputError
from stacks.spec import LandingZoneSpec
from tests.conftest import ENVIRONMENTS, PROJECT_DIR

Path = tuple[str | int, ...]
DELETE = object()


def shipped(env: str) -> StackConfig:
    return read_stack_file(PROJECT_DIR, env)


def changed(env: str, *changes: tuple[Path, Any], secret: frozenset[str] | None = None
            ) -> StackConfig:
    """A copy of a shipped config with values set (or deleted) at the given paths."""
    base = shipped(env)
    values: dict[str, Any] = copy.deepcopy(dict(base.values))
    for path, value in changes:
        *parents, last = path
        target: Any = values
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return StackConfig(base.source, values, base.secret_keys if secret is None else secret)


def load(config: StackConfig, env: str) -> LandingZoneSpec:
    return spec_from_config(config, PROJECT, env)


def rejection(config: StackConfig, env: str) -> InputError:
    with pytest.raises(InputError) as caught:
        load(config, env)
    return caught.value


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_shipped_configs_load(env: str) -> None:
    spec = load(shipped(env), env)
    assert (spec.environment, spec.stack, spec.project) == (env, env, PROJECT)


def test_spec_is_immutable() -> None:
    spec = load(shipped("dev"), "dev")
    with pytest.raises(ValueError, match="frozen"):
        spec.database.storage_gb = 10  # type: ignore[misc]


NET = "llz:network"
DB = "llz:database"
SYS = "llz:systems"

# (case id, env, changes, expected key named in the error)
CASES: list[tuple[str, str, tuple[tuple[Path, Any], ...], str]] = [
    ("unknown llz key", "dev", (((("llz:colour",), "blue")),), "llz:colour"),
    ("unknown nested key", "dev", (((NET, "subnets"), ["10.10.3.0/24"]),), "llz:network.subnets"),
    ("unknown namespace", "dev", ((("aws:region",), "us-east-1"),), "aws:region"),
    ("unread alicloud key", "dev", ((("alicloud:profile",), "ops"),), "alicloud:profile"),
    ("llz:region is not a setting", "dev", ((("llz:region",), "cn-shanghai"),), "llz:region"),
    ("string for an int", "dev", (((DB, "storageGb"), "fifty"),), "llz:database.storageGb"),
    ("float for an int", "dev", (((DB, "storageGb"), 50.5),), "llz:database.storageGb"),
    ("bool for an int", "dev", (((DB, "storageGb"), True),), "llz:database.storageGb"),
    ("string for a bool", "dev", (((SYS, 0, "database"), "yes"),), "llz:systems[0].database"),
    ("string for a list", "dev", (((NET, "zones"), "cn-shanghai-e"),), "llz:network.zones"),
    ("string for a section", "dev", ((("llz:cache",), "redis"),), "llz:cache"),
    ("prefix too long", "dev", (((NET, "vpcCidr"), "10.10.0.0/33"),), "llz:network.vpcCidr"),
    ("host bits set", "dev", (((NET, "vpcCidr"), "10.10.0.1/16"),), "llz:network.vpcCidr"),
    ("public VPC range", "dev", (((NET, "vpcCidr"), "8.8.0.0/16"),), "llz:network.vpcCidr"),
    ("IPv6 VPC range", "dev", (((NET, "vpcCidr"), "fd00::/48"),), "llz:network.vpcCidr"),
    ("garbage app CIDR", "dev", (((NET, "appCidrs", 1), "10.10.2.0/24x"),),
     "llz:network.appCidrs[1]"),
    ("overlapping app CIDRs", "dev", (((NET, "appCidrs"), ["10.10.1.0/24", "10.10.1.128/25"]),),
     "llz:network"),
    ("app overlaps data", "dev", (((NET, "dataCidrs", 0), "10.10.0.0/23"),), "llz:network"),
    ("subnet outside the VPC", "dev", (((NET, "dataCidrs", 1), "10.99.12.0/24"),),
     "llz:network"),
    ("one CIDR short", "dev", (((NET, "appCidrs"), ["10.10.1.0/24"]),), "llz:network"),
    ("network zones the same", "dev", (((NET, "zones"), ["cn-shanghai-e", "cn-shanghai-e"]),),
     "llz:network.zones"),
    ("only one zone", "dev", (((NET, "zones"), ["cn-shanghai-e"]),), "llz:network.zones"),
    ("zone outside the region", "dev", (((NET, "zones", 1), "cn-beijing-f"),),
     "llz:network.zones"),
    ("HA zones the same", "dev", (((DB, "zones"), ["cn-shanghai-e", "cn-shanghai-e"]),),
     "llz:database.zones"),
    ("HA zone not in the network", "dev", (((DB, "zones"), ["cn-shanghai-e", "cn-shanghai-g"]),),
     "llz:database.zones"),
    ("database open to the world", "dev", (((DB, "allowedCidrs"), ["0.0.0.0/0"]),),
     "llz:database.allowedCidrs"),
    ("database open to the data tier", "dev", (((DB, "allowedCidrs"), ["10.10.11.0/24"]),),
     "llz:database.allowedCidrs"),
    ("database open to the whole VPC", "dev", (((DB, "allowedCidrs"), ["10.10.0.0/16"]),),
     "llz:database.allowedCidrs"),
    ("empty cache whitelist", "dev", ((("llz:cache", "allowedCidrs"), []),),
     "llz:cache.allowedCidrs"),
    ("cache open to the world", "dev", ((("llz:cache", "allowedCidrs"), ["0.0.0.0/0"]),),
     "llz:cache.allowedCidrs"),
    ("mongodb open to an office", "dev",
     ((("llz:documentStore", "allowedCidrs"), ["203.0.113.0/28"]),),
     "llz:documentStore.allowedCidrs"),
    ("office CIDR is the internet", "dev", ((("llz:ingress", "officeCidrs"), ["0.0.0.0/0"]),),
     "llz:ingress.officeCidrs[0]"),
    ("system open to the internet", "dev", (((SYS, 2, "allowedCidrs"), ["0.0.0.0/0"]),),
     "llz:systems[2].allowedCidrs[0]"),
    ("prod without deletion protection", "prod",
     ((("llz:protection", "deletionProtection"), False),), "llz:protection"),
    ("prod without protect", "prod", ((("llz:protection", "protectStateful"), False),),
     "llz:protection"),
    ("prod with short backups", "prod", (((DB, "backupRetentionDays"), 7),),
     "llz:database.backupRetentionDays"),
    ("prod with short SQL audit", "prod", (((DB, "sqlAuditRetentionDays"), 30),),
     "llz:database.sqlAuditRetentionDays"),
    ("missing section", "dev", ((("llz:database",), DELETE),), "llz:database"),
    ("missing region", "dev", ((("alicloud:region",), DELETE),), "alicloud:region"),
    ("missing nested key", "dev", (((NET, "vpcCidr"), DELETE),), "llz:network.vpcCidr"),
    ("system name too long for its RDS account", "dev",
     (((SYS, 0, "name"), "office-automation-and-workflows"),), "llz:systems[0].name"),
    ("duplicate system names", "dev", (((SYS, 1, "name"), "oa"),), "llz:systems"),
    ("duplicate listener ports", "dev", (((SYS, 1, "listenerPort"), 443),), "llz:systems"),
    ("listener on the redirect port", "dev", (((SYS, 1, "listenerPort"), 80),), "llz:systems"),
    ("https without certificate", "dev", ((("llz:ingress", "certificate"), DELETE),),
     "llz:systems"),
    ("https without private key", "dev", ((("llz:tlsPrivateKey",), DELETE),), "llz:systems"),
    ("certificate not PEM", "dev", ((("llz:ingress", "certificate", "publicKey"), "abc"),),
     "llz:ingress.certificate.publicKey"),
    ("tcp with a health-check path", "dev", (((SYS, 0, "protocol"), "tcp"),), "llz:systems[0]"),
    ("port out of range", "dev", (((SYS, 0, "backendPort"), 70000),),
     "llz:systems[0].backendPort"),
    ("replication factor 2", "dev", ((("llz:documentStore", "replicationFactor"), 2),),
     "llz:documentStore.replicationFactor"),
    ("redis 4.0", "dev", ((("llz:cache", "engineVersion"), "4.0"),), "llz:cache.engineVersion"),
    ("EIP charged PayBy95", "dev", ((("llz:bandwidth", "eipChargeType"), "PayBy95"),),
     "llz:bandwidth.eipChargeType"),
    ("PayByTraffic over 200 Mbps", "dev", ((("llz:bandwidth", "maxMbps"), 300),),
     "llz:bandwidth"),
    ("charge type outside policy", "dev",
     ((("llz:bandwidth", "eipChargeType"), "PayByBandwidth"),), "llz:bandwidth"),
    ("storage not a multiple of 5", "dev", (((DB, "storageGb"), 52),), "llz:database.storageGb"),
    ("mongodb storage not a multiple of 10", "dev",
     ((("llz:documentStore", "storageGb"), 25),), "llz:documentStore.storageGb"),
    ("backup window", "dev", (((DB, "backupTime"), "2am"),), "llz:database.backupTime"),
    ("RDS backs up on one day only", "dev", (((DB, "backupPeriods"), ["Monday"]),),
     "llz:database.backupPeriods"),
    ("cache backup day twice", "dev",
     ((("llz:cache", "backupPeriods"), ["Monday", "Monday"]),), "llz:cache.backupPeriods"),
    ("mongodb without backup days", "dev", ((("llz:documentStore", "backupPeriods"), []),),
     "llz:documentStore.backupPeriods"),
    ("unknown load balancer spec", "dev", ((("llz:ingress", "loadBalancerSpec"), "slb.s9.huge"),),
     "llz:ingress.loadBalancerSpec"),
    ("cache backup window", "dev", ((("llz:cache", "backupTime"), "03:00-04:00"),),
     "llz:cache.backupTime"),
    ("backend URL", "dev", ((("llz:backend",), {"url": "ftp://state"}),), "llz:backend.url"),
    ("retention under 7 days", "dev", (((DB, "backupRetentionDays"), 3),),
     "llz:database.backupRetentionDays"),
    ("bad contact email", "dev", ((("llz:monitoring", "contacts", 0, "email"), "ops"),),
     "llz:monitoring.contacts[0].email"),
    ("unknown environment", "dev", ((("llz:environment",), "qa"),), "llz:environment"),
    ("tag extra overrides env", "dev", ((("llz:tags", "extra", "env"), "prod"),),
     "llz:tags.extra"),
    ("package smaller than the EIP share", "prod",
     ((("llz:bandwidth", "package", "bandwidthMbps"), 100),), "llz:bandwidth"),
    ("duplicate contact names", "dev",
     ((("llz:monitoring", "contacts", 1, "name"), "ops-oncall"),), "llz:monitoring.contacts"),
    ("single mongodb node over three zones", "prod",
     ((("llz:documentStore", "replicationFactor"), 1),), "llz:documentStore.replicationFactor"),
    ("five mongodb members over three zones", "prod",
     ((("llz:documentStore", "replicationFactor"), 5),), "llz:documentStore.replicationFactor"),
    ("empty key pair name", "dev", ((("llz:appServers", "keyPairName"), ""),),
     "llz:appServers.keyPairName"),
    ("terminal escape in a tag", "dev", ((("llz:tags", "owner"), "ops\x1b[31m"),),
     "llz:tags.owner"),
    ("tag value over 128 characters", "dev", ((("llz:tags", "costCenter"), "C" * 129),),
     "llz:tags.costCenter"),
    ("newline in a one-line text", "dev", (((SYS, 0, "description"), "OA\nfake: line"),),
     "llz:systems[0].description"),
]


@pytest.mark.parametrize(
    ("env", "changes", "key"),
    [pytest.param(env, changes, key, id=name) for name, env, changes, key in CASES],
)
def test_bad_config_is_rejected_naming_the_key(
    env: str, changes: tuple[tuple[Path, Any], ...], key: str
) -> None:
    error = rejection(changed(env, *changes), env)
    assert key in [p.key for p in error.problems], str(error)


@pytest.mark.parametrize(
    ("env", "changes", "key"),
    [pytest.param(env, changes, key, id=name) for name, env, changes, key in CASES],
)
def test_error_message_names_the_file_then_the_key(
    env: str, changes: tuple[tuple[Path, Any], ...], key: str
) -> None:
    lines = str(rejection(changed(env, *changes), env)).splitlines()
    assert any(line.startswith(f"stacks/Pulumi.{env}.yaml: {key}: ") for line in lines), lines


def test_plaintext_value_for_a_secret_key_is_rejected() -> None:
    config = changed("dev", (("llz:alarmWebhook",), "https://hook.example.cn/plaintext"),
                     secret=frozenset({"llz:tlsPrivateKey"}))
    error = rejection(config, "dev")
    assert [p.key for p in error.problems] == ["llz:alarmWebhook"]
    assert "--secret" in error.problems[0].reason


def test_plaintext_secret_value_is_not_echoed() -> None:
    config = changed("dev", (("llz:alarmWebhook",), "https://hook.example.cn/plaintext"),
                     secret=frozenset({"llz:tlsPrivateKey"}))
    assert "plaintext" not in str(rejection(config, "dev"))


def test_secure_value_on_a_non_secret_key_is_rejected() -> None:
    config = changed("dev", secret=shipped("dev").secret_keys | {"llz:environment"})
    assert [p.key for p in rejection(config, "dev").problems] == ["llz:environment"]


def test_every_problem_is_reported_at_once() -> None:
    config = changed(
        "dev",
        (("alicloud:profile",), "ops"),
        (("aws:region",), "us-east-1"),
        (("alicloud:region",), DELETE),
    )
    keys = {p.key for p in rejection(config, "dev").problems}
    assert keys == {"alicloud:profile", "aws:region", "alicloud:region"}


def test_every_model_problem_is_reported_at_once() -> None:
    config = changed("dev", (("llz:colour",), "blue"), (("llz:database", "storageGb"), "x"))
    keys = {p.key for p in rejection(config, "dev").problems}
    assert keys == {"llz:colour", "llz:database.storageGb"}


def test_nested_secure_value_in_the_file_is_rejected(tmp_path: PathType) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  llz:tags:\n    owner: {secure: v1:abc}\n"
    )
    with pytest.raises(InputError) as caught:
        read_stack_file(tmp_path, "dev")
    assert caught.value.source == "stacks/Pulumi.dev.yaml"
    assert [p.key for p in caught.value.problems] == ["llz:tags.owner"]


def test_unknown_top_level_file_key_is_rejected(tmp_path: PathType) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config: {}\nconfg: {}\n")
    with pytest.raises(InputError) as caught:
        read_stack_file(tmp_path, "dev")
    assert [p.key for p in caught.value.problems] == ["confg"]


def test_a_key_holding_spaces_or_colons_is_quoted_in_the_error(tmp_path: PathType) -> None:
    """An uncommented comment line becomes a key; quoted, it cannot blur 'file: key: reason'."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config: {}\n. Secure values are Pulumi secrets: set them\n"
    )
    with pytest.raises(InputError) as caught:
        read_stack_file(tmp_path, "dev")
    assert str(caught.value).startswith(
        "stacks/Pulumi.dev.yaml: '. Secure values are Pulumi secrets': unknown top-level key"
    )


def test_a_nested_key_that_is_not_a_plain_name_is_quoted_in_brackets() -> None:
    config = changed("dev", (("llz:network", "vpc cidr: x"), "10.0.0.0/8"))
    keys = [p.key for p in rejection(config, "dev").problems]
    assert keys == ["llz:network['vpc cidr: x']"]
    config = changed("dev", (("llz:colour scheme",), "blue"))
    assert [p.key for p in rejection(config, "dev").problems] == ["'llz:colour scheme'"]


@pytest.mark.parametrize(
    ("word", "value"),
    [("yes", True), ("on", True), ("y", True), ("Y", True), ("no", False), ("off", False),
     ("n", False), ("NO", False)],
)
def test_boolean_words_read_as_the_pulumi_cli_reads_them(
    tmp_path: PathType, word: str, value: bool
) -> None:
    """The CLI reads stack files with Go's yaml.v2: y/n/yes/no/on/off are booleans."""
    (tmp_path / "stacks").mkdir()
    text = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text()
    assert "      database: true\n" in text
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        text.replace("      database: true\n", f"      database: {word}\n", 1)
    )
    config = read_stack_file(tmp_path, "dev")
    assert config.values[SYS][0]["database"] is value
    assert load(config, "dev").systems[0].database is value


def test_dates_and_base_60_numbers_stay_text(tmp_path: PathType) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  llz:tags:\n    owner: 2024-01-01\n    costCenter: 12:30\n"
    )
    config = read_stack_file(tmp_path, "dev")
    assert config.values["llz:tags"] == {"owner": "2024-01-01", "costCenter": "12:30"}


def test_an_unquoted_version_is_refused_with_a_hint(tmp_path: PathType) -> None:
    (tmp_path / "stacks").mkdir()
    text = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text()
    assert '    engineVersion: "8.0"\n' in text
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        text.replace('    engineVersion: "8.0"\n', "    engineVersion: 8.0\n", 1)
    )
    error = rejection(read_stack_file(tmp_path, "dev"), "dev")
    assert [p.key for p in error.problems] == ["llz:database.engineVersion"]
    assert error.problems[0].reason.endswith('(a text value: quote it, e.g. "8.0")')
