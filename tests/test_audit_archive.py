"""`llz audit ENV --archive s3://...` then `llz audit verify` against moto over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke_llz, shipped_plan


@pytest.mark.usefixtures("aws_credentials")
def test_archived_report_set_verifies_and_holds_the_suppression(
    s3_endpoint: str, tmp_path: Path
) -> None:
    from cli.s3 import make_client

    client = make_client(s3_endpoint)
    client.create_bucket(Bucket="llz-audit")
    plan = tmp_path / "plan.json"
    plan.write_text(shipped_plan("prod").to_json())
    url = "s3://llz-audit/prod"
    for _ in range(2):  # two report sets: a chain of two
        result = invoke_llz(
            [
                "audit",
                "prod",
                "--plan",
                str(plan),
                "--archive",
                url,
                "--endpoint-url",
                s3_endpoint,
                "--format",
                "json",
            ]
        )
        assert result.exit_code == 0, result.stderr
        assert "archived" in result.stderr
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="llz-audit")["Contents"]]
    reports = []
    for key in keys:  # content-addressed objects: find the JSON report by its format
        body = client.get_object(Bucket="llz-audit", Key=key)["Body"].read()
        try:
            document = json.loads(body)
        except ValueError:
            continue
        if isinstance(document, dict) and document.get("format") == "llz.audit/v1":
            reports.append(document)
    (report,) = reports  # both sets hold the identical (deterministic) report
    assert report["findings"][0]["suppressed"] is True
    verify = invoke_llz(["audit", "verify", url, "--endpoint-url", s3_endpoint, "--json"])
    assert verify.exit_code == 0, verify.stderr
    assert json.loads(verify.stdout)["intact"] is True
