"""The generated configuration reference is current, complete and deterministic."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from stacks.config import SECRET_KEYS
from stacks.spec import LandingZoneSpec
from tests.conftest import PROJECT_DIR

SCRIPT = PROJECT_DIR / "scripts" / "config_reference.py"
REFERENCE = PROJECT_DIR / "docs" / "sections" / "configuration.md"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("config_reference", module)
    spec.loader.exec_module(module)
    return module


reference = load_script()


def spec_keys(prefix: str, model: type[BaseModel]) -> list[str]:
    """Every key path of ``model`` as the reference spells it (camelCase, [] for lists)."""
    keys = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{field.alias or name}"
        keys.append(key)
        info = reference.describe(field.annotation, list(field.metadata))
        if info.model is not None:
            keys += spec_keys(f"{key}[]" if info.is_list else key, info.model)
    return keys


def all_config_keys() -> list[str]:
    keys = []
    for name, field in LandingZoneSpec.model_fields.items():
        if name in ("project", "stack"):
            continue
        key = "alicloud:region" if name == "region" else f"llz:{field.alias}"
        keys.append(key)
        info = reference.describe(field.annotation, list(field.metadata))
        if info.model is not None:
            keys += spec_keys(f"{key}[]" if info.is_list else key, info.model)
    return keys


def test_reference_file_is_current() -> None:
    assert reference.main(["--check"]) == 0, "run: python scripts/config_reference.py"


def test_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(REFERENCE.read_text(encoding="utf-8").replace("| yes |", "| no |", 1))
    assert reference.main(["--check", "--output", str(stale)]) == 1


def test_check_fails_when_the_file_is_missing(tmp_path: Path) -> None:
    assert reference.main(["--check", "--output", str(tmp_path / "missing.md")]) == 1


def test_writing_then_checking_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    assert reference.main(["--output", str(target)]) == 0
    assert reference.main(["--check", "--output", str(target)]) == 0


def test_rendering_is_deterministic() -> None:
    example = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert reference.render(example) == reference.render(example)


@pytest.mark.parametrize("key", all_config_keys())
def test_every_config_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in REFERENCE.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(SECRET_KEYS))
def test_secret_keys_are_listed_as_secret(key: str) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    secrets = text.split("### Secret keys", 1)[1]
    assert f"| `{key}` | secret string |" in secrets


def test_reference_starts_with_the_section_heading() -> None:
    assert REFERENCE.read_text(encoding="utf-8").startswith("## Configuration\n")


def test_example_is_the_dev_stack_file_verbatim() -> None:
    example = (PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example.rstrip()}\n```" in REFERENCE.read_text(encoding="utf-8")


def test_a_field_without_a_description_is_refused() -> None:
    class Undocumented(BaseModel):
        size: int

    with pytest.raises(reference.ReferenceError, match=r"Undocumented\.size"):
        list(reference.rows("llz:thing", Undocumented))


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("llz:documentStore.replicationFactor", "one of `1`, `3`, `5`, `7`"),
        ("llz:database.backupRetentionDays", "7 to 730"),
        ("llz:network.vpcCidr", "private IPv4 CIDR (RFC 1918)"),
        ("llz:bandwidth.eipChargeType", "one of `PayByTraffic`, `PayByBandwidth`"),
    ],
)
def test_allowed_values_come_from_the_models(key: str, allowed: str) -> None:
    row = next(
        line for line in REFERENCE.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `{key}` |")
    )
    assert allowed in row
