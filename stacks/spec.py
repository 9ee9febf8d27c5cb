"""LandingZoneSpec: a stack's config as a typed, validated, immutable value.

The models are pydantic v2 models (frozen, unknown keys forbidden, camelCase keys as in the
stack files). Every rule that Alibaba Cloud or the firm's policy imposes on a single value
or between values is checked here, at load time, so a bad config never reaches an engine.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

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


Cidr = Annotated[StrictStr, AfterValidator(_cidr)]
PrivateCidr = Annotated[StrictStr, AfterValidator(_private_cidr)]
OfficeCidr = Annotated[StrictStr, AfterValidator(_office_cidr)]
Name = Annotated[StrictStr, AfterValidator(_name)]
Zone = Annotated[StrictStr, AfterValidator(_zone)]
Text = Annotated[StrictStr, AfterValidator(_non_empty)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Percent = Annotated[StrictInt, Field(ge=1, le=100)]
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAYS: tuple[Weekday, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)


def _networks(cidrs: tuple[str, ...]) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(c) for c in cidrs]


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Tags(Model):
    """Tags put on every taggable resource (env and system are added by the components)."""

    owner: Text
    cost_center: Text
    extra: dict[Text, Text] = Field(default_factory=dict)

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

    vpc_cidr: PrivateCidr
    zones: tuple[Zone, ...] = Field(min_length=2, max_length=3)
    app_cidrs: tuple[PrivateCidr, ...]
    data_cidrs: tuple[PrivateCidr, ...]

    @model_validator(mode="after")
    def _check_layout(self) -> NetworkSpec:
        if len(set(self.zones)) != len(self.zones):
            raise ValueError("zones must be distinct: the landing zone spans at least two zones")
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

    name: Name
    public_key: Text

    @model_validator(mode="after")
    def _check_pem(self) -> CertificateSpec:
        if "-----BEGIN CERTIFICATE-----" not in self.public_key:
            raise ValueError("publicKey must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
        return self


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

    office_cidrs: tuple[OfficeCidr, ...] = Field(min_length=1)
    load_balancer_spec: Literal[
        "slb.s1.small", "slb.s2.small", "slb.s2.medium", "slb.s3.small", "slb.s3.medium",
        "slb.s3.large",
    ] = "slb.s2.small"
    tls_cipher_policy: TlsCipherPolicy = "tls_cipher_policy_1_2_strict_with_1_3"
    certificate: CertificateSpec | None = None


class SystemSpec(Model):
    """One internal system published through the load balancer."""

    name: Name
    description: Text
    protocol: Literal["https", "http", "tcp"]
    listener_port: Port
    backend_port: Port
    health_check_path: StrictStr | None = None
    allowed_cidrs: tuple[OfficeCidr, ...] | None = None
    redirect_http_port: Port | None = None
    database: StrictBool = False

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
    charge_type: PackageChargeType = "PayByBandwidth"
    bandwidth_mbps: Annotated[StrictInt, Field(ge=2, le=5000)]


class BandwidthSpec(Model):
    """Pay-as-you-go internet bandwidth for the ingress EIP."""

    mode: Literal["eip", "sharedPackage"] = "eip"
    eip_charge_type: EipChargeType = "PayByTraffic"
    max_mbps: Annotated[StrictInt, Field(ge=1, le=500)]
    package: BandwidthPackageSpec | None = None
    expected_monthly_egress_gb: Annotated[float, Field(ge=0, le=10_000_000, strict=False)] = 0
    expected_peak_mbps: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0

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

    engine_version: Literal["5.7", "8.0"] = "8.0"
    instance_class: Annotated[StrictStr, Field(pattern=r"^mysql\.[a-z0-9.]+$")]
    storage_gb: Annotated[StrictInt, Field(ge=20, le=32000)]
    storage_type: Literal["cloud_essd", "cloud_essd2", "cloud_essd3", "local_ssd"] = "cloud_essd"
    zones: tuple[Zone, Zone] | None = None
    allowed_cidrs: tuple[Cidr, ...] | None = None
    backup_retention_days: Annotated[StrictInt, Field(ge=7, le=730)] = 7
    backup_periods: tuple[Weekday, ...] = _WEEKDAYS
    backup_time: StrictStr = "02:00Z-03:00Z"
    sql_audit_retention_days: Literal[30, 180, 365, 1095, 1825] = 30
    tde: StrictBool = False

    @model_validator(mode="after")
    def _check(self) -> DatabaseSpec:
        if self.zones is not None and self.zones[0] == self.zones[1]:
            raise ValueError("zones: primary and standby must be in different zones")
        if self.storage_gb % 5:
            raise ValueError("storageGb must be a multiple of 5")
        _check_backup_window(self.backup_time)
        return self


class CacheSpec(Model):
    """Redis master-replica with a secondary zone."""

    engine_version: Literal["5.0", "6.0", "7.0"] = "7.0"
    instance_class: Annotated[StrictStr, Field(pattern=r"^redis\.[a-z0-9.]+$")]
    allowed_cidrs: tuple[Cidr, ...] | None = None
    backup_periods: tuple[Weekday, ...] = _WEEKDAYS
    backup_time: StrictStr = "03:00Z-04:00Z"

    @model_validator(mode="after")
    def _check(self) -> CacheSpec:
        _check_backup_window(self.backup_time)
        return self


class DocumentStoreSpec(Model):
    """MongoDB replica set."""

    engine_version: Literal["4.4", "5.0", "6.0", "7.0"] = "6.0"
    instance_class: Annotated[StrictStr, Field(pattern=r"^(dds|mdb)\.[a-z0-9.]+$")]
    storage_gb: Annotated[StrictInt, Field(ge=10, le=3000)]
    replication_factor: Literal[1, 3, 5, 7] = 3
    allowed_cidrs: tuple[Cidr, ...] | None = None
    backup_retention_days: Annotated[StrictInt, Field(ge=7, le=730)] = 7
    backup_periods: tuple[Weekday, ...] = _WEEKDAYS
    backup_time: StrictStr = "04:00Z-05:00Z"

    @model_validator(mode="after")
    def _check(self) -> DocumentStoreSpec:
        if self.storage_gb % 10:
            raise ValueError("storageGb must be a multiple of 10")
        _check_backup_window(self.backup_time)
        return self


class AppServersSpec(Model):
    """ECS instances spread over the app-tier zones."""

    instance_type: Annotated[StrictStr, Field(pattern=r"^ecs\.[a-z0-9-]+\.[a-z0-9]+$")]
    image_id: Text
    count_per_zone: Annotated[StrictInt, Field(ge=1, le=20)] = 1
    system_disk_gb: Annotated[StrictInt, Field(ge=20, le=2048)] = 40
    disk_category: Literal["cloud_essd", "cloud_ssd", "cloud_efficiency", "cloud_auto"] = (
        "cloud_essd"
    )
    key_pair_name: StrictStr | None = None


class ContactSpec(Model):
    name: Name
    email: StrictStr

    @model_validator(mode="after")
    def _check(self) -> ContactSpec:
        if not _EMAIL.match(self.email):
            raise ValueError(f"{self.email!r} is not an e-mail address")
        return self


class MonitoringSpec(Model):
    """CloudMonitor alarms and who they page."""

    contact_group: Name
    contacts: tuple[ContactSpec, ...] = Field(min_length=1)
    bandwidth_percent: Percent = 80
    rds_cpu_percent: Percent = 80
    rds_storage_percent: Percent = 85
    rds_connections_percent: Percent = 80
    redis_memory_percent: Percent = 85
    mongodb_cpu_percent: Percent = 80
    mongodb_storage_percent: Percent = 85

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

    deletion_protection: StrictBool = False
    protect_stateful: StrictBool = False


class SuppressionSpec(Model):
    """One audit rule waived for one resource, with the reason recorded."""

    rule: Annotated[StrictStr, Field(pattern=r"^LLZ-[A-Z]+-\d{3}$")]
    resource: Text
    justification: Annotated[StrictStr, Field(min_length=15)]


class PolicySpec(Model):
    allowed_bandwidth_charge_types: tuple[str, ...] = BANDWIDTH_CHARGE_TYPES
    suppressions: tuple[SuppressionSpec, ...] = ()

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

    url: StrictStr | None = None
    secrets_provider: StrictStr = "passphrase"

    @model_validator(mode="after")
    def _check(self) -> BackendSpec:
        if self.url is not None and not re.match(r"^(file|s3|https?|azblob|gs)://", self.url):
            raise ValueError("url must be a Pulumi backend URL (file://, s3://, https://)")
        return self


def _check_backup_window(window: str) -> None:
    if not _BACKUP_WINDOW.match(window):
        raise ValueError(f"backupTime {window!r} must look like '02:00Z-03:00Z'")


class LandingZoneSpec(Model):
    """One environment's landing zone, as validated from ``stacks/Pulumi.<env>.yaml``."""

    project: Text
    stack: Text
    region: Annotated[StrictStr, Field(pattern=_REGION.pattern)]
    environment: Environment
    tags: Tags
    network: NetworkSpec
    ingress: IngressSpec
    systems: tuple[SystemSpec, ...] = Field(min_length=1)
    bandwidth: BandwidthSpec
    database: DatabaseSpec
    cache: CacheSpec
    document_store: DocumentStoreSpec
    app_servers: AppServersSpec
    monitoring: MonitoringSpec
    protection: ProtectionSpec = ProtectionSpec()
    policy: PolicySpec = PolicySpec()
    backend: BackendSpec = BackendSpec()
    tls_private_key: SecretStr | None = None
    alarm_webhook: SecretStr | None = None

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
        if len(self.network.zones) >= 3 and self.document_store.replication_factor == 1:
            raise ValueError(
                "documentStore.replicationFactor: 1 is a single node, which cannot spread "
                "over the network's three zones; use 3, 5 or 7"
            )

    def _check_systems(self) -> None:
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
