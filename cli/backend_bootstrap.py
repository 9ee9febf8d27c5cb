"""Create (or check) the bucket that holds a stack's Pulumi state, idempotently.

The bucket gets versioning (every state checkpoint is kept), default server-side
encryption (AES256 unless one is already configured) and a public access block.
Each setting is read first and written only when it differs, so a second run changes
nothing. A setting the endpoint cannot read over the S3 API (OSS documents only a subset
of it) is a warning to check it in the provider's console, since no re-run could ever see
it; one it can read but not write is an error saying to turn it on in the console and run
this again (the re-run then finds it on).

The printed URL is Pulumi's S3 ("DIY") backend URL: ``s3://BUCKET`` with the
``endpoint`` and ``region`` query parameters for OSS (Pulumi's docs; the parameters are
those of the gocloud.dev s3blob opener Pulumi uses), and ``disableSSL=true`` /
``s3ForcePathStyle=true`` for plain-HTTP, path-style endpoints such as MinIO. The
endpoint keeps its scheme (``endpoint=https://s3.oss-cn-shanghai.aliyuncs.com``): the AWS
SDK v1 opener accepts a host or a full URL, and the SDK v2 opener newer Pulumi versions
use (legacy parameters translated, pulumi/pulumi#24589) needs the scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cli.s3 import (
    StorageError,
    addressing_style,
    bucket_name_problem,
    check_endpoint_url,
    client_region,
    error_code,
    is_unsupported,
    make_client,
    oss_region,
    storage_error,
    storage_exceptions,
)
from stacks.errors import InputError

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_NO_ENCRYPTION = frozenset({"ServerSideEncryptionConfigurationNotFoundError", "NoSuchEncryption"})
_NO_BLOCK = frozenset({"NoSuchPublicAccessBlockConfiguration"})


@dataclass
class BootstrapResult:
    environment: str
    bucket: str
    endpoint_url: str | None
    region: str
    backend_url: str
    created: bool = False
    changes: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "bucket": self.bucket,
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "backend_url": self.backend_url,
            "created": self.created,
            "changed": self.changed,
            "changes": list(self.changes),
            "unchanged": list(self.unchanged),
            "warnings": list(self.warnings),
        }


def default_bucket_name(project: str, environment: str) -> str:
    """``<project>-state-<env>``, lowered and reduced to valid bucket-name characters."""
    raw = f"{project}-state-{environment}".lower()
    name = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", raw)).strip("-")[:63].strip("-")
    problem = bucket_name_problem(name)
    if problem:
        raise InputError.single("--bucket", name, f"derived bucket name is invalid: {problem}")
    return name


def pulumi_backend_url(bucket: str, endpoint_url: str | None, region: str | None) -> str:
    """Pulumi's S3 backend URL for ``bucket`` at ``endpoint_url``."""
    query: dict[str, str] = {}
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        query["endpoint"] = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme == "http":
            query["disableSSL"] = "true"
        if addressing_style(endpoint_url) == "path":
            query["s3ForcePathStyle"] = "true"
    if region:
        query["region"] = region
    suffix = f"?{urlencode(query, safe=':/', quote_via=quote)}" if query else ""
    return f"s3://{bucket}{suffix}"


class _Bucket:
    def __init__(self, client: Any, bucket: str, where: str) -> None:
        self.client = client
        self.bucket = bucket
        self.where = where
        self.errors = storage_exceptions()

    def read(self, action: str, method: str, absent: frozenset[str]) -> Any:
        """The call's answer, None when the setting is absent, Ellipsis if unsupported."""
        try:
            return getattr(self.client, method)(Bucket=self.bucket)
        except self.errors as error:
            if error_code(error) in absent:
                return None
            if is_unsupported(error):
                return ...
            raise storage_error(error, action, self.where) from None


def bootstrap_backend(
    environment: str,
    *,
    bucket: str,
    endpoint_url: str | None,
    region: str | None,
    client: Any = None,
) -> BootstrapResult:
    """Ensure ``bucket`` exists with versioning, encryption and no public access."""
    problem = bucket_name_problem(bucket)
    if problem:
        raise InputError.single("--bucket", bucket, problem)
    endpoint = check_endpoint_url(endpoint_url)
    signing_region = client_region(endpoint, region)
    backend_region = region or oss_region(endpoint) or (signing_region if not endpoint else None)
    where = f"s3://{bucket}" + (f" at {endpoint}" if endpoint else "")
    store = _Bucket(
        client if client is not None else make_client(endpoint, region=signing_region),
        bucket,
        where,
    )
    result = BootstrapResult(
        environment=environment,
        bucket=bucket,
        endpoint_url=endpoint,
        region=signing_region,
        backend_url=pulumi_backend_url(bucket, endpoint, backend_region),
    )
    _ensure_bucket(store, result, signing_region, is_oss_endpoint=oss_region(endpoint) is not None)
    _ensure_versioning(store, result)
    _ensure_encryption(store, result)
    _ensure_public_access_block(store, result)
    return result


