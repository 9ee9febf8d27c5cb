"""The rules' logic: pure functions from one resource to the violations it commits.

A check gets a ``Subject`` (type, inputs, name, URN, protect flag and the rule's config) and
yields one message per violation. Messages name properties and public values only (zones,
CIDRs, charge types), never an input that could be a secret. ``policies.rules`` wraps these
in pulumi-policy validation policies, so both engines run this code.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from policies.settings import RuleConfig

RDS = "alicloud:rds/instance:Instance"
RDS_BACKUP = "alicloud:rds/backupPolicy:BackupPolicy"
REDIS = "alicloud:kvstore/instance:Instance"
MONGODB = "alicloud:mongodb/instance:Instance"
ECS = "alicloud:ecs/instance:Instance"
SG_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule"
LISTENER = "alicloud:slb/listener:Listener"
EIP = "alicloud:ecs/eipAddress:EipAddress"
PACKAGE = "alicloud:vpc/commonBandwithPackage:CommonBandwithPackage"
ATTACHMENT = "alicloud:vpc/commonBandwithPackageAttachment:CommonBandwithPackageAttachment"

# Resource types whose provider schema has a ``tags`` input (checked against pulumi_alicloud
# by tests/test_policies.py, so a new taggable type in the stack cannot slip through).
TAGGABLE: frozenset[str] = frozenset(
    {
        "alicloud:cms/alarm:Alarm",
        EIP,
        ECS,
        "alicloud:ecs/securityGroup:SecurityGroup",
        REDIS,
        MONGODB,
        RDS,
        "alicloud:slb/acl:Acl",
        "alicloud:slb/applicationLoadBalancer:ApplicationLoadBalancer",
        "alicloud:slb/serverCertificate:ServerCertificate",
        "alicloud:slb/serverGroup:ServerGroup",
        PACKAGE,
        "alicloud:vpc/network:Network",
        "alicloud:vpc/switch:Switch",
    }
)
DEFAULT_CHARGE_TYPE = "PayByBandwidth"  # EipAddress and CommonBandwithPackage alike
REQUIRED_TAGS: tuple[str, ...] = ("env", "owner", "cost-center")
MODERN_TLS_POLICIES: frozenset[str] = frozenset(
    {"tls_cipher_policy_1_2_strict", "tls_cipher_policy_1_2_strict_with_1_3"}
)
# RDS editions with a standby: High-availability, Cluster (SQL Server), Enterprise (Finance),
# MySQL Cluster and Serverless HA.
HA_CATEGORIES: frozenset[str] = frozenset(
    {"HighAvailability", "AlwaysOn", "Finance", "cluster", "serverless_ha"}
)


class StackResourceLike(Protocol):
    """A resource of a stack validation: ``pulumi_policy.PolicyResource`` in both engines."""

    @property
    def resource_type(self) -> str: ...

    @property
    def urn(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...

    @property
    def dependencies(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it."""

    resource_type: str
    props: Mapping[str, Any]
    name: str
    urn: str
    protect: bool
    config: RuleConfig
    # Stack rules only: the resources that depend on this one (e.g. an EIP's bandwidth
    # package attachment). None where a rule sees one resource at a time.
    dependents: tuple[StackResourceLike, ...] | None = None

    def get(self, key: str) -> Any:
        return self.props.get(key)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _days(value: Any) -> str:
    number = _number(value)
    return "not set" if number is None else f"{number:g} days"


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "on", "enabled", "enable")
    return value is True


