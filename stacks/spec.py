"""LandingZoneSpec: a stack's config as a typed, validated, immutable value.

The models are pydantic v2 models (frozen, unknown keys forbidden, camelCase keys as in the
stack files). Every rule that Alibaba Cloud or the firm's policy imposes on a single value
or between values is checked here, at load time, so a bad config never reaches an engine.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

Environment = Literal["dev", "staging", "prod"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_ZONE = re.compile(r"^[a-z]{2}-[a-z0-9-]+-[a-z0-9]+$")
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")
_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):00Z-([01]\d|2[0-3]):00Z$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Tag keys every component sets on its resources (components.base.TAG_KEYS).
_COMPONENT_TAGS = ("env", "system", "owner", "cost-center")


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR block ({exc})") from None
    if network.version != 4:
        raise ValueError(f"{value!r} is not an IPv4 CIDR block")
    return str(network)


def _private_cidr(value: str) -> str:
    network = ipaddress.ip_network(_cidr(value))
    if not network.is_private:
        raise ValueError(f"{value!r} is not a private (RFC 1918) range")
    return str(network)


def _office_cidr(value: str) -> str:
    network = ipaddress.ip_network(_cidr(value))
    if network.prefixlen == 0:
        raise ValueError(
            "0.0.0.0/0 would open the system to the whole internet; list office ranges"
        )
    return str(network)


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid name (lower-case letters, digits and '-', "
            "starting with a letter, 2-31 characters)"
        )
    return value


def _zone(value: str) -> str:
    if not _ZONE.match(value):
        raise ValueError(f"{value!r} is not an Alibaba Cloud zone id such as 'cn-shanghai-e'")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(value: str) -> str:
    """Printable single-line text: no newlines or escape sequences reach a terminal or tag."""
    value = _non_empty(value)
    if _CONTROL.search(value):
        raise ValueError("must be one line of printable text (no control characters)")
    return value


def _backup_window(value: str) -> str:
    if not _BACKUP_WINDOW.match(value):
        raise ValueError(f"{value!r} must be a one-hour UTC window like '02:00Z-03:00Z'")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _pem_certificate(value: str) -> str:
    if "-----BEGIN CERTIFICATE-----" not in value:
        raise ValueError("must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
    return value


def _backend_url(value: str) -> str:
    if not re.match(r"^(file|s3|https?|azblob|gs)://", value):
        raise ValueError("must be a Pulumi backend URL (file://, s3://, https://)")
    return value


def _distinct(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError(f"must be distinct zones, got {', '.join(values)}")
    return values


def _multiple_of(step: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value % step:
            raise ValueError(f"must be a multiple of {step}, got {value}")
        return value

    check.__name__ = f"_multiple_of_{step}"
    return check


Cidr = Annotated[StrictStr, AfterValidator(_cidr)]
PrivateCidr = Annotated[StrictStr, AfterValidator(_private_cidr)]
OfficeCidr = Annotated[StrictStr, AfterValidator(_office_cidr)]
Name = Annotated[StrictStr, AfterValidator(_name)]
Zone = Annotated[StrictStr, AfterValidator(_zone)]
Text = Annotated[StrictStr, AfterValidator(_non_empty)]
Line = Annotated[StrictStr, Field(max_length=256), AfterValidator(_one_line)]
# Alibaba Cloud tag keys and values are at most 128 characters.
TagText = Annotated[StrictStr, Field(max_length=128), AfterValidator(_one_line)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Percent = Annotated[StrictInt, Field(ge=1, le=100)]
BackupWindow = Annotated[StrictStr, AfterValidator(_backup_window)]
Email = Annotated[StrictStr, AfterValidator(_email)]
PemCertificate = Annotated[StrictStr, AfterValidator(_non_empty), AfterValidator(_pem_certificate)]
BackendUrl = Annotated[StrictStr, AfterValidator(_backend_url)]
RdsStorage = Annotated[StrictInt, Field(ge=20, le=32000), AfterValidator(_multiple_of(5))]
MongoStorage = Annotated[StrictInt, Field(ge=10, le=3000), AfterValidator(_multiple_of(10))]
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAYS: tuple[Weekday, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)


def _networks(cidrs: tuple[str, ...]) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(c) for c in cidrs]


def _distinct_days(days: tuple[str, ...]) -> tuple[str, ...]:
    repeated = sorted({d for d in days if days.count(d) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once")
    return days


# What the three data services (RDS, Redis, MongoDB) share: who may connect and when backups run.
DataWhitelist = Annotated[
    Annotated[tuple[Cidr, ...], Field(min_length=1)] | None,
    Field(
        description=(
            "IP whitelist; defaults to the app-tier CIDRs. Only ranges inside the app tier "
            "are accepted (never 0.0.0.0/0)."
        ),
    ),
]
Weekdays = Annotated[tuple[Weekday, ...], AfterValidator(_distinct_days)]
BackupDays = Annotated[
    Weekdays, Field(min_length=1, description="Weekdays on which backups run.")
]


def _backup_time(default: str) -> Any:
    """The backup window field of a data service, with its own default window."""
    return Field(default, description=f"Backup window, one hour in UTC, like {default}.")


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Tags(Model):
    """Tags put on every taggable resource (env and system are added by the components)."""

    owner: TagText = Field(
        description="Team that owns the landing zone; tagged as owner on every taggable resource.",
    )
    cost_center: TagText = Field(
        description="Cost centre the resources are charged to; tagged as cost-center.",
    )
    extra: dict[TagText, TagText] = Field(
        default_factory=dict,
        description=(
            "Further tags for every taggable resource. The keys env, system, owner and "
            "cost-center are reserved: the components set them."
        ),
    )

    @field_validator("extra")
    @classmethod
    def _check_extra(cls, extra: dict[str, str]) -> dict[str, str]:
        reserved = sorted(set(extra) & set(_COMPONENT_TAGS))
        if reserved:
            raise ValueError(
                f"reserved tag key(s) {', '.join(reserved)}: the components set env, system, "
                "owner and cost-center themselves (use owner and costCenter above)"
            )
        return extra


class NetworkSpec(Model):
    """The VPC: one app-tier and one data-tier vSwitch in each zone."""

    vpc_cidr: PrivateCidr = Field(description="The VPC's private (RFC 1918) address range.")
    zones: Annotated[tuple[Zone, ...], AfterValidator(_distinct)] = Field(
        min_length=2, max_length=3,
        description=(
            "Two or three distinct zones of alicloud:region (e.g. cn-shanghai-e). App "
            "servers, the load balancer, RDS and Redis use the first two; with three zones "
            "MongoDB spreads over all three."
        ),
    )
    app_cidrs: tuple[PrivateCidr, ...] = Field(
        description=(
            "App-tier vSwitch CIDRs, one per zone in the order of zones; inside vpcCidr and "
            "not overlapping any other vSwitch."
        ),
    )
    data_cidrs: tuple[PrivateCidr, ...] = Field(
        description=(
            "Data-tier vSwitch CIDRs, one per zone in the order of zones; inside vpcCidr and "
            "not overlapping any other vSwitch."
        ),
    )

    @model_validator(mode="after")
    def _check_layout(self) -> NetworkSpec:
        for tier, cidrs in (("appCidrs", self.app_cidrs), ("dataCidrs", self.data_cidrs)):
            if len(cidrs) != len(self.zones):
                raise ValueError(
                    f"{tier} needs exactly one CIDR per zone ({len(self.zones)}), got {len(cidrs)}"
                )
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        subnets = _networks(self.app_cidrs + self.data_cidrs)
        for subnet in subnets:
            if not subnet.subnet_of(vpc):
                raise ValueError(f"{subnet} is not inside vpcCidr {vpc}")
        for i, left in enumerate(subnets):
            for right in subnets[i + 1 :]:
                if left.overlaps(right):
                    raise ValueError(f"vSwitch CIDRs {left} and {right} overlap")
        return self


class CertificateSpec(Model):
    """An HTTPS server certificate; its private key is the secret ``llz:tlsPrivateKey``."""

    name: Name = Field(description="Name of the server certificate on the load balancer.")
    public_key: PemCertificate = Field(
        description=(
            "The PEM certificate (chain) the https listeners present; its private key is the "
            "secret llz:tlsPrivateKey."
        ),
    )


TlsCipherPolicy = Literal[
    "tls_cipher_policy_1_0",
    "tls_cipher_policy_1_1",
    "tls_cipher_policy_1_2",
    "tls_cipher_policy_1_2_strict",
    "tls_cipher_policy_1_2_strict_with_1_3",
]
MODERN_TLS_POLICIES: frozenset[str] = frozenset(
    {"tls_cipher_policy_1_2_strict", "tls_cipher_policy_1_2_strict_with_1_3"}
)


class IngressSpec(Model):
    """The one way in: a load balancer bound to an Elastic IP."""

    office_cidrs: tuple[OfficeCidr, ...] = Field(
        min_length=1,
        description=(
            "Office ranges allowed to reach the systems (each listener's white-list ACL) "
            "unless a system sets its own allowedCidrs; 0.0.0.0/0 is refused."
        ),
    )
    load_balancer_spec: Literal[
        "slb.s1.small", "slb.s2.small", "slb.s2.medium", "slb.s3.small", "slb.s3.medium",
        "slb.s3.large", "slb.s4.large",
    ] = Field(
        "slb.s2.small",
        description="Classic Load Balancer specification (capacity) of the one load balancer.",
    )
    tls_cipher_policy: TlsCipherPolicy = Field(
        "tls_cipher_policy_1_2_strict_with_1_3",
        description=(
            "TLS cipher policy of the https listeners; the tls_cipher_policy_1_2_strict* "
            "policies are the modern ones the audit expects."
        ),
    )
    certificate: CertificateSpec | None = Field(
        None,
        description="Server certificate for https systems; required when any system uses https.",
    )


# RDS MySQL 5.7/8.0 account names have 2-32 characters; a system's account is <name>_app.
MAX_DATABASE_SYSTEM_NAME = 32 - len("_app")


class SystemSpec(Model):
    """One internal system published through the load balancer."""

    name: Name = Field(
        description=(
            "System name (unique): used in resource names, tags, the "
            "database and account names."
        ),
    )
    description: Line = Field(description="What the system is, for people.")
    protocol: Literal["https", "http", "tcp"] = Field(
        description=(
            "Listener protocol. https needs ingress.certificate and llz:tlsPrivateKey; tcp "
            "passes client addresses through to the app tier."
        ),
    )
    listener_port: Port = Field(
        description=(
            "Port the load balancer listens on for this system (unique across systems and "
            "redirect ports)."
        ),
    )
    backend_port: Port = Field(
        description="Port of the system on the app servers (the server group's port).",
    )
    health_check_path: StrictStr | None = Field(
        None,
        description=(
            "HTTP path the load balancer health-checks; required for http and https, not "
            "allowed for tcp."
        ),
    )
    allowed_cidrs: tuple[OfficeCidr, ...] | None = Field(
        None,
        description=(
            "Office ranges allowed to this system; defaults to ingress.officeCidrs. 0.0.0.0/0"
            " is refused."
        ),
    )
    redirect_http_port: Port | None = Field(
        None,
        description=(
            "https systems only: an extra http listener on this port that redirects to "
            "listenerPort."
        ),
    )
    database: StrictBool = Field(
        False,
        description=(
            "Give the system its own RDS database and account (password "
            "generated and kept secret)."
        ),
    )

    @model_validator(mode="after")
    def _check_listener(self) -> SystemSpec:
        if self.protocol == "tcp":
            if self.health_check_path is not None:
                raise ValueError("healthCheckPath only applies to http and https systems")
        elif self.health_check_path is None or not self.health_check_path.startswith("/"):
            raise ValueError("healthCheckPath must be set to a path starting with '/'")
        if self.redirect_http_port is not None and self.protocol != "https":
            raise ValueError("redirectHttpPort only applies to https systems")
        if self.redirect_http_port == self.listener_port:
            raise ValueError("redirectHttpPort must differ from listenerPort")
        return self

    def frontend_ports(self) -> tuple[int, ...]:
        extra = () if self.redirect_http_port is None else (self.redirect_http_port,)
        return (self.listener_port, *extra)


EipChargeType = Literal["PayByTraffic", "PayByBandwidth"]
PackageChargeType = Literal["PayByBandwidth", "PayBy95"]
BANDWIDTH_CHARGE_TYPES: tuple[str, ...] = (
    "eip:PayByTraffic",
    "eip:PayByBandwidth",
    "sharedPackage:PayByBandwidth",
    "sharedPackage:PayBy95",
)


class BandwidthPackageSpec(Model):
    charge_type: PackageChargeType = Field(
        "PayByBandwidth",
        description=(
            "Billing of the shared bandwidth package: by bandwidth or by "
            "the 95th percentile (PayBy95)."
        ),
    )
    bandwidth_mbps: Annotated[StrictInt, Field(ge=2, le=5000)] = Field(
        description="Bandwidth of the shared package in Mbps; at least bandwidth.maxMbps.",
    )


class BandwidthSpec(Model):
    """Pay-as-you-go internet bandwidth for the ingress EIP."""

    mode: Literal["eip", "sharedPackage"] = Field(
        "eip",
        description=(
            "eip: the EIP is billed by itself; sharedPackage: the EIP joins a shared "
            "bandwidth package (needs package)."
        ),
    )
    eip_charge_type: EipChargeType = Field(
        "PayByTraffic",
        description="How the EIP is billed in mode eip (pay-as-you-go by traffic or by bandwidth).",
    )
    max_mbps: Annotated[StrictInt, Field(ge=1, le=500)] = Field(
        description=(
            "Bandwidth cap of the EIP in Mbps (at most 200 when billed PayByTraffic); the "
            "bandwidth alarm fires at monitoring.bandwidthPercent of it."
        ),
    )
    package: BandwidthPackageSpec | None = Field(
        None,
        description=(
            "The shared bandwidth package; required with mode "
            "sharedPackage, not allowed with mode eip."
        ),
    )
    expected_monthly_egress_gb: Annotated[float, Field(ge=0, le=10_000_000, strict=False)] = Field(
        0,
        description="Expected internet egress per month in GB, for the cost estimate.",
    )
    expected_peak_mbps: Annotated[StrictInt, Field(ge=0, le=100_000)] = Field(
        0,
        description="Expected peak bandwidth in Mbps, for the cost estimate.",
    )

    @model_validator(mode="after")
    def _check_mode(self) -> BandwidthSpec:
        if self.mode == "sharedPackage" and self.package is None:
            raise ValueError("mode sharedPackage needs a package (chargeType, bandwidthMbps)")
        if self.mode == "eip" and self.package is not None:
            raise ValueError("package is only used with mode sharedPackage")
        if self.mode == "eip" and self.eip_charge_type == "PayByTraffic" and self.max_mbps > 200:
            raise ValueError("an EIP charged PayByTraffic is capped at 200 Mbps (maxMbps)")
        if self.package is not None and self.max_mbps > self.package.bandwidth_mbps:
            raise ValueError(
                f"maxMbps {self.max_mbps} (the EIP's share) exceeds the package's "
                f"bandwidthMbps {self.package.bandwidth_mbps}"
            )
        return self

    @property
    def charge_choice(self) -> str:
        """The configured choice as one of BANDWIDTH_CHARGE_TYPES."""
        if self.mode == "sharedPackage" and self.package is not None:
            return f"sharedPackage:{self.package.charge_type}"
        return f"eip:{self.eip_charge_type}"


class DatabaseSpec(Model):
    """RDS MySQL, HighAvailability: primary and standby in different zones."""

    engine_version: Literal["5.7", "8.0"] = Field(
        "8.0",
        description="MySQL version of the RDS instance.",
    )
    instance_class: Annotated[StrictStr, Field(pattern=r"^mysql\.[a-z0-9.]+$")] = Field(
        description="RDS instance class, e.g. mysql.n2.medium.2c.",
    )
    storage_gb: RdsStorage = Field(
        description="Storage in GB, a multiple of 5.",
    )
    storage_type: Literal[
        "cloud_essd", "cloud_essd2", "cloud_essd3", "general_essd", "local_ssd"
    ] = Field(
        "cloud_essd",
        description=(
            "RDS storage type: ESSD PL1/PL2/PL3, general ESSD, or local SSD (which needs a "
            "local-disk instance class)."
        ),
    )
    zones: Annotated[tuple[Zone, Zone], AfterValidator(_distinct)] | None = Field(
        None,
        description=(
            "Primary and standby zones: two different zones of "
            "network.zones; defaults to the first two."
        ),
    )
    allowed_cidrs: DataWhitelist = None
    backup_retention_days: Annotated[StrictInt, Field(ge=7, le=730)] = Field(
        7,
        description="Days backups are kept (prod: at least 30).",
    )
    backup_periods: Weekdays = Field(
        _WEEKDAYS,
        min_length=2,
        description="Weekdays on which backups run; RDS needs at least two.",
    )
    backup_time: BackupWindow = _backup_time("02:00Z-03:00Z")
    sql_audit_retention_days: Literal[30, 180, 365, 1095, 1825] = Field(
        30,
        description="Days the SQL audit log is kept (prod: at least 180).",
    )
    tde: StrictBool = Field(
        False,
        description="Transparent data encryption (needs a KMS key in the region).",
    )


class CacheSpec(Model):
    """Redis master-replica with a secondary zone."""

    engine_version: Literal["5.0", "6.0", "7.0"] = Field("7.0", description="Redis version.")
    instance_class: Annotated[StrictStr, Field(pattern=r"^redis\.[a-z0-9.]+$")] = Field(
        description=(
            "Redis instance class: a cloud-native standard (master-replica) class, "
            "e.g. redis.shard.small.2.ce (Redis 6.0/7.0 run on cloud-native instances)."
        ),
    )
    allowed_cidrs: DataWhitelist = None
    backup_periods: BackupDays = _WEEKDAYS
    backup_time: BackupWindow = _backup_time("03:00Z-04:00Z")


class DocumentStoreSpec(Model):
    """MongoDB replica set."""

    engine_version: Literal["4.4", "5.0", "6.0", "7.0"] = Field(
        "6.0",
        description="MongoDB version.",
    )
    instance_class: Annotated[StrictStr, Field(pattern=r"^(dds|mdb)\.[a-z0-9.]+$")] = Field(
        description="MongoDB instance class, e.g. dds.mongo.mid.",
    )
    storage_gb: MongoStorage = Field(
        description="Storage in GB, a multiple of 10.",
    )
    replication_factor: Literal[1, 3, 5, 7] = Field(
        3,
        description=(
            "Replica-set members. With three network.zones the members spread over the three "
            "zones, which Alibaba Cloud offers for three-member replica sets only: it must be 3."
        ),
    )
    allowed_cidrs: DataWhitelist = None
    backup_retention_days: Annotated[StrictInt, Field(ge=7, le=730)] = Field(
        7,
        description="Days backups are kept.",
    )
    backup_periods: BackupDays = _WEEKDAYS
    backup_time: BackupWindow = _backup_time("04:00Z-05:00Z")


class AppServersSpec(Model):
    """ECS instances spread over the app-tier zones."""

    instance_type: Annotated[StrictStr, Field(pattern=r"^ecs\.[a-z0-9-]+\.[a-z0-9]+$")] = Field(
        description="ECS instance type of the app servers, e.g. ecs.g7.large.",
    )
    image_id: Line = Field(description="Image the app servers boot from.")
    count_per_zone: Annotated[StrictInt, Field(ge=1, le=20)] = Field(
        1,
        description="App servers in each zone of network.zones.",
    )
    system_disk_gb: Annotated[StrictInt, Field(ge=20, le=2048)] = Field(
        40,
        description="System disk size in GB (disks are always encrypted).",
    )
    disk_category: Literal["cloud_essd", "cloud_ssd", "cloud_efficiency", "cloud_auto"] = Field(
        "cloud_essd",
        description="System disk category.",
    )
    key_pair_name: Line | None = Field(
        None,
        description="SSH key pair for the servers; none when unset.",
    )


class ContactSpec(Model):
    name: Name = Field(description="Contact name (unique within contacts).")
    email: Email = Field(description="E-mail address the alarms are sent to.")


class MonitoringSpec(Model):
    """CloudMonitor alarms and who they page."""

    contact_group: Name = Field(
        description="Name of the CloudMonitor contact group the alarms page.",
    )
    contacts: tuple[ContactSpec, ...] = Field(
        min_length=1,
        description=(
            "People in the contact group (names unique); with llz:alarmWebhook set, each also"
            " gets the DingTalk webhook."
        ),
    )
    bandwidth_percent: Percent = Field(
        80,
        description=(
            "Alarm when EIP outbound bandwidth exceeds this percentage of bandwidth.maxMbps."
        ),
    )
    rds_cpu_percent: Percent = Field(80, description="Alarm threshold for RDS CPU usage (percent).")
    rds_storage_percent: Percent = Field(
        85,
        description="Alarm threshold for RDS disk usage (percent).",
    )
    rds_connections_percent: Percent = Field(
        80,
        description="Alarm threshold for RDS connection usage (percent).",
    )
    redis_memory_percent: Percent = Field(
        85,
        description="Alarm threshold for Redis memory usage (percent).",
    )
    mongodb_cpu_percent: Percent = Field(
        80,
        description="Alarm threshold for MongoDB CPU usage (percent).",
    )
    mongodb_storage_percent: Percent = Field(
        85,
        description="Alarm threshold for MongoDB disk usage (percent).",
    )

    @field_validator("contacts")
    @classmethod
    def _check_contacts(cls, contacts: tuple[ContactSpec, ...]) -> tuple[ContactSpec, ...]:
        names = [c.name for c in contacts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate contact name(s) {', '.join(duplicates)}")
        return contacts


class ProtectionSpec(Model):
    """Deletion protection on the cloud side and Pulumi ``protect`` on stateful resources."""

    deletion_protection: StrictBool = Field(
        False,
        description=(
            "Cloud-side deletion/release protection on the load balancer, EIP, bandwidth "
            "package, RDS, Redis, MongoDB and ECS (prod: must be true)."
        ),
    )
    protect_stateful: StrictBool = Field(
        False,
        description=(
            "Pulumi protect on stateful resources (RDS instance and databases, Redis, "
            "MongoDB, EIP) so no deploy can delete them (prod: must be true)."
        ),
    )


class SuppressionSpec(Model):
    """One audit rule waived for one resource, with the reason recorded."""

    rule: Annotated[StrictStr, Field(pattern=r"^LLZ-[A-Z]+-\d{3}$")] = Field(
        description="Audit rule id to waive, like LLZ-ENC-001.",
    )
    resource: Line = Field(description="Name of the resource the waiver applies to.")
    justification: Annotated[StrictStr, Field(min_length=15)] = Field(
        description="Why the finding is accepted (at least 15 characters); shown in audit reports.",
    )


class PolicySpec(Model):
    allowed_bandwidth_charge_types: tuple[str, ...] = Field(
        BANDWIDTH_CHARGE_TYPES,
        description=(
            "Bandwidth billing choices this environment may use (mode:chargeType); the "
            "configured bandwidth must be one of them."
        ),
    )
    suppressions: tuple[SuppressionSpec, ...] = Field(
        (),
        description="Audit findings waived for this environment, each with a justification.",
    )

    @model_validator(mode="after")
    def _check(self) -> PolicySpec:
        for choice in self.allowed_bandwidth_charge_types:
            if choice not in BANDWIDTH_CHARGE_TYPES:
                raise ValueError(
                    f"{choice!r} is not one of {', '.join(BANDWIDTH_CHARGE_TYPES)}"
                )
        return self


class BackendSpec(Model):
    """Where the real engine keeps this stack's state (read by the CLI, not the program)."""

    url: BackendUrl | None = Field(
        None,
        description=(
            "Pulumi state backend for this stack (file://, s3://, https://...); the CLI's "
            "default when unset."
        ),
    )
    secrets_provider: StrictStr = Field(
        "passphrase",
        description="Pulumi secrets provider of the stack (passphrase, or a KMS URL).",
    )


