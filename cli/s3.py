"""S3-compatible object storage (Alibaba OSS in production): URLs, clients and errors.

Alibaba OSS speaks the S3 API with two constraints (OSS docs, "Compatibility with Amazon
S3" and "Use AWS SDKs to access OSS"): only virtual-hosted-style requests are accepted,
and aws-chunked uploads are refused. So the client signs with Signature V4, addresses
OSS buckets virtual-hosted style, and computes request checksums only when an operation
requires them (boto3 >= 1.36 otherwise adds streaming checksums OSS rejects). Other
custom endpoints (MinIO, moto on 127.0.0.1) are addressed path style.

boto3 is imported inside the functions: `llz --help` must not pay for it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import click

from stacks.errors import InputError

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_OSS_HOST = re.compile(r"^(?:s3\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$")

# Error codes meaning "this endpoint does not implement the operation".
UNSUPPORTED_CODES = frozenset(
    {"NotImplemented", "MethodNotAllowed", "501", "405", "UnsupportedOperation"}
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSecurity",
        "InvalidToken",
        "ExpiredToken",
        "TokenRefreshRequired",
        "AuthorizationHeaderMalformed",
    }
)


class StorageError(click.ClickException):
    """The object store could not be used (connection, credentials, permissions...).

    The message names the location and the reason; it never holds credential values
    or a traceback.
    """

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix``: a bucket and a key prefix without surrounding slashes."""

    bucket: str
    prefix: str

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid bucket name (S3 and OSS rules), or None."""
    if not 3 <= len(name) <= 63:
        return "a bucket name has 3 to 63 characters"
    if not _BUCKET.match(name):
        return (
            "a bucket name uses lowercase letters, digits, '-' and '.', "
            "and starts and ends with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "a bucket name has no '..', '.-' or '-.'"
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return None
    return "a bucket name is not an IP address"


def _without_userinfo(url: str) -> str:
    """The URL as it may be shown: credentials someone put into it are masked."""
    netloc = urlsplit(url).netloc
    if "@" not in netloc:
        return url
    return url.replace(netloc, "***@" + netloc.rsplit("@", 1)[1], 1)


def parse_s3_url(url: str, source: str = "URL") -> S3Location:
    """Parse ``s3://bucket[/prefix]``; bad URLs raise InputError naming the problem."""
    parts = urlsplit(url)
    url = _without_userinfo(url)
    if parts.scheme != "s3":
        raise InputError.single(source, url, "must look like s3://bucket/prefix")
    if parts.query or parts.fragment or parts.username or parts.password or parts.port:
        raise InputError.single(
            source, url, "must be s3://bucket/prefix (no credentials, port, query or fragment)"
        )
    bucket = parts.netloc
    problem = bucket_name_problem(bucket)
    if problem:
        raise InputError.single(source, url, f"bucket {bucket!r}: {problem}")
    prefix = parts.path.strip("/")
    if prefix:
        segments = prefix.split("/")
        if any(s in ("", ".", "..") for s in segments):
            raise InputError.single(
                source, url, "the prefix has an empty, '.' or '..' path segment"
            )
        if any(ord(c) < 32 or c in "\\\x7f" for c in prefix):
            raise InputError.single(source, url, "the prefix has control characters")
    return S3Location(bucket, prefix)


def check_endpoint_url(endpoint_url: str | None) -> str | None:
    """``http(s)://host[:port]`` or None; anything else is an InputError."""
    if endpoint_url is None:
        return None
    parts = urlsplit(endpoint_url)
    shown = _without_userinfo(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError.single(
            "--endpoint-url", shown, "must look like https://s3.oss-cn-shanghai.aliyuncs.com"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError.single("--endpoint-url", shown, "must be scheme://host[:port] only")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise InputError.single("--endpoint-url", shown, "has an invalid port") from None
    return endpoint_url.rstrip("/")


def oss_region(endpoint_url: str | None) -> str | None:
    """The Alibaba Cloud region of an OSS endpoint (``cn-shanghai``), or None if not OSS."""
    if not endpoint_url:
        return None
    host = urlsplit(endpoint_url if "://" in endpoint_url else f"//{endpoint_url}").hostname
    match = _OSS_HOST.match(host or "")
    return match.group(1) if match else None


def is_oss(endpoint_url: str | None) -> bool:
    return oss_region(endpoint_url) is not None


def addressing_style(endpoint_url: str | None) -> Literal["virtual", "path"]:
    """Virtual-hosted for OSS (it refuses path style) and AWS; path style for the rest."""
    return "virtual" if endpoint_url is None or is_oss(endpoint_url) else "path"


def _credentials() -> dict[str, str]:
    """Explicit keys when only Alibaba Cloud variables are set; else boto3's own chain."""
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return {}
    key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not (key_id and secret):
        return {}
    found = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    token = os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN")
    if token:
        found["aws_session_token"] = token
    return found


def client_region(endpoint_url: str | None, region: str | None = None) -> str:
    return (
        region
        or oss_region(endpoint_url)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def make_client(endpoint_url: str | None, *, region: str | None = None) -> Any:
    """A boto3 S3 client for ``endpoint_url`` (None: AWS S3) with OSS-safe settings."""
    import boto3
    from botocore.config import Config

    endpoint = check_endpoint_url(endpoint_url)
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": addressing_style(endpoint)},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    found = _credentials()
    session = boto3.session.Session(
        aws_access_key_id=found.get("aws_access_key_id"),
        aws_secret_access_key=found.get("aws_secret_access_key"),
        aws_session_token=found.get("aws_session_token"),
    )
    return session.client(
        "s3",
        endpoint_url=endpoint,
        region_name=client_region(endpoint, region),
        config=config,
    )


def error_code(error: BaseException) -> str:
    """The S3 error code of a botocore ClientError ('' for other errors)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    code = response.get("Error", {}).get("Code")
    if code:
        return str(code)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(status) if status else ""


def is_not_found(error: BaseException) -> bool:
    return error_code(error) in _NOT_FOUND_CODES


def is_unsupported(error: BaseException) -> bool:
    return error_code(error) in UNSUPPORTED_CODES


def storage_error(error: BaseException, action: str, where: str) -> StorageError:
    """One clear message for a failed storage call: no traceback, no credential values."""
    from botocore import exceptions as bx

    if isinstance(error, bx.NoCredentialsError | bx.PartialCredentialsError):
        reason = (
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)"
        )
    elif isinstance(error, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        reason = "cannot connect to the endpoint (check --endpoint-url and the network)"
    elif isinstance(error, bx.ReadTimeoutError):
        reason = "the endpoint did not answer in time"
    elif isinstance(error, bx.ClientError):
        code = error_code(error)
        if code in _CREDENTIAL_CODES:
            reason = f"the credentials were rejected ({code})"
        elif code in ("AccessDenied", "403", "AllAccessDisabled", "AccountProblem"):
            reason = f"permission denied ({code})"
        elif code == "NoSuchBucket":
            reason = "the bucket does not exist"
        elif code in UNSUPPORTED_CODES:
            reason = f"the endpoint does not implement this operation ({code})"
        else:
            reason = f"the store answered {code or 'an error'}"
    elif isinstance(error, bx.BotoCoreError):
        reason = f"the S3 client failed ({type(error).__name__})"
    else:
        reason = f"unexpected {type(error).__name__}"
    return StorageError(f"{where}: {action} failed: {reason}")


def storage_exceptions() -> tuple[type[BaseException], ...]:
    """The exception types a storage call may raise (botocore's, imported lazily)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)