def _items(value: Any) -> list[Any]:
    """A list-like input as a list (the real engine passes read-only Sequence proxies)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [] if value is None else [value]


def _entries(value: Any) -> list[str]:
    """A whitelist as entries: lists, comma-separated strings, or both."""
    items = _items(value)
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def open_to_public(entry: str) -> bool:
    """True for 0.0.0.0/0 (any spelling) and for any publicly routable address or range."""
    if entry in ("0.0.0.0", "%", "*"):
        return True
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False  # security-group ids and unknowns are not addresses
    return network.prefixlen == 0 or network.is_global


# HA ---------------------------------------------------------------------------------------


def ha_rds(s: Subject) -> Iterator[str]:
    category = _text(s.get("category"))
    if category not in HA_CATEGORIES:
        yield f"category is {category or 'not set'!r}; use HighAvailability (primary + standby)"
        return
    primary, standby = _text(s.get("zoneId")), _text(s.get("zoneIdSlaveA"))
    if not standby or standby.lower() == "auto":
        yield "the standby zone (zoneIdSlaveA) is not set to an explicit zone"
    elif standby == primary:
        yield f"primary and standby are both in {primary}; put the standby in another zone"


def ha_redis(s: Subject) -> Iterator[str]:
    zone, secondary = _text(s.get("zoneId")), _text(s.get("secondaryZoneId"))
    if not secondary:
        yield "secondaryZoneId is not set: the replica is in the same zone as the master"
    elif secondary == zone:
        yield f"secondaryZoneId equals zoneId ({zone}); use another zone"


def ha_mongodb(s: Subject) -> Iterator[str]:
    factor = _number(s.get("replicationFactor"))
    if factor is None or factor < 3:
        shown = "not set" if factor is None else f"{factor:g}"
        yield f"replicationFactor is {shown}; a replica set needs at least 3 members"
    zone, secondary = _text(s.get("zoneId")), _text(s.get("secondaryZoneId"))
    hidden = _text(s.get("hiddenZoneId"))
    if not secondary:
        yield "secondaryZoneId is not set: the replica set lives in a single zone"
    elif secondary == zone:
        yield f"secondaryZoneId equals zoneId ({zone}); spread members across zones"
    if hidden and hidden in (zone, secondary):
        yield f"hiddenZoneId ({hidden}) repeats another member's zone"


# NET --------------------------------------------------------------------------------------

_WHITELIST_KEYS = {RDS: "securityIps", REDIS: "securityIps", MONGODB: "securityIpLists"}


def net_whitelist(s: Subject) -> Iterator[str]:
    key = _WHITELIST_KEYS[s.resource_type]
    for entry in _entries(s.get(key)):
        if open_to_public(entry):
            yield f"{key} allows {entry}: the data tier must be reachable from the app tier only"


def _is_any_address(cidr: str) -> bool:
    """0.0.0.0/0 or ::/0, however spelt (0.0.0.0/0.0.0.0, ::0/0...)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def net_security_group(s: Subject) -> Iterator[str]:
    if _text(s.get("type")) != "ingress" or _text(s.get("policy") or "accept") != "accept":
        return
    for key in ("cidrIp", "ipv6CidrIp"):
        cidr = _text(s.get(key)).strip()
        if cidr and _is_any_address(cidr):
            ports = _text(s.get("portRange")) or "all ports"
            yield f"ingress rule accepts {cidr} on {ports}"


def net_public_ip(s: Subject) -> Iterator[str]:
    bandwidth = _number(s.get("internetMaxBandwidthOut"))
    if bandwidth is not None and bandwidth > 0:
        yield (
            f"internetMaxBandwidthOut is {bandwidth:g} Mbps, which gives the instance a public IP"
        )
    if _is_true(s.get("allocatePublicIp")):
        yield "allocatePublicIp is true"


# TLS --------------------------------------------------------------------------------------


def tls_data(s: Subject) -> Iterator[str]:
    if s.resource_type == REDIS:
        if _text(s.get("sslEnable")) != "Enable":
            yield f"sslEnable is {_text(s.get('sslEnable')) or 'not set'!r}; set 'Enable'"
    elif _text(s.get("sslAction")) != "Open":
        yield f"sslAction is {_text(s.get('sslAction')) or 'not set'!r}; set 'Open'"


def tls_listener(s: Subject) -> Iterator[str]:
    protocol = _text(s.get("protocol")).lower()
    if protocol == "https":
        policy = _text(s.get("tlsCipherPolicy"))
        if policy not in MODERN_TLS_POLICIES:
            yield (
                f"HTTPS listener uses TLS policy {policy or 'default (tls_cipher_policy_1_0)'}; "
                f"use one of {', '.join(sorted(MODERN_TLS_POLICIES))}"
            )
    elif protocol == "http" and _text(s.get("listenerForward")) != "on":
        port = _text(s.get("frontendPort")) or "?"
        yield f"plain HTTP listener on port {port} serves traffic instead of redirecting to HTTPS"


# ENC --------------------------------------------------------------------------------------


def enc_tde(s: Subject) -> Iterator[str]:
    status = _text(s.get("tdeStatus"))
    if status.lower() != "enabled":
        yield f"TDE is not enabled (tdeStatus {status or 'not set'})"


def enc_disk(s: Subject) -> Iterator[str]:
    if not _is_true(s.get("systemDiskEncrypted")):
        yield "the system disk is not encrypted (systemDiskEncrypted)"
    for i, disk in enumerate(_items(s.get("dataDisks"))):
        if isinstance(disk, Mapping) and not _is_true(disk.get("encrypted")):
            yield f"data disk {i} is not encrypted"


