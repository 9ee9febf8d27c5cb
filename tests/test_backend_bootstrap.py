"""`llz backend bootstrap` against moto in server mode over real HTTP."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from cli.backend_bootstrap import (
    bootstrap_backend,
    default_bucket_name,
    pulumi_backend_url,
)
from cli.s3 import StorageError, make_client
from stacks.errors import InputError
from tests.conftest import invoke_llz


@pytest.fixture
def client(s3_endpoint: str, aws_credentials: None) -> Any:
    return make_client(s3_endpoint)


def _name() -> str:
    return f"llz-state-{uuid.uuid4().hex[:12]}"


def test_bootstrap_creates_a_versioned_encrypted_private_bucket(
    client: Any, s3_endpoint: str
) -> None:
    bucket = _name()
    result = bootstrap_backend(
        "prod", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=client
    )

    assert result.created and result.changed and result.warnings == []
    assert result.changes == [
        "bucket created",
        "versioning enabled",
        "server-side encryption AES256",
        "public access blocked",
    ]
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    port = s3_endpoint.rsplit(":", 1)[1]
    assert result.backend_url == (
        f"s3://{bucket}?endpoint=http://127.0.0.1:{port}&disableSSL=true&s3ForcePathStyle=true"
    )


def test_second_run_changes_nothing(client: Any, s3_endpoint: str) -> None:
    bucket = _name()
    bootstrap_backend("dev", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=client)
    again = bootstrap_backend(
        "dev", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=client
    )
    assert not again.created and not again.changed
    assert again.unchanged == [
        "bucket exists",
        "versioning enabled",
        "server-side encryption AES256",
        "public access blocked",
    ]


def test_existing_bucket_is_completed_and_its_kms_encryption_kept(
    client: Any, s3_endpoint: str
) -> None:
    bucket = _name()
    client.create_bucket(Bucket=bucket)
    client.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    result = bootstrap_backend(
        "staging", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=client
    )
    assert not result.created
    assert result.changes == ["versioning enabled", "public access blocked"]
    assert "server-side encryption aws:kms" in result.unchanged


class Unsupported:
    """A real client whose endpoint does not implement some S3 calls (NotImplemented)."""

    def __init__(self, client: Any, *methods: str) -> None:
        self._client = client
        self._methods = set(methods)

    def __getattr__(self, name: str) -> Any:
        if name not in self._methods:
            return getattr(self._client, name)

        def not_implemented(**_: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "NotImplemented", "Message": "not implemented"}}, name
            )

        return not_implemented


def test_missing_public_access_block_api_is_a_warning(client: Any, s3_endpoint: str) -> None:
    bucket = _name()
    result = bootstrap_backend(
        "dev",
        bucket=bucket,
        endpoint_url=s3_endpoint,
        region=None,
        client=Unsupported(client, "get_public_access_block", "put_public_access_block"),
    )
    assert "public access blocked" not in result.changes + result.unchanged
    assert len(result.warnings) == 1 and "public access block" in result.warnings[0]
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_settings_the_endpoint_cannot_read_are_warnings_to_check_the_console(
    client: Any, s3_endpoint: str
) -> None:
    # Turning this into an error would be final: no re-run could ever read the setting.
    bucket = _name()
    unreadable = Unsupported(client, "get_bucket_versioning", "get_bucket_encryption")
    result = bootstrap_backend(
        "dev", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=unreadable
    )
    assert result.changes == ["bucket created", "public access blocked"]
    assert [w.split(" over ")[0] for w in result.warnings] == [
        "the endpoint does not implement bucket versioning",
        "the endpoint does not implement default encryption",
    ]
    assert all("provider's console" in w for w in result.warnings)


def test_a_setting_it_can_read_but_not_write_is_an_error_until_set_in_the_console(
    client: Any, s3_endpoint: str
) -> None:
    bucket = _name()
    unwritable = Unsupported(client, "put_bucket_versioning")
    with pytest.raises(StorageError, match="cannot turn on versioning over the S3 API; turn"):
        bootstrap_backend(
            "dev", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=unwritable
        )
    # "in the console": enabled by other means, the same run now succeeds
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    result = bootstrap_backend(
        "dev", bucket=bucket, endpoint_url=s3_endpoint, region=None, client=unwritable
    )
    assert "versioning enabled" in result.unchanged and not result.warnings


def test_names_and_backend_urls() -> None:
    assert default_bucket_name("llz", "prod") == "llz-state-prod"
    assert default_bucket_name("LLZ", "qa_1") == "llz-state-qa-1"
    assert (
        pulumi_backend_url("llz-state-prod", "https://oss-cn-shanghai.aliyuncs.com", "cn-shanghai")
        == "s3://llz-state-prod?endpoint=https://oss-cn-shanghai.aliyuncs.com&region=cn-shanghai"
    )
    assert pulumi_backend_url("b-b-b", None, "eu-west-1") == "s3://b-b-b?region=eu-west-1"
    with pytest.raises(InputError, match="bucket name"):
        bootstrap_backend("dev", bucket="Bad_Name", endpoint_url=None, region=None)


@pytest.mark.parametrize(
    ("endpoint", "region", "expected"),
    [
        (
            "https://s3.oss-cn-shanghai.aliyuncs.com/",
            None,
            {"endpoint": "https://s3.oss-cn-shanghai.aliyuncs.com", "region": "cn-shanghai"},
        ),
        (
            "http://minio.local:9000",
            "us-east-1",
            {
                "endpoint": "http://minio.local:9000",
                "disableSSL": "true",
                "s3ForcePathStyle": "true",
                "region": "us-east-1",
            },
        ),
    ],
)
def test_backend_url_query_is_what_pulumi_parses(
    endpoint: str, region: str | None, expected: dict[str, str]
) -> None:
    # Only the query parameters Pulumi's S3 opener knows (unknown ones are refused), and
    # the endpoint with its scheme (the AWS SDK v2 opener needs it).
    from urllib.parse import parse_qs, urlsplit

    from cli.s3 import check_endpoint_url, oss_region

    checked = check_endpoint_url(endpoint)
    url = pulumi_backend_url("llz-state-dev", checked, region or oss_region(checked))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("s3", "llz-state-dev", "")
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert query == expected


def test_oss_endpoint_gives_the_oss_backend_url(client: Any, s3_endpoint: str) -> None:
    # The OSS form is computed from the endpoint; the calls go to moto through `client`.
    bucket = _name()
    result = bootstrap_backend(
        "prod",
        bucket=bucket,
        endpoint_url="https://oss-cn-shanghai.aliyuncs.com",
        region=None,
        client=client,
    )
    assert result.region == "cn-shanghai"
    assert result.backend_url == (
        f"s3://{bucket}?endpoint=https://oss-cn-shanghai.aliyuncs.com&region=cn-shanghai"
    )


# ---- through the real entry point ---------------------------------------------------


def test_cli_bootstrap_is_idempotent_and_prints_the_backend_url(
    s3_endpoint: str, aws_credentials: None
) -> None:
    bucket = _name()
    args = ["backend", "bootstrap", "dev", "--bucket", bucket, "--endpoint-url", s3_endpoint]
    first = invoke_llz(args)
    assert first.exit_code == 0, first.output
    assert "changed: bucket created" in first.stdout
    assert f"url: s3://{bucket}?endpoint=http://127.0.0.1:" in first.stdout

    second = invoke_llz(args)
    assert second.exit_code == 0
    assert "already set up; nothing changed." in second.stdout
    assert "changed:" not in second.stdout

    as_json = invoke_llz([*args, "--json"])
    data = json.loads(as_json.stdout)
    assert data["changed"] is False and data["bucket"] == bucket
    assert data["backend_url"].startswith(f"s3://{bucket}?")


def test_cli_says_what_to_check_in_the_console(
    s3_endpoint: str, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.backend_bootstrap as module

    real = module.make_client
    monkeypatch.setattr(
        module,
        "make_client",
        lambda *a, **k: Unsupported(real(*a, **k), "get_public_access_block"),
    )
    bucket = _name()
    args = ["backend", "bootstrap", "dev", "--bucket", bucket, "--endpoint-url", s3_endpoint]
    invoke_llz(args)
    again = invoke_llz(args)
    assert again.exit_code == 0, again.output
    assert "already set up" not in again.stdout
    assert (
        f"{bucket}: nothing changed; 1 setting(s) to check in the console (warnings above)."
    ) in again.stdout
    assert "warning: the endpoint does not implement the public access block" in again.stderr


def test_cli_rejects_bad_input(s3_endpoint: str, aws_credentials: None) -> None:
    unknown = invoke_llz(["backend", "bootstrap", "nowhere", "--endpoint-url", s3_endpoint])
    assert unknown.exit_code == 1 and "unknown environment 'nowhere'" in unknown.stderr
    bad_bucket = invoke_llz(
        ["backend", "bootstrap", "dev", "--bucket", "x", "--endpoint-url", s3_endpoint]
    )
    assert bad_bucket.exit_code == 1
    assert bad_bucket.stderr.startswith("error: --bucket: x: ")
    bad_endpoint = invoke_llz(["backend", "bootstrap", "dev", "--endpoint-url", "ftp://host"])
    assert bad_endpoint.exit_code == 1 and "error: --endpoint-url" in bad_endpoint.stderr


def test_cli_storage_failures_are_one_line_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "Very-Secret-Alibaba-Key-Do-Not-Print"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-example-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
    result = invoke_llz(
        ["-vv", "backend", "bootstrap", "prod", "--endpoint-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: s3://llz-state-prod at http://127.0.0.1:9: ")
    assert "cannot connect to the endpoint" in result.stderr
    assert secret not in result.output and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_alibaba_credentials_are_used_when_no_aws_ones_are_set(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-example-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret")
    client = make_client(s3_endpoint)
    assert client._request_signer._credentials.access_key == "LTAI-example-id"
    result = invoke_llz(
        ["backend", "bootstrap", "dev", "--bucket", _name(), "--endpoint-url", s3_endpoint]
    )
    assert result.exit_code == 0, result.output
