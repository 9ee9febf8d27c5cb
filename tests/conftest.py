"""Shared test world: the project, offline plans of the shipped stacks, the llz runner,
and an S3-compatible server (moto in server mode on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from cli.plan import Plan

# CI replays the same examples on every run (a failure there is reproducible, never a
# fluke); developers' runs stay random so that they keep finding new cases.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


PROJECT_DIR = Path(__file__).resolve().parent.parent


def fake_private_key(body: str, kind: str = "PRIVATE KEY") -> str:
    """A PEM-shaped stand-in for a private key (not a key: ``body`` is any text).

    Built here rather than written out, so secret scanners never see a key header in the
    repository.
    """
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"
ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


_PLANS: dict[str, Plan] = {}


def shipped_plan(env: str) -> Plan:
    """The offline plan of a shipped stack, computed once per test session."""
    if env not in _PLANS:
        from cli.engines.offline import plan_offline

        _PLANS[env] = plan_offline(PROJECT_DIR, env)
    return _PLANS[env]


@pytest.fixture(scope="session")
def plans() -> dict[str, Plan]:
    return {env: shipped_plan(env) for env in ENVIRONMENTS}


@dataclass
class LlzResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke_llz(
    args: list[str], input: str | None = None, env: dict[str, str] | None = None
) -> LlzResult:
    """Run `llz ARGS` in-process through the real entry point (exit-code mapping included)."""
    from cli.main import run

    runner = CliRunner()
    # Rich sizes tables from COLUMNS (else the terminal, else 80): pin it so that a CI
    # runner's own terminal settings cannot change what the tests read.
    env = {"COLUMNS": "80", **(env or {})}
    with runner.isolation(input=input, env=env, color=False) as streams:
        code = run(["--project-dir", str(PROJECT_DIR), *args])
    return LlzResult(code, streams[0].getvalue().decode(), streams[1].getvalue().decode())


@pytest.fixture
def llz() -> object:
    return invoke_llz


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP on 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        with contextlib.suppress(Exception):
            server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials so boto3 never looks for real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