# BAK / AUD --------------------------------------------------------------------------------


# What an RDS instance keeps when no BackupPolicy sets it: "data backup files are retained
# for at least seven days" (Alibaba Cloud, "Configure automatic backup", RDS for MySQL).
RDS_DEFAULT_BACKUP_DAYS = 7


def backup_retention(s: Subject) -> Iterator[str]:
    minimum = s.config.min_backup_days
    if s.resource_type == RDS:
        # The instance is judged only when no BackupPolicy in the stack sets its retention
        # (the policy itself is judged as its own resource).
        if any(d.resource_type == RDS_BACKUP for d in s.dependents or ()):
            return
        if minimum > RDS_DEFAULT_BACKUP_DAYS:
            yield (
                f"no BackupPolicy: Alibaba Cloud's default keeps backups "
                f"{RDS_DEFAULT_BACKUP_DAYS} days; {s.config.environment} keeps backups "
                f">= {minimum} days"
            )
        return
    key = "backupRetentionPeriod"
    days = _number(s.get(key))
    if days is None or days < minimum:
        yield (
            f"{key} is {_days(s.get(key))}; {s.config.environment} keeps backups >= {minimum} days"
        )


def sql_audit(s: Subject) -> Iterator[str]:
    minimum = s.config.min_sql_audit_days
    if minimum <= 0:
        return
    if _text(s.get("sqlCollectorStatus")) != "Enabled":
        yield "SQL audit is off (sqlCollectorStatus is not 'Enabled')"
        return
    days = _number(s.get("sqlCollectorConfigValue"))
    if days is None or days < minimum:
        yield (
            f"SQL audit keeps {_days(s.get('sqlCollectorConfigValue'))}; "
            f"{s.config.environment} keeps >= {minimum} days"
        )


# PROT / COST / TAG ------------------------------------------------------------------------

_PROTECTION_KEYS = {
    RDS: "deletionProtection",
    REDIS: "instanceReleaseProtection",
    MONGODB: "dbInstanceReleaseProtection",
    EIP: "deletionProtection",
}


def protection(s: Subject) -> Iterator[str]:
    if not s.config.require_protection:
        return
    key = _PROTECTION_KEYS[s.resource_type]
    if not _is_true(s.get(key)):
        yield f"{key} is off: the cloud would let this resource be released"
    if not s.protect:
        yield "the resource is not `protect`ed: pulumi destroy could delete it"


def dependents(resources: Iterable[StackResourceLike]) -> dict[str, list[StackResourceLike]]:
    """URN -> the resources that depend on it (the reverse of ``dependencies``)."""
    out: dict[str, list[StackResourceLike]] = {}
    for resource in resources:
        for dependency in resource.dependencies:
            out.setdefault(dependency.urn, []).append(resource)
    return out


def bandwidth_charge(s: Subject) -> Iterator[str]:
    attachments = [d for d in s.dependents or () if d.resource_type == ATTACHMENT]
    if s.resource_type == EIP and attachments:
        # Joined to a shared bandwidth package (the attachment's instanceId and
        # bandwidthPackageId are unknown ids in a preview, hence the dependencies): the
        # package bills the traffic and is judged itself.
        if not any(p.resource_type == PACKAGE for a in attachments for p in a.dependencies):
            yield (
                "the EIP joins a shared bandwidth package outside this stack, whose charge "
                "type cannot be checked"
            )
        return
    prefix = "eip" if s.resource_type == EIP else "sharedPackage"
    charge = _text(s.get("internetChargeType"))
    # Unset, both the EIP and the package are billed by bandwidth (the provider's default).
    choice = f"{prefix}:{charge or DEFAULT_CHARGE_TYPE}"
    allowed = s.config.allowed_charge_types
    if choice not in allowed:
        shown = choice if charge else f"{choice} (internetChargeType not set: the default)"
        yield (
            f"bandwidth charge type {shown} is not allowed in {s.config.environment} "
            f"(allowed: {', '.join(allowed) or 'none'})"
        )


def tags(s: Subject) -> Iterator[str]:
    raw = s.get("tags")
    present = raw if isinstance(raw, Mapping) else {}
    missing = [t for t in REQUIRED_TAGS if not _text(present.get(t)).strip()]
    if missing:
        yield f"missing tag(s): {', '.join(missing)}"
    env = _text(present.get("env"))
    if env and env != s.config.environment:
        yield f"tag env is {env!r} in the {s.config.environment} environment"
