"""Archive and verify against moto in server mode over real HTTP (real boto3 client)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.archive import (
    HEAD_KEY,
    MANIFESTS,
    OBJECTS,
    archive_reports,
    canonical_json,
    sha256_hex,
    verify_archive,
)
from cli.commands.archive import verify
from cli.s3 import StorageError, make_client
from stacks.errors import InputError

REPORTS = {
    "audit.json": b'{"findings": []}\n',
    "audit.sarif": b'{"version": "2.1.0"}\n',
    "audit.html": b"<html><body>no findings</body></html>\n",
}


@pytest.fixture
def client(s3_endpoint: str, aws_credentials: None) -> Any:
    return make_client(s3_endpoint)


@pytest.fixture
def bucket(client: Any) -> str:
    name = f"llz-archive-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


def _archive(
    url: str, endpoint: str, client: Any, files: dict[str, bytes] | None = None, env: str = "prod"
) -> Any:
    return archive_reports(
        url,
        files or REPORTS,
        endpoint_url=endpoint,
        stack="prod",
        environment=env,
        client=client,
    )


def _chain(url: str, endpoint: str, client: Any, sets: int = 3) -> list[Any]:
    return [
        _archive(url, endpoint, client, {**REPORTS, "audit.json": f'{{"run": {i}}}'.encode()})
        for i in range(sets)
    ]


def test_round_trip_stores_content_addressed_objects_and_verifies(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    url = f"s3://{bucket}/audits/prod"
    receipt = _archive(url, s3_endpoint, client)

    assert receipt.sequence == 1 and receipt.previous_sha256 is None
    assert receipt.manifest_key == f"audits/prod/{MANIFESTS}/{receipt.manifest_sha256}"
    for entry in receipt.files:
        body = client.get_object(Bucket=bucket, Key=f"audits/prod/{OBJECTS}/{entry.sha256}")
        data = body["Body"].read()
        assert data == REPORTS[entry.name] and sha256_hex(data) == entry.sha256
    manifest_bytes = client.get_object(Bucket=bucket, Key=receipt.manifest_key)["Body"].read()
    assert sha256_hex(manifest_bytes) == receipt.manifest_sha256
    manifest = json.loads(manifest_bytes)
    assert manifest["environment"] == "prod" and manifest["stack"] == "prod"
    assert manifest["files"]["audit.html"] == {
        "sha256": sha256_hex(REPORTS["audit.html"]),
        "size": len(REPORTS["audit.html"]),
    }
    head = json.loads(
        client.get_object(Bucket=bucket, Key=f"audits/prod/{HEAD_KEY}")["Body"].read()
    )
    assert head["manifest"] == receipt.manifest_sha256
    assert json.loads(json.dumps(receipt.to_dict()))["files"].keys() == REPORTS.keys()

    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert result.intact, result.problems
    assert [s.sequence for s in result.sets] == [1]
    assert result.objects_checked == 3


def test_several_report_sets_form_a_hash_chain(client: Any, bucket: str, s3_endpoint: str) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=3)

    assert [r.sequence for r in receipts] == [1, 2, 3]
    assert receipts[1].previous_sha256 == receipts[0].manifest_sha256
    assert receipts[2].previous_sha256 == receipts[1].manifest_sha256
    # unchanged reports are stored once: 3 sets x 3 files, but only 2 + 3 distinct objects
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=OBJECTS)["Contents"]]
    assert len(keys) == 5
    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert result.intact, result.problems
    assert [s.sequence for s in result.sets] == [3, 2, 1]
    assert result.head == receipts[2].manifest_sha256
    assert result.warnings == []


def _delete_report(client: Any, bucket: str, receipts: list[Any]) -> None:
    digest = next(f.sha256 for f in receipts[0].files if f.name == "audit.json")
    client.delete_object(Bucket=bucket, Key=f"{OBJECTS}/{digest}")


def _edit_report(client: Any, bucket: str, receipts: list[Any]) -> None:
    digest = next(f.sha256 for f in receipts[1].files if f.name == "audit.html")
    client.put_object(Bucket=bucket, Key=f"{OBJECTS}/{digest}", Body=b"<html>all clean</html>")


def _edit_manifest(client: Any, bucket: str, receipts: list[Any]) -> None:
    key = receipts[1].manifest_key
    manifest = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    manifest["environment"] = "dev"
    client.put_object(Bucket=bucket, Key=key, Body=canonical_json(manifest))


def _drop_report_from_manifest(client: Any, bucket: str, receipts: list[Any]) -> None:
    key = receipts[0].manifest_key
    manifest = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    del manifest["files"]["audit.sarif"]
    client.put_object(Bucket=bucket, Key=key, Body=canonical_json(manifest))


def _delete_head_manifest(client: Any, bucket: str, receipts: list[Any]) -> None:
    client.delete_object(Bucket=bucket, Key=receipts[-1].manifest_key)


def _delete_middle_manifest(client: Any, bucket: str, receipts: list[Any]) -> None:
    client.delete_object(Bucket=bucket, Key=receipts[1].manifest_key)


TAMPERING: dict[str, tuple[Callable[[Any, str, list[Any]], None], str]] = {
    "delete a report": (_delete_report, "report 'audit.json' is missing"),
    "edit a report": (_edit_report, "report 'audit.html' was edited"),
    "edit a manifest": (_edit_manifest, "): the manifest was edited (it hashes to"),
    "remove a report from a manifest": (_drop_report_from_manifest, "the manifest was edited"),
    "delete HEAD's manifest": (_delete_head_manifest, "): the manifest is missing"),
    "delete a middle manifest": (_delete_middle_manifest, "the chain is broken here"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_verify_detects_tampering(client: Any, bucket: str, s3_endpoint: str, case: str) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=3)
    tamper, expected = TAMPERING[case]
    tamper(client, bucket, receipts)

    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert not result.intact
    assert any(expected in p for p in result.problems), result.problems


def test_sets_below_a_break_are_reported_as_unchecked_not_as_stray_uploads(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=3)
    _delete_head_manifest(client, bucket, receipts)
    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert len(result.warnings) == 2
    for warning in result.warnings:
        assert "cannot be reached from HEAD because the chain is broken" in warning
        assert "interrupted" not in warning


def test_every_problem_is_listed(client: Any, bucket: str, s3_endpoint: str) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=3)
    _edit_report(client, bucket, receipts)
    _edit_manifest(client, bucket, receipts)
    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert any("was edited (it hashes to" in p for p in result.problems)
    assert any("report 'audit.html' was edited" in p for p in result.problems)


def test_removed_head_and_rewound_head_are_detected(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=2)
    old_head = client.get_object(Bucket=bucket, Key=HEAD_KEY)["Body"].read()
    head_one = canonical_json(
        {"schema": "llz.archive-head/v1", "manifest": receipts[0].manifest_sha256, "sequence": 1}
    )
    client.put_object(Bucket=bucket, Key=HEAD_KEY, Body=head_one)  # set #2 hidden
    rewound = verify_archive(
        url, endpoint_url=s3_endpoint, client=client, expect=[receipts[1].manifest_sha256]
    )
    assert any("is not in the chain" in p for p in rewound.problems)
    assert any(receipts[1].manifest_sha256 in w for w in rewound.warnings)

    client.put_object(Bucket=bucket, Key=HEAD_KEY, Body=old_head)
    client.delete_object(Bucket=bucket, Key=HEAD_KEY)
    removed = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert any("no HEAD" in p for p in removed.problems)


class FailingClient:
    """A real client that fails after ``puts_allowed`` put_object calls (a dying upload)."""

    def __init__(self, client: Any, puts_allowed: int) -> None:
        self._client = client
        self._left = puts_allowed

    def put_object(self, **kwargs: Any) -> Any:
        if self._left == 0:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://127.0.0.1")
        self._left -= 1
        return self._client.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.mark.parametrize("puts_allowed", [0, 1, 3, 4])
def test_upload_failing_midway_leaves_the_previous_chain_valid(
    client: Any, bucket: str, s3_endpoint: str, puts_allowed: int
) -> None:
    # 3 new objects, then the manifest (4th put), then HEAD (5th): fail before each.
    url = f"s3://{bucket}/a"
    receipts = _chain(url, s3_endpoint, client, sets=2)
    head_before = client.get_object(Bucket=bucket, Key=f"a/{HEAD_KEY}")["Body"].read()
    new_set = {name: data + b"changed" for name, data in REPORTS.items()}

    with pytest.raises(StorageError) as failure:
        _archive(url, s3_endpoint, FailingClient(client, puts_allowed), new_set)
    assert "cannot connect" in failure.value.message

    assert client.get_object(Bucket=bucket, Key=f"a/{HEAD_KEY}")["Body"].read() == head_before
    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert result.intact, result.problems
    assert [s.manifest_sha256 for s in result.sets] == [
        receipts[1].manifest_sha256,
        receipts[0].manifest_sha256,
    ]
    # the next upload simply continues the chain
    assert _archive(url, s3_endpoint, client, new_set).sequence == 3
    assert verify_archive(url, endpoint_url=s3_endpoint, client=client).intact


class RacingClient:
    """Runs a competing archive upload just before this one writes its manifest."""

    def __init__(self, client: Any, race: Callable[[], None]) -> None:
        self._client = client
        self._race: Callable[[], None] | None = race

    def put_object(self, **kwargs: Any) -> Any:
        if "/manifests/" in "/" + kwargs["Key"] and self._race is not None:
            race, self._race = self._race, None
            race()
        return self._client.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_concurrent_upload_is_refused_and_chain_stays_valid(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    url = f"s3://{bucket}"
    _chain(url, s3_endpoint, client, sets=1)
    winner: list[Any] = []

    def race() -> None:
        winner.append(_archive(url, s3_endpoint, client, {"other.json": b"{}"}))

    with pytest.raises(StorageError, match="another upload moved HEAD"):
        _archive(url, s3_endpoint, RacingClient(client, race), {"mine.json": b"[]"})

    result = verify_archive(url, endpoint_url=s3_endpoint, client=client)
    assert result.intact, result.problems
    assert result.head == winner[0].manifest_sha256
    assert len(result.warnings) == 1 and "not in the chain" in result.warnings[0]


@pytest.mark.parametrize("existing_sets", [0, 1])
def test_conditional_write_refuses_when_head_moves_after_the_re_read(
    client: Any, bucket: str, s3_endpoint: str, existing_sets: int
) -> None:
    # existing_sets=0: both uploads create the chain (If-None-Match); 1: If-Match on HEAD
    url = f"s3://{bucket}"
    _chain(url, s3_endpoint, client, sets=existing_sets)

    class LateRace(RacingClient):
        def put_object(self, **kwargs: Any) -> Any:
            if kwargs["Key"] == HEAD_KEY and self._race is not None:
                race, self._race = self._race, None
                race()
            return self._client.put_object(**kwargs)

    racer = LateRace(client, lambda: _archive(url, s3_endpoint, client, {"x.json": b"1"}))
    with pytest.raises(StorageError, match="another upload moved HEAD"):
        _archive(url, s3_endpoint, racer, {"y.json": b"2"})
    assert verify_archive(url, endpoint_url=s3_endpoint, client=client).intact


class NoConditionalWrites:
    """A store that rejects If-Match/If-None-Match on PUT (no S3 conditional writes)."""

    def __init__(self, client: Any, code: str) -> None:
        self._client = client
        self._code = code

    def put_object(self, **kwargs: Any) -> Any:
        if "IfMatch" in kwargs or "IfNoneMatch" in kwargs:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": self._code, "Message": "no"}}, "PutObject")
        return self._client.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.mark.parametrize("code", ["NotImplemented", "InvalidArgument"])
def test_stores_without_conditional_writes_still_archive(
    client: Any, bucket: str, s3_endpoint: str, code: str
) -> None:
    url = f"s3://{bucket}"
    plain = NoConditionalWrites(client, code)
    assert [_archive(url, s3_endpoint, plain).sequence for _ in range(2)] == [1, 2]
    assert verify_archive(url, endpoint_url=s3_endpoint, client=client).intact


def test_archive_refuses_to_extend_a_damaged_chain(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=1)
    _delete_head_manifest(client, bucket, receipts)
    with pytest.raises(StorageError, match="refusing to extend a damaged chain"):
        _archive(url, s3_endpoint, client)
    client.put_object(Bucket=bucket, Key=HEAD_KEY, Body=b"not json")
    with pytest.raises(StorageError, match="HEAD is not JSON"):
        _archive(url, s3_endpoint, client)


def test_archive_refuses_a_head_whose_sequence_disagrees_with_its_manifest(
    client: Any, bucket: str, s3_endpoint: str
) -> None:
    # HEAD rewritten to claim set #5 for the manifest of set #1: extending it would chain
    # a #6 onto a #1 (verify would then report a broken link), so the upload refuses.
    url = f"s3://{bucket}"
    receipts = _chain(url, s3_endpoint, client, sets=1)
    forged = {"schema": "llz.archive-head/v1", "manifest": receipts[0].manifest_sha256}
    client.put_object(Bucket=bucket, Key=HEAD_KEY, Body=canonical_json({**forged, "sequence": 5}))
    with pytest.raises(StorageError, match="HEAD says sequence 5"):
        _archive(url, s3_endpoint, client)
    assert not verify_archive(url, endpoint_url=s3_endpoint, client=client).intact
    client.put_object(Bucket=bucket, Key=HEAD_KEY, Body=canonical_json({**forged, "sequence": 1}))
    assert _archive(url, s3_endpoint, client).sequence == 2


def test_bad_input_is_an_input_error(client: Any, bucket: str, s3_endpoint: str) -> None:
    with pytest.raises(InputError, match="must look like s3://bucket/prefix"):
        _archive(f"https://{bucket}/x", s3_endpoint, client)
    with pytest.raises(InputError, match="no report files"):
        archive_reports(
            f"s3://{bucket}",
            {},
            endpoint_url=s3_endpoint,
            stack="s",
            environment="dev",
            client=client,
        )
    with pytest.raises(InputError, match="--endpoint-url"):
        verify_archive(f"s3://{bucket}", endpoint_url="oss-cn-shanghai.aliyuncs.com")


def test_missing_bucket_and_unreachable_endpoint_give_one_clear_error(
    client: Any, s3_endpoint: str, aws_credentials: None
) -> None:
    with pytest.raises(StorageError) as missing:
        verify_archive("s3://no-such-bucket-llz", endpoint_url=s3_endpoint, client=client)
    assert "the bucket does not exist" in missing.value.message
    with pytest.raises(StorageError) as down:
        verify_archive("s3://some-bucket", endpoint_url="http://127.0.0.1:9")
    assert "cannot connect to the endpoint" in down.value.message


# ---- the `verify` command (llz audit verify), invoked directly ------------------------


def test_verify_command_exit_codes_and_json(client: Any, bucket: str, s3_endpoint: str) -> None:
    url = f"s3://{bucket}/reports"
    receipts = _chain(url, s3_endpoint, client, sets=2)
    runner = CliRunner()

    ok = runner.invoke(verify, [url, "--endpoint-url", s3_endpoint])
    assert ok.exit_code == 0, ok.output
    assert "intact (2 report set(s)" in ok.output

    as_json = runner.invoke(verify, [url, "--endpoint-url", s3_endpoint, "--json"])
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == 0 and data["intact"] is True and len(data["sets"]) == 2

    digest = receipts[1].files[0].sha256
    client.put_object(Bucket=bucket, Key=f"reports/{OBJECTS}/{digest}", Body=b"forged")
    bad = runner.invoke(verify, [url, "--endpoint-url", s3_endpoint])
    assert bad.exit_code == 1
    # the forged report is shared by both sets: both are reported
    assert "problem: set #2" in bad.output and "problem: set #1" in bad.output
    assert "NOT intact (2 problem(s))" in bad.output

    bad_json = runner.invoke(verify, [url, "--endpoint-url", s3_endpoint, "--json"])
    assert bad_json.exit_code == 1 and json.loads(bad_json.stdout)["intact"] is False


def test_verify_command_storage_errors_hide_secrets(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "S3cr3t-value-that-must-not-leak"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    runner = CliRunner()

    none = runner.invoke(verify, ["s3://llz-nothing-here", "--endpoint-url", s3_endpoint])
    assert none.exit_code == 1
    assert "no credentials" in none.output and "Traceback" not in none.output

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    down = runner.invoke(verify, ["s3://llz-nothing-here", "--endpoint-url", "http://127.0.0.1:9"])
    assert down.exit_code == 1 and "cannot connect" in down.output
    assert secret not in down.output and "Traceback" not in down.output


# ---- property: any single tampering with any stored byte is detected --------------------

_report_sets = st.lists(
    st.dictionaries(
        st.sampled_from(["a.json", "b.md", "c.html", "d.sarif"]),
        st.binary(min_size=0, max_size=64),
        min_size=1,
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sets=_report_sets, pick=st.integers(min_value=0), action=st.sampled_from(["flip", "drop"]))
def test_any_tampered_stored_object_is_detected(
    client: Any, s3_endpoint: str, sets: list[dict[str, bytes]], pick: int, action: str
) -> None:
    bucket = f"llz-prop-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/p"
    for files in sets:
        _archive(url, s3_endpoint, client, files)
    assert verify_archive(url, endpoint_url=s3_endpoint, client=client).intact

    keys = sorted(
        item["Key"]
        for item in client.list_objects_v2(Bucket=bucket)["Contents"]
        if item["Key"] != f"p/{HEAD_KEY}"
    )
    key = keys[pick % len(keys)]
    if action == "drop":
        client.delete_object(Bucket=bucket, Key=key)
    else:
        data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        client.put_object(
            Bucket=bucket, Key=key, Body=bytes([data[0] ^ 1]) + data[1:] if data else b"x"
        )
    assert not verify_archive(url, endpoint_url=s3_endpoint, client=client).intact
