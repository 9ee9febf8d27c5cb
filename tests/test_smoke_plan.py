"""The shipped stacks compose offline and the CLI's plan command works end to end."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ENVIRONMENTS, invoke_llz, shipped_plan


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_shipped_stack_composes_offline(env: str) -> None:
    plan = shipped_plan(env)
    assert plan.stack == env
    assert any(r.type == "alicloud:rds/instance:Instance" for r in plan.resources)


def test_plan_json_is_the_plan_format() -> None:
    result = invoke_llz(["plan", "dev", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "llz.plan/v1"
    assert data["engine"] == "offline"
