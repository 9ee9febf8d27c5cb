"""The real engine end to end: a temp copy of the project, the dev stack, a local file backend.

Needs the `pulumi` binary on PATH (skipped otherwise). preview, up and destroy also need
Alibaba Cloud credentials (ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY) and create real,
billed resources for a few minutes: they are skipped without them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_DIR, fake_private_key, invoke_llz

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pulumi") is None, reason="Pulumi CLI not on PATH"),
]

PASSPHRASE = "llz-integration-test-passphrase"
SECRET_KEYS = ("llz:tlsPrivateKey", "llz:alarmWebhook")
TLS_KEY = fake_private_key("integration-test-only", "EC PRIVATE KEY")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the project whose dev stack has fresh secrets under a test passphrase."""
    from pulumi import automation as auto

    copy = tmp_path / "llz"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    copy.mkdir()
    shutil.copy2(PROJECT_DIR / "Pulumi.yaml", copy / "Pulumi.yaml")
    for package in ("stacks", "components", "policies"):
        if (PROJECT_DIR / package).is_dir():
            shutil.copytree(PROJECT_DIR / package, copy / package, ignore=ignore)
    (copy / ".venv").symlink_to(PROJECT_DIR / ".venv")
    stack_file = copy / "stacks" / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document.pop("encryptionsalt", None)
    for key in SECRET_KEYS:
        document["config"].pop(key, None)
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    state = copy / ".pulumi-state"
    state.mkdir()
    stack = auto.create_or_select_stack(
        stack_name="dev",
        work_dir=str(copy),
        opts=auto.LocalWorkspaceOptions(
            env_vars={"PULUMI_BACKEND_URL": f"file://{state}"}, secrets_provider="passphrase"
        ),
    )
    stack.set_config("llz:tlsPrivateKey", auto.ConfigValue(TLS_KEY, secret=True))
    stack.set_config(
        "llz:alarmWebhook", auto.ConfigValue("https://hooks.example.cn/llz-test", secret=True)
    )
    yield copy


def test_stacks_reads_the_file_backend(project: Path) -> None:
    result = invoke_llz(["--project-dir", str(project), "stacks", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["env"]: r for r in json.loads(result.stdout)["stacks"]}
    assert rows["dev"]["backend"] == f"file://{project.resolve()}/.pulumi-state"
    assert rows["dev"]["status"] in ("never deployed", "deployed")
    assert rows["staging"]["status"] == "never deployed"


def test_preview_up_destroy_dev(project: Path) -> None:
    if not (os.environ.get("ALICLOUD_ACCESS_KEY") and os.environ.get("ALICLOUD_SECRET_KEY")):
        pytest.skip("Alibaba Cloud credentials (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY) not set")
    base = ["--project-dir", str(project)]
    preview = invoke_llz([*base, "preview", "dev", "--json"])
    assert preview.exit_code == 2, preview.stderr
    data = json.loads(preview.stdout)
    assert data["plan"]["engine"] == "pulumi" and data["summary"]["create"] > 0
    assert TLS_KEY.splitlines()[1] not in preview.stdout + preview.stderr
    try:
        deployed = invoke_llz([*base, "deploy", "dev", "--json"])
        assert deployed.exit_code == 0, deployed.stderr
        assert json.loads(deployed.stdout)["result"] == "succeeded"
        again = invoke_llz([*base, "preview", "dev"])
        assert again.exit_code == 0, again.stdout + again.stderr
    finally:
        destroyed = invoke_llz([*base, "destroy", "dev", "--yes", "--json"])
    assert destroyed.exit_code == 0, destroyed.stderr
    assert json.loads(destroyed.stdout)["operation"] == "destroy"
