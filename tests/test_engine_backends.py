"""Backends per environment: the default file backend, a team backend from stack config,
the secrets provider, and the passphrase check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli.backends import Backend, BackendError, backend_for, check_secrets_provider, prepare
from stacks.config import load_spec
from tests.conftest import PROJECT_DIR, invoke_llz
from tests.test_engine_fakes import FakeFactory, FakeStack

pytest_plugins = ["tests.test_engine_fakes"]  # fixtures fake_engine

OSS_URL = "s3://llz-state?endpoint=https://s3.oss-cn-shanghai.aliyuncs.com&region=cn-shanghai"


def _project(tmp_path: Path, backend: dict[str, str] | None = None, env: str = "staging") -> Path:
    """A copy of the project's config files, with ``llz:backend`` set on ``env``."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    for name in ("dev", "staging", "prod"):
        text = (PROJECT_DIR / "stacks" / f"Pulumi.{name}.yaml").read_text()
        if name == env and backend is not None:
            document = yaml.safe_load(text)
            document["config"]["llz:backend"] = backend
            text = yaml.safe_dump(document, sort_keys=False)
        (project / "stacks" / f"Pulumi.{name}.yaml").write_text(text)
    return project


def test_default_backend_is_a_file_backend_in_the_project(tmp_path: Path) -> None:
    project = _project(tmp_path)
    backend = backend_for(project, "dev", load_spec(project, "dev"))
    assert backend.url == f"file://{project.resolve()}/.pulumi-state"
    assert backend.default and backend.uses_passphrase
    assert backend.local_path == project.resolve() / ".pulumi-state"
    prepare(backend)
    assert (project / ".pulumi-state").is_dir()
    assert backend.engine_env() == {
        "PULUMI_BACKEND_URL": backend.url, "PULUMI_SKIP_UPDATE_CHECK": "true",
    }


def test_state_directory_is_git_ignored() -> None:
    ignored = (PROJECT_DIR / ".gitignore").read_text().splitlines()
    assert ".pulumi-state/" in ignored


def test_team_backend_and_secrets_provider_from_stack_config(tmp_path: Path) -> None:
    project = _project(tmp_path, {"url": OSS_URL, "secretsProvider": "awskms://alias/llz"})
    backend = backend_for(project, "staging", load_spec(project, "staging"))
    assert backend == Backend("staging", OSS_URL, "awskms://alias/llz", default=False)
    assert backend.local_path is None
    prepare(backend)  # nothing to create for a remote backend
    check_secrets_provider(backend, {})  # no passphrase needed for a KMS provider


def test_invalid_backend_url_stops_before_the_engine(
    fake_engine: FakeFactory, tmp_path: Path
) -> None:
    project = _project(tmp_path, {"url": "ftp://nope"})
    result = invoke_llz(["--project-dir", str(project), "preview", "staging"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: stacks/Pulumi.staging.yaml: ")
    assert "llz:backend.url: must be a Pulumi backend URL" in result.stderr
    assert fake_engine.requests == []
    listed = invoke_llz(["--project-dir", str(project), "stacks", "--json"])
    assert listed.exit_code == 1
    status = {r["env"]: r["status"] for r in json.loads(listed.stdout)["stacks"]}
    assert status["staging"] == "invalid"
    assert status["dev"] == "never deployed"  # the fake factory's stacks have no history


def test_commands_use_the_team_backend(fake_engine: FakeFactory, tmp_path: Path) -> None:
    project = _project(tmp_path, {"url": OSS_URL})
    fake_engine.stacks["staging"] = FakeStack()
    result = invoke_llz(["--project-dir", str(project), "preview", "staging"])
    assert result.exit_code == 0, result.stderr
    (request,) = fake_engine.requests
    assert request.env_vars["PULUMI_BACKEND_URL"] == OSS_URL
    assert request.secrets_provider == "passphrase"
    assert request.work_dir == project.resolve()
    assert not (project / ".pulumi-state").exists()
    rows = json.loads(invoke_llz(["--project-dir", str(project), "stacks", "--json"]).stdout)
    urls = {r["env"]: r["backend"] for r in rows["stacks"]}
    assert urls["staging"] == OSS_URL
    assert urls["dev"] == f"file://{project.resolve()}/.pulumi-state"


@pytest.mark.parametrize(
    ("environ", "error"),
    [
        ({"PULUMI_CONFIG_PASSPHRASE": "x"}, None),
        ({"PULUMI_CONFIG_PASSPHRASE": ""}, None),  # an empty passphrase is Pulumi's to judge
        ({}, "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE"),
        ({"PULUMI_CONFIG_PASSPHRASE_FILE": "/nonexistent/phrase"}, "which is not a file"),
    ],
)
def test_passphrase_check(environ: dict[str, str], error: str | None) -> None:
    backend = Backend("dev", "file:///tmp/x", "passphrase", default=True)
    if error is None:
        check_secrets_provider(backend, environ)
    else:
        with pytest.raises(BackendError, match=error):
            check_secrets_provider(backend, environ)