class LandingZoneSpec(Model):
    """One environment's landing zone, as validated from ``stacks/Pulumi.<env>.yaml``."""

    project: Text = Field(description="Pulumi project name (set by the loader, not a config key).")
    stack: Text = Field(description="Pulumi stack name (set by the loader, not a config key).")
    region: Annotated[StrictStr, Field(pattern=_REGION.pattern)] = Field(
        description="Alibaba Cloud region, read from alicloud:region (e.g. cn-shanghai).",
    )
    environment: Environment = Field(
        description=(
            "Which environment this stack is; prod enforces protection and retention rules."
        ),
    )
    tags: Tags = Field(description="Owner and cost centre tagged on every taggable resource.")
    network: NetworkSpec = Field(
        description="The VPC, its zones and the app- and data-tier vSwitches.",
    )
    ingress: IngressSpec = Field(
        description="The single load balancer: office allow-list, capacity, TLS.",
    )
    systems: tuple[SystemSpec, ...] = Field(
        min_length=1,
        description=(
            "The internal systems published through the load balancer "
            "(names and ports unique)."
        ),
    )
    bandwidth: BandwidthSpec = Field(description="How the internet bandwidth of the EIP is billed.")
    database: DatabaseSpec = Field(description="RDS MySQL, HighAvailability.")
    cache: CacheSpec = Field(description="Redis master-replica.")
    document_store: DocumentStoreSpec = Field(description="MongoDB replica set.")
    app_servers: AppServersSpec = Field(description="The ECS app servers behind the load balancer.")
    monitoring: MonitoringSpec = Field(description="CloudMonitor alarms and who they page.")
    protection: ProtectionSpec = Field(
        ProtectionSpec(),
        description="Deletion protection and Pulumi protect.",
    )
    policy: PolicySpec = Field(
        PolicySpec(),
        description="Audit policy settings for this environment.",
    )
    backend: BackendSpec = Field(
        BackendSpec(),
        description="Where the real engine keeps this stack's state (read by the CLI).",
    )
    tls_private_key: SecretStr | None = Field(
        None,
        description="PEM private key of ingress.certificate; required when a system uses https.",
    )
    alarm_webhook: SecretStr | None = Field(
        None,
        description="DingTalk robot webhook URL the alarm contacts also notify.",
    )

    @model_validator(mode="after")
    def _check(self) -> LandingZoneSpec:
        self._check_zones()
        self._check_systems()
        self._check_data_whitelists()
        self._check_environment_rules()
        return self

    def _check_zones(self) -> None:
        for zone in self.network.zones:
            if not zone.startswith(self.region + "-"):
                raise ValueError(f"network.zones: {zone!r} is not in region {self.region!r}")
        if self.database.zones is not None:
            for zone in self.database.zones:
                if zone not in self.network.zones:
                    raise ValueError(f"database.zones: {zone!r} is not one of network.zones")
        factor = self.document_store.replication_factor
        if len(self.network.zones) >= 3 and factor != 3:
            raise ValueError(
                f"documentStore.replicationFactor: {factor} members cannot spread over the "
                "network's three zones; a multi-zone replica set has exactly 3"
            )

    def _check_systems(self) -> None:
        for i, system in enumerate(self.systems):
            if system.database and len(system.name) > MAX_DATABASE_SYSTEM_NAME:
                raise ValueError(
                    f"systems[{i}].name: at most {MAX_DATABASE_SYSTEM_NAME} characters with "
                    "database: true (its RDS account <name>_app may have 32)"
                )
        names = [s.name for s in self.systems]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"systems: duplicate system name(s) {', '.join(duplicates)}")
        ports = [p for s in self.systems for p in s.frontend_ports()]
        clashes = sorted({p for p in ports if ports.count(p) > 1})
        if clashes:
            raise ValueError(
                f"systems: listener port(s) {', '.join(map(str, clashes))} used more than once"
            )
        if any(s.protocol == "https" for s in self.systems):
            if self.ingress.certificate is None:
                raise ValueError("systems: https systems need ingress.certificate")
            if self.tls_private_key is None:
                raise ValueError(
                    "systems: https systems need the secret llz:tlsPrivateKey "
                    "(pulumi config set --secret llz:tlsPrivateKey < key.pem)"
                )

    def _check_data_whitelists(self) -> None:
        app = _networks(self.network.app_cidrs)
        for key, cidrs in (
            ("database.allowedCidrs", self.database.allowed_cidrs),
            ("cache.allowedCidrs", self.cache.allowed_cidrs),
            ("documentStore.allowedCidrs", self.document_store.allowed_cidrs),
        ):
            for cidr in cidrs or ():
                network = ipaddress.IPv4Network(cidr)
                if network.prefixlen == 0:
                    raise ValueError(f"{key}: 0.0.0.0/0 would open the data tier to everyone")
                if not any(network.subnet_of(a) for a in app):
                    raise ValueError(
                        f"{key}: {cidr} is outside the app tier "
                        f"({', '.join(self.network.app_cidrs)}); only the app tier may connect"
                    )

    def _check_environment_rules(self) -> None:
        if self.environment == "prod":
            if not self.protection.deletion_protection or not self.protection.protect_stateful:
                raise ValueError(
                    "protection: prod needs deletionProtection: true and protectStateful: true"
                )
            if self.database.backup_retention_days < 30:
                raise ValueError("database.backupRetentionDays: prod keeps backups >= 30 days")
            if self.database.sql_audit_retention_days < 180:
                raise ValueError("database.sqlAuditRetentionDays: prod keeps >= 180 days")
        choice = self.bandwidth.charge_choice
        if choice not in self.policy.allowed_bandwidth_charge_types:
            raise ValueError(
                f"bandwidth: {choice} is not allowed here "
                f"(policy.allowedBandwidthChargeTypes: "
                f"{', '.join(self.policy.allowed_bandwidth_charge_types)})"
            )

    # Derived views the program and the components use.

    @property
    def database_zones(self) -> tuple[str, str]:
        if self.database.zones is not None:
            return self.database.zones
        return self.network.zones[0], self.network.zones[1]

    def data_whitelist(self, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
        return allowed if allowed else self.network.app_cidrs

    def system_cidrs(self, system: SystemSpec) -> tuple[str, ...]:
        return system.allowed_cidrs or self.ingress.office_cidrs
