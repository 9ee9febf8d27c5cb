"""The default factory (``pulumi.automation`` itself) against a stand-in ``pulumi`` binary.

The stand-in is a small script that logs its arguments and answers the few commands llz
runs for ``stacks`` and ``outputs``; it proves the exact CLI calls, the backend env var,
and that the Automation API's secret flags reach llz's redaction.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.engines import automation
from tests.conftest import PROJECT_DIR, invoke_llz
from tests.test_engine_fakes import SECRET_VALUE

SCRIPT = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "backend": os.environ.get("PULUMI_BACKEND_URL")}}) + "\n")
words = [a for a in args if not a.startswith("--")]
if args == ["version"]:
    print(os.environ.get("FAKE_PULUMI_VERSION", "v3.272.0"))
elif words[:1] == ["destroy"]:  # file event log (CLI < 3.206): a delete, the summary
    vpc = "urn:pulumi:dev::llz::llz:network:Network$alicloud:vpc/network:Network::dev-vpc"
    old = {{"type": "alicloud:vpc/network:Network", "urn": vpc, "custom": True,
            "protect": False, "inputs": {{"cidrBlock": "10.10.0.0/16"}}, "outputs": {{}}}}
    events = [{{"resourcePreEvent": {{"metadata": {{"op": "delete", "urn": vpc,
                "type": old["type"], "provider": "", "old": old}}}}}},
              {{"summaryEvent": {{"resourceChanges": {{"delete": 1}}}}}},
              {{"cancelEvent": {{}}}}]  # the CLI's last event: the SDK stops watching
    with open(args[args.index("--event-log") + 1], "a") as log:
        for i, event in enumerate(events):
            log.write(json.dumps({{"sequence": i, "timestamp": i, **event}}) + "\n")
elif words[:2] == ["stack", "export"]:
    print(json.dumps({{"version": 3, "deployment": {{"resources": []}}}}))
elif "staging" in args and "select" in words:
    print("error: no stack named 'staging' found", file=sys.stderr)
    sys.exit(255)
elif words[:2] == ["stack", "history"]:
    print(json.dumps([{{"kind": "update", "startTime": "2026-11-24T20:00:00.000Z",
                       "endTime": "2026-11-24T20:03:07.000Z", "message": "", "environment": {{}},
                       "config": {{}}, "result": "failed", "version": 2,
                       "resourceChanges": {{"create": 4}}}}]))
elif words[:2] == ["stack", "output"]:
    secret = "{secret}" if "--show-secrets" in args else "[secret]"
    print(json.dumps({{"alarmWebhook": secret, "ingressAddress": "198.18.0.1"}}))
'''


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(SCRIPT.format(python=sys.executable, secret=SECRET_VALUE))
    script.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-passphrase")
    automation.set_factory(None)
    automation.set_cli_lookup(None)
    return log


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_stacks_selects_without_creating_and_reads_history(fake_cli: Path) -> None:
    result = invoke_llz(["stacks", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["env"]: r for r in json.loads(result.stdout)["stacks"]}
    assert rows["dev"]["status"] == "deployed"
    assert rows["dev"]["last_update"]["result"] == "failed"
    assert rows["dev"]["last_update"]["end_time"] == "2026-11-24T20:03:07Z"
    assert rows["staging"]["status"] == "never deployed"
    calls = [c for c in _calls(fake_cli) if c["args"] != ["version"]]
    backend = f"file://{PROJECT_DIR}/.pulumi-state"
    assert {c["backend"] for c in calls} == {backend}
    assert calls[0]["args"] == ["--non-interactive", "stack", "select", "--stack", "dev"]
    history = calls[1]["args"]
    assert history[:4] == ["--non-interactive", "stack", "history", "--json"]
    assert "--show-secrets" not in history
    assert not any("--create" in c["args"] for c in calls)


def test_outputs_redacts_what_the_automation_api_marks_secret(fake_cli: Path) -> None:
    result = invoke_llz(["outputs", "dev", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outputs"] == {
        "alarmWebhook": "[secret]", "ingressAddress": "198.18.0.1",
    }
    assert SECRET_VALUE not in result.stdout + result.stderr
    shown = invoke_llz(["outputs", "dev", "--json", "--show-secrets"])
    assert json.loads(shown.stdout)["outputs"]["alarmWebhook"] == SECRET_VALUE


def test_outputs_of_a_missing_stack(fake_cli: Path) -> None:
    result = invoke_llz(["outputs", "staging"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: stack 'staging' does not exist in its backend yet "
        "(deploy it first: llz deploy staging)\n"
    )


def test_destroy_previews_then_destroys_exactly_the_target(
    fake_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PULUMI_VERSION", "v3.200.0")  # the file-based event log
    vpc = "urn:pulumi:dev::llz::llz:network:Network$alicloud:vpc/network:Network::dev-vpc"
    result = invoke_llz(["destroy", "dev", "--yes", "--target", vpc, "--json"])
    assert result.exit_code == 0, result.stderr
    assert "dev-vpc" in result.stderr  # the destroy preview, from the engine's events
    destroys = [c["args"] for c in _calls(fake_cli) if "destroy" in c["args"]]
    assert len(destroys) == 2
    preview, real = destroys
    assert "--preview-only" in preview and "--yes" not in preview  # Stack.preview_destroy
    assert "--skip-preview" in real and "--yes" in real
    for args in destroys:
        assert args[args.index("--target") + 1] == vpc and args.count("--target") == 1
        assert "--show-secrets" not in args and "--exclude-protected" not in args
    assert json.loads(result.stdout)["operation"] == "destroy"