def _ensure_bucket(
    store: _Bucket, result: BootstrapResult, region: str, *, is_oss_endpoint: bool
) -> None:
    try:
        store.client.head_bucket(Bucket=store.bucket)
        result.unchanged.append("bucket exists")
        return
    except store.errors as error:
        code = error_code(error)
        if code in ("403", "AccessDenied"):
            raise StorageError(
                f"{store.where}: the bucket exists but these credentials may not use it "
                "(it may belong to another account: choose another name with --bucket)"
            ) from None
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise storage_error(error, "checking the bucket", store.where) from None
    kwargs: dict[str, Any] = {}
    if region != "us-east-1" and not is_oss_endpoint:
        # OSS takes the region from the endpoint; S3 needs it except in us-east-1.
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        store.client.create_bucket(Bucket=store.bucket, **kwargs)
    except store.errors as error:
        code = error_code(error)
        if code == "BucketAlreadyOwnedByYou":
            result.unchanged.append("bucket exists")
            return
        if code == "BucketAlreadyExists":
            raise StorageError(
                f"{store.where}: the name is taken by another account; choose one with --bucket"
            ) from None
        raise storage_error(error, "creating the bucket", store.where) from None
    result.created = True
    result.changes.append("bucket created")


def _cannot_check(setting: str, console: str) -> str:
    return (
        f"the endpoint does not implement {setting} over the S3 API, so it cannot be checked: "
        f"make sure in the provider's console that it is on ({console})"
    )


def _write(store: _Bucket, action: str, method: str, setting: str, **kwargs: Any) -> None:
    """Write a bucket setting; an endpoint without that S3 call gets the console remedy
    (a re-run then finds the setting on, since reading it works)."""
    try:
        getattr(store.client, method)(Bucket=store.bucket, **kwargs)
    except store.errors as error:
        if is_unsupported(error):
            raise StorageError(
                f"{store.where}: the endpoint cannot turn on {setting} over the S3 API; "
                "turn it on in the provider's console, then run this again"
            ) from None
        raise storage_error(error, action, store.where) from None


def _ensure_versioning(store: _Bucket, result: BootstrapResult) -> None:
    current = store.read("reading versioning", "get_bucket_versioning", frozenset())
    if current is ...:
        result.warnings.append(_cannot_check("bucket versioning", "OSS: Versioning, Enabled"))
        return
    if current and current.get("Status") == "Enabled":
        result.unchanged.append("versioning enabled")
        return
    _write(
        store,
        "enabling versioning",
        "put_bucket_versioning",
        "versioning",
        VersioningConfiguration={"Status": "Enabled"},
    )
    result.changes.append("versioning enabled")


def _ensure_encryption(store: _Bucket, result: BootstrapResult) -> None:
    current = store.read("reading encryption", "get_bucket_encryption", _NO_ENCRYPTION)
    if current is ...:
        result.warnings.append(
            _cannot_check("default encryption", "OSS: Server-side Encryption, AES256 or KMS")
        )
        return
    rules = (current or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    algorithms = [
        rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for rule in rules
    ]
    existing = next((a for a in algorithms if a), None)
    if existing:
        result.unchanged.append(f"server-side encryption {existing}")
        return
    _write(
        store,
        "enabling server-side encryption",
        "put_bucket_encryption",
        "default encryption",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    result.changes.append("server-side encryption AES256")


def _ensure_public_access_block(store: _Bucket, result: BootstrapResult) -> None:
    current = store.read("reading the public access block", "get_public_access_block", _NO_BLOCK)
    unsupported = _cannot_check(
        "the public access block", "OSS: Block Public Access on, bucket ACL private"
    )
    if current is ...:
        result.warnings.append(unsupported)
        return
    config = (current or {}).get("PublicAccessBlockConfiguration", {})
    if all(config.get(key) is True for key in PUBLIC_ACCESS_BLOCK):
        result.unchanged.append("public access blocked")
        return
    try:
        store.client.put_public_access_block(
            Bucket=store.bucket, PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK)
        )
    except store.errors as error:
        if is_unsupported(error):
            result.warnings.append(unsupported)
            return
        raise storage_error(error, "blocking public access", store.where) from None
    result.changes.append("public access blocked")
