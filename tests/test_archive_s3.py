"""cli.s3: URL parsing, endpoint checks and client settings (no network needed)."""

from __future__ import annotations

from typing import Any

import pytest

from cli.s3 import (
    S3Location,
    addressing_style,
    bucket_name_problem,
    check_endpoint_url,
    make_client,
    oss_region,
    parse_s3_url,
)
from stacks.errors import InputError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://llz-audit", S3Location("llz-audit", "")),
        ("s3://llz-audit/", S3Location("llz-audit", "")),
        ("s3://llz-audit/reports/prod/", S3Location("llz-audit", "reports/prod")),
        ("s3://a.b-c/x", S3Location("a.b-c", "x")),
    ],
)
def test_parse_good_urls(url: str, expected: S3Location) -> None:
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://bucket/x", "must look like s3://bucket/prefix"),
        ("bucket/x", "must look like s3://bucket/prefix"),
        ("s3://", "3 to 63 characters"),
        ("s3://ab", "3 to 63 characters"),
        ("s3://Upper-Case", "lowercase letters"),
        ("s3://under_score", "lowercase letters"),
        ("s3://a..b", "no '..'"),
        ("s3://192.168.1.10", "not an IP address"),
        ("s3://bucket-name/a//b", "empty, '.' or '..'"),
        ("s3://bucket-name/a/../b", "empty, '.' or '..'"),
        ("s3://bucket-name/x?versionId=1", "no credentials, port, query or fragment"),
        ("s3://key:secret@bucket-name/x", "no credentials, port, query or fragment"),
    ],
)
def test_parse_bad_urls(url: str, reason: str) -> None:
    with pytest.raises(InputError) as error:
        parse_s3_url(url, "--archive")
    message = str(error.value)
    assert message.startswith("--archive: s3://***@" if "@" in url else f"--archive: {url}: ")
    assert reason in message
    assert "secret" not in message


def test_bucket_name_problem_accepts_the_default_names() -> None:
    assert bucket_name_problem("llz-state-prod") is None


@pytest.mark.parametrize(
    ("endpoint", "region", "style"),
    [
        ("https://oss-cn-shanghai.aliyuncs.com", "cn-shanghai", "virtual"),
        ("https://s3.oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou", "virtual"),
        ("https://oss-cn-beijing-internal.aliyuncs.com", "cn-beijing", "virtual"),
        ("http://127.0.0.1:9000", None, "path"),
        ("https://minio.example.internal", None, "path"),
        (None, None, "virtual"),
    ],
)
def test_oss_detection_and_addressing(endpoint: str | None, region: str | None, style: str) -> None:
    assert oss_region(endpoint) == region
    assert addressing_style(endpoint) == style


@pytest.mark.parametrize(
    "endpoint", ["oss-cn-shanghai.aliyuncs.com", "ftp://host", "https://u:p@host", "http://h:x"]
)
def test_bad_endpoints(endpoint: str) -> None:
    with pytest.raises(InputError, match="--endpoint-url") as error:
        check_endpoint_url(endpoint)
    assert "u:p" not in str(error.value)


def test_oss_client_is_virtual_hosted_sigv4_in_the_endpoint_region(
    aws_credentials: None,
) -> None:
    client = make_client("https://oss-cn-shanghai.aliyuncs.com")
    config = client.meta.config
    assert config.signature_version == "s3v4"
    assert config.s3 == {"addressing_style": "virtual"}
    assert config.request_checksum_calculation == "when_required"
    assert client.meta.region_name == "cn-shanghai"
    assert client.meta.endpoint_url == "https://oss-cn-shanghai.aliyuncs.com"


def test_local_client_is_path_style(aws_credentials: None) -> None:
    client = make_client("http://127.0.0.1:9000")
    assert client.meta.config.s3 == {"addressing_style": "path"}
    assert client.meta.region_name == "us-east-1"


def test_oss_requests_on_the_wire(aws_credentials: None) -> None:
    # What OSS documents for AWS SDKs: the S3-compatible endpoint addressed virtual-hosted
    # style, Signature V4 scoped to the endpoint's region, and no aws-chunked / trailing
    # checksum upload. The request is captured before it is sent (no network).
    import hashlib

    from botocore.awsrequest import AWSResponse, HTTPHeaders

    class _Raw:
        def stream(self) -> Any:
            return iter([b""])

    sent: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        headers = HTTPHeaders()
        headers["ETag"] = '"e"'
        return AWSResponse(request.url, 200, headers, _Raw())

    client = make_client("https://s3.oss-cn-shanghai.aliyuncs.com")
    client.meta.events.register("before-send.s3", capture)
    client.put_object(Bucket="llz-audit", Key="prod/HEAD", Body=b"{}", IfMatch='"e"')

    request = sent[0]
    headers = {
        k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
    }
    assert request.url == "https://llz-audit.s3.oss-cn-shanghai.aliyuncs.com/prod/HEAD"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert "/cn-shanghai/s3/aws4_request" in headers["authorization"]
    assert headers["x-amz-content-sha256"] == hashlib.sha256(b"{}").hexdigest()
    assert "aws-chunked" not in headers.get("content-encoding", "")
    assert not [k for k in headers if k.startswith(("x-amz-checksum", "x-amz-trailer"))]
    assert headers["if-match"] == '"e"'
