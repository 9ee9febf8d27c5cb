"""The program under the real engine's way of passing config.

The Pulumi CLI hands a Python program its stack config through the language host: it sets
``PULUMI_CONFIG`` (a JSON object of ``"namespace:key"`` to string, structured values as JSON
text, secrets decrypted) and ``PULUMI_CONFIG_SECRET_KEYS`` (a JSON list of the secret keys),
and the ``pulumi-language-python-exec`` shim calls
``pulumi.runtime.set_all_config(get_config_env(), get_config_secret_keys_env())`` before it
runs ``stacks/__main__.py``. These tests build those variables from the shipped stack files
the way the engine does and check that the program sees the very same spec and describes the
very same landing zone as the offline engine, with the secrets still secret.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from cli.engines.offline import plan_offline, record_program
from cli.plan import Plan
from stacks.config import PROJECT, StackConfig, runtime_config, spec_from_config
from stacks.errors import InputError
from stacks.program import run_program
from stacks.yaml_files import read_yaml_file
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, fake_private_key, shipped_plan

# Plaintext stand-ins for the decrypted secrets; they must never reach a plan.
PLAINTEXT = {
    "llz:tlsPrivateKey": fake_private_key("plaintext-tls-key"),
    "llz:alarmWebhook": "https://oapi.dingtalk.com/robot/send?access_token=plaintext-hook",
}
NO_CONFIG = StackConfig("engine", {}, frozenset())


def engine_environment(env: str) -> dict[str, str]:
    """PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS as the engine sets them for stack ``env``."""
    path = PROJECT_DIR / "stacks" / f"Pulumi.{env}.yaml"
    config: dict[str, Any] = read_yaml_file(path, path.name, stack_file=True)["config"]
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = PLAINTEXT[key]
            secret_keys.append(key)
        elif isinstance(value, str):
            values[key] = value
        else:
            values[key] = json.dumps(value)
    return {
        "PULUMI_CONFIG": json.dumps(values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(secret_keys)),
    }


def exec_shim() -> None:
    """What pulumi-language-python-exec does before it runs the program."""
    pulumi.runtime.set_all_config(
        pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env()
    )


def under_engine(
    env: str,
    monkeypatch: pytest.MonkeyPatch,
    program: Callable[[], object],
    shim: bool = True,
    secret_keys: list[str] | None = None,
) -> Plan:
    for name, value in engine_environment(env).items():
        monkeypatch.setenv(name, value)
    if secret_keys is not None:
        monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(secret_keys))

    def main() -> None:
        if shim:
            exec_shim()
        program()

    return record_program(env, NO_CONFIG, main)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_engine_config_describes_the_same_landing_zone(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = under_engine(env, monkeypatch, run_program)
    offline = shipped_plan(env)
    assert engine.to_dict()["resources"] == offline.to_dict()["resources"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_decrypted_secrets_never_reach_the_plan(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = under_engine(env, monkeypatch, run_program).to_json()
    assert "plaintext-tls-key" not in text
    assert "plaintext-hook" not in text


@pytest.mark.parametrize("shim", [True, False], ids=["set_all_config", "environment only"])
def test_runtime_config_reads_structure_and_secret_keys(
    shim: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, StackConfig] = {}
    under_engine("prod", monkeypatch, lambda: seen.setdefault("config", runtime_config()), shim)
    config = seen["config"]
    assert config.secret_keys == frozenset(PLAINTEXT)
    assert config.values["llz:network"]["zones"] == [
        "cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"
    ]
    assert config.values["llz:systems"][0]["name"] == "oa"
    assert config.values["llz:tlsPrivateKey"] == PLAINTEXT["llz:tlsPrivateKey"]
    spec = spec_from_config(config, PROJECT, "prod")
    assert spec.tls_private_key is not None
    assert spec.tls_private_key.get_secret_value() == PLAINTEXT["llz:tlsPrivateKey"]
    assert spec.database.backup_retention_days == 30


def test_a_secret_set_without_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pulumi config set llz:alarmWebhook URL` (no --secret): the engine lists no secret key."""
    seen: dict[str, StackConfig] = {}
    under_engine("dev", monkeypatch, lambda: seen.setdefault("config", runtime_config()),
                 secret_keys=["llz:tlsPrivateKey"])
    with pytest.raises(InputError) as caught:
        spec_from_config(seen["config"], PROJECT, "dev")
    assert [p.key for p in caught.value.problems] == ["llz:alarmWebhook"]
    assert "plaintext-hook" not in str(caught.value)


def test_entry_point_reports_a_bad_config_without_a_traceback() -> None:
    """stacks/__main__.py as the language host runs it: one error line per problem, exit 1."""
    env = {**os.environ, **engine_environment("dev")}
    config = json.loads(env["PULUMI_CONFIG"])
    del config["alicloud:region"]
    env["PULUMI_CONFIG"] = json.dumps(config)
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(["llz:tlsPrivateKey"])  # webhook set in clear
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "stacks" / "__main__.py")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: stacks/Pulumi.stack.yaml: llz:alarmWebhook: must be a secret: "
        "pulumi config set --secret llz:alarmWebhook",
        "error: stacks/Pulumi.stack.yaml: alicloud:region: missing required key",
    ]


def test_a_pulumi_config_left_in_the_environment_does_not_reach_an_offline_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"llz:colour": "blue", "llz:environment": "qa"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["llz:environment"]))
    plan = plan_offline(PROJECT_DIR, "dev")
    assert plan.to_dict()["resources"] == shipped_plan("dev").to_dict()["resources"]
