"""`llz diff` through the real entry point: modes, formats, exit codes, cost line."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENVIRONMENTS, PROJECT_DIR, invoke_llz, shipped_plan


@pytest.fixture(autouse=True)
def cached_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped stacks' offline plans are computed once per session, not per command."""
    import cli.engines.offline as offline

    for env in ENVIRONMENTS:
        shipped_plan(env)  # fills the session cache with the real engine
    real = offline.plan_offline

    def plan_offline(project_dir: Path, stack: str, *args: Any, **kwargs: Any) -> Any:
        if project_dir == PROJECT_DIR and stack in ENVIRONMENTS and not args and not kwargs:
            return shipped_plan(stack)
        return real(project_dir, stack, *args, **kwargs)

    monkeypatch.setattr(offline, "plan_offline", plan_offline)


def test_staging_vs_prod_text() -> None:
    result = invoke_llz(["--no-color", "diff", "staging", "prod", "--no-cost"])
    assert result.exit_code == 2, result.output
    out = result.stdout
    assert out.startswith("llz diff: staging -> prod\n")
    assert "+ vpc.CommonBandwithPackage  <env>-bandwidth-package\n" in out
    assert "~ rds.Instance  <env>-rds-mysql\n" in out
    assert "      protect: false -> true\n" in out
    assert "(forces replacement)" in out
    assert "\x1b[" not in out
    assert "to add" in out.splitlines()[-1]


def test_staging_vs_prod_json_is_deterministic() -> None:
    first = invoke_llz(["diff", "staging", "prod", "--json", "--no-cost"])
    second = invoke_llz(["diff", "staging", "prod", "--format", "json", "--no-cost"])
    assert first.exit_code == second.exit_code == 2
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert (data["left"], data["right"], data["differences"]) == ("staging", "prod", True)
    changes = {c["name"]: c for c in data["changes"]}
    package = changes["<env>-bandwidth-package"]
    assert package["action"] == "add"
    assert {"path": "internetChargeType", "old": None, "new": "PayBy95",
            "forces_replacement": False} in package["properties"]
    assert sum(data["summary"].values()) == len(data["changes"])


def test_no_differences_is_exit_0() -> None:
    result = invoke_llz(["diff", "dev", "dev", "--json", "--no-cost"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"] == []


def test_markdown_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    result = invoke_llz(["diff", "staging", "prod", "--format", "markdown", "--out", str(out),
                         "--no-cost"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("### llz diff: <code>staging</code> → <code>prod</code>")
    assert "| ~ change | <code>&lt;env&gt;-rds-mysql</code> | rds.Instance |" in text
    assert "<code>protect</code>: <code>false -&gt; true</code>" in text
    assert not list(tmp_path.glob(".comment.md.*"))  # atomic write leaves no temp file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff"], "give two environments"),
        (["diff", "dev", "staging", "prod"], "give two environments"),
        (["diff", "prod", "--from", "HEAD", "--from-state", "x.json"], "choose one way"),
        (["diff", "--from-state", "x.json"], "--from-state and --to-state go together"),
        (["diff", "prod", "--from-version", "2"], "--from-version and --to-version go together"),
        (["diff", "qa", "prod"], "unknown environment 'qa'"),
        (["diff", "prod", "--from", "no-such-ref"], "no-such-ref: unknown revision"),
    ],
)
def test_errors_are_exit_1(args: list[str], message: str) -> None:
    result = invoke_llz(args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


@dataclass(frozen=True)
class FakeDelta:
    currency: str
    left_total: Decimal
    right_total: Decimal
    delta: Decimal
    per_resource: tuple[tuple[str, Decimal, Decimal], ...]
    not_priced: tuple[str, ...] = ()


def fake_cost_module(monkeypatch: pytest.MonkeyPatch, calls: list[Any]) -> None:
    module = types.ModuleType("cli.cost.api")

    def monthly_cost_delta(
        left: Any, right: Any, price_file: Path | None = None, sides: Any = None
    ) -> FakeDelta:
        calls.append((left.stack, right.stack, price_file))
        return FakeDelta("CNY", Decimal("100"), Decimal("250.5"), Decimal("150.5"),
                         (("urn:pulumi:<env>::llz::t::<env>-db", Decimal("100"),
                           Decimal("250.5")),), ("urn:pulumi:<env>::llz::t::<env>-odd",))

    module.monthly_cost_delta = monthly_cost_delta  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cli.cost.api", module)


def test_cost_per_month_in_every_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[Any] = []
    fake_cost_module(monkeypatch, calls)
    prices = tmp_path / "prices.yaml"
    text = invoke_llz(["--no-color", "diff", "dev", "prod", "--prices", str(prices)])
    assert calls == [("dev", "prod", prices)]
    assert ("Cost per month: 100.00 CNY -> 250.50 CNY (adds 150.50 CNY per month); "
            "not priced, left out of the totals: <env>-odd" in text.stdout)
    data = json.loads(invoke_llz(["diff", "dev", "prod", "--json"]).stdout)
    assert data["cost"]["delta_monthly"] == "150.5"
    assert data["cost"]["per_resource"][0]["new"] == "250.5"
    assert data["cost"]["not_priced"] == ["urn:pulumi:<env>::llz::t::<env>-odd"]
    markdown = invoke_llz(["diff", "dev", "prod", "--format", "markdown"]).stdout
    assert "| <code>&lt;env&gt;-db</code> | 100.00 | 250.50 | +150.50 |" in markdown


def test_cost_unavailable_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cli.cost.api", None)
    result = invoke_llz(["--no-color", "diff", "dev", "dev"])
    assert result.exit_code == 0, result.output
    assert "Cost per month: unavailable (the cost module cli.cost is not installed)" in (
        result.stdout
    )
    data = json.loads(invoke_llz(["diff", "dev", "dev", "--json"]).stdout)
    assert data["cost"] is None and "unavailable" in data["cost_note"]


def test_real_cost_module_prices_the_difference() -> None:
    pytest.importorskip("cli.cost.api")
    data = json.loads(invoke_llz(["diff", "staging", "prod", "--json"]).stdout)
    cost = data["cost"]
    assert cost["currency"] == "CNY"
    assert Decimal(cost["right_monthly"]) - Decimal(cost["left_monthly"]) == Decimal(
        cost["delta_monthly"]
    )
    assert Decimal(cost["delta_monthly"]) > 0  # prod is bigger than staging


def test_git_mode_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    """`llz diff prod --from REF`: both sides, labels, protected and secret-config warnings."""
    import dataclasses

    import cli.git_plans as git_plans
    from cli.plan import Plan

    prod = shipped_plan("prod")
    resources = [
        dataclasses.replace(r, inputs={**r.inputs, "engine": "PostgreSQL"})
        if r.name == "prod-rds-mysql" else r
        for r in prod.resources
    ]
    changed = Plan.build(prod.project, prod.stack, prod.engine, resources)
    calls: list[Any] = []

    def plan_at_revision(project_dir: Path, stack: str, ref: str | None) -> Any:
        calls.append((stack, ref))
        return (prod, "v1.0 (0123456789)") if ref else (changed, "working tree")

    def secure_config(project_dir: Path, stack: str, ref: str | None) -> dict[str, str]:
        return {"llz:tlsPrivateKey": "a" if ref else "b"}

    monkeypatch.setattr(git_plans, "plan_at_revision", plan_at_revision)
    monkeypatch.setattr(git_plans, "secure_config", secure_config)
    result = invoke_llz(["--no-color", "diff", "prod", "--from", "v1.0", "--no-cost"])
    assert result.exit_code == 2, result.output
    assert calls == [("prod", "v1.0"), ("prod", None)]
    lines = result.stdout.splitlines()
    assert lines[0] == "llz diff: prod@v1.0 (0123456789) -> prod@working tree"
    assert '      engine: "MySQL" -> "PostgreSQL"  (forces replacement)' in lines
    assert lines[-2:] == [
        "warning: prod-rds-mysql (alicloud:rds/instance:Instance) is protected: Pulumi refuses "
        "to replace it until `protect` is lifted",
        "warning: secret config llz:tlsPrivateKey changed: [secret] -> [secret] "
        "(its ciphertext differs)",
    ]


def test_a_rotated_secret_alone_is_a_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans hide secrets ("[secret]" on both sides), yet a deploy would apply the new one."""
    import cli.git_plans as git_plans

    prod = shipped_plan("prod")
    monkeypatch.setattr(git_plans, "plan_at_revision",
                        lambda project_dir, stack, ref: (prod, "HEAD" if ref else "working tree"))
    monkeypatch.setattr(git_plans, "secure_config",
                        lambda project_dir, stack, ref: {"llz:alarmWebhook": "a" if ref else "b"})
    text = invoke_llz(["--no-color", "diff", "prod", "--no-cost"])
    assert text.exit_code == 2, text.output
    assert "No resource differences; secret config changed (see the warnings)." in text.stdout
    assert "warning: secret config llz:alarmWebhook changed" in text.stdout
    data = json.loads(invoke_llz(["diff", "prod", "--json", "--no-cost"]).stdout)
    assert data["differences"] is True and data["changes"] == []
    monkeypatch.setattr(git_plans, "secure_config", lambda project_dir, stack, ref: {"k": "a"})
    assert invoke_llz(["diff", "prod", "--no-cost"]).exit_code == 0


# ---- the cost line prices each side as `llz cost` does ------------------------------------


def _cost_total(env: str) -> Decimal:
    result = invoke_llz(["cost", env, "--json"])
    assert result.exit_code == 0, result.output
    return Decimal(json.loads(result.stdout)["estimate"]["total"])


@pytest.mark.parametrize(("left", "right"), [("staging", "prod"), ("dev", "staging")])
def test_diff_totals_equal_llz_cost_totals(left: str, right: str) -> None:
    pytest.importorskip("cli.cost.api")
    result = invoke_llz(["diff", left, right, "--json"])
    assert result.exit_code == 2, result.output
    cost = json.loads(result.stdout)["cost"]
    assert Decimal(cost["left_monthly"]) == _cost_total(left)
    assert Decimal(cost["right_monthly"]) == _cost_total(right)
    assert [u["source"] for u in cost["usage"]] == [
        f"stacks/Pulumi.{left}.yaml", f"stacks/Pulumi.{right}.yaml"
    ]
    assert all(u["traffic_included"] for u in cost["usage"])


def test_staging_prod_totals_by_figure() -> None:
    # llz cost staging / prod print 5,861.56 and 30,173.02 CNY; before the diff priced
    # traffic it said 5,677.56 (no 250 GB of EIP traffic: (250 - 20) x 0.8 = 184) and
    # 21,997.02 (PayBy95 at its 40 Mbps minimum: (120 - 40) x 102.2 = 8,176 less).
    pytest.importorskip("cli.cost.api")
    result = invoke_llz(["--no-color", "diff", "staging", "prod"])
    assert (
        "Cost per month: 5,861.56 CNY -> 30,173.02 CNY (adds 24,311.46 CNY per month); "
        "traffic and peak as `llz cost` takes them: staging 250 GB, 30 Mbps "
        "(stacks/Pulumi.staging.yaml); prod 2,400 GB, 120 Mbps (stacks/Pulumi.prod.yaml)"
    ) in result.stdout


def _plan_file(tmp_path: Path, env: str, stack: str | None = None) -> Path:
    from cli.plan import Plan

    plan = shipped_plan(env)
    if stack is not None:
        from cli.diff_engine import normalise_environment

        plan = normalise_environment(plan, placeholder=stack)
        plan = Plan.build(plan.project, stack, plan.engine, list(plan.resources))
    path = tmp_path / f"{stack or env}.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    return path


def test_plan_files_of_two_environments_compare_like_two_environments(tmp_path: Path) -> None:
    staging, prod = _plan_file(tmp_path, "staging"), _plan_file(tmp_path, "prod")
    files = invoke_llz(["diff", "--from-state", str(staging), "--to-state", str(prod), "--json"])
    envs = invoke_llz(["diff", "staging", "prod", "--json"])
    assert files.exit_code == envs.exit_code == 2, files.output
    by_files, by_envs = json.loads(files.stdout), json.loads(envs.stdout)
    assert by_files["summary"] == by_envs["summary"] == {
        "add": 20, "remove": 0, "replace": 6, "change": 16
    }
    assert by_files["changes"] == by_envs["changes"]
    assert (by_files["left"], by_files["right"]) == (str(staging), str(prod))
    assert by_files["warnings"] == [
        "the two files are of different stacks (staging, prod): resources are matched with "
        "the stack name replaced by <env>, as `llz diff staging prod` does; no deployment "
        "turns one into the other, so secrets and protection are not compared"
    ]
    # the stacks are shipped environments: priced with their configs, as `llz cost` does
    assert by_files["cost"]["left_monthly"] == by_envs["cost"]["left_monthly"]
    assert by_files["cost"]["right_monthly"] == by_envs["cost"]["right_monthly"]
    assert by_files["cost"]["usage"][1]["note"] == "the file does not record usage"


def test_plan_files_of_one_stack_compare_urns_as_they_are(tmp_path: Path) -> None:
    prod = _plan_file(tmp_path, "prod")
    result = invoke_llz(["diff", "--from-state", str(prod), "--to-state", str(prod), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == []


def test_a_file_of_an_unknown_stack_says_traffic_is_not_included(tmp_path: Path) -> None:
    prod = _plan_file(tmp_path, "prod")
    other = _plan_file(tmp_path, "prod", stack="perf")  # prod's resources, stack "perf"
    result = invoke_llz(["--no-color", "diff", "--from-state", str(prod), "--to-state",
                         str(other)])
    assert result.exit_code == 0, result.output  # same resources once names are neutral
    line = next(x for x in result.stdout.splitlines() if x.startswith("Cost per month"))
    # perf: no traffic, and PayBy95 at its minimum (20% of 200 = 40 Mbps x 102.2 = 4,088)
    # instead of the 120 Mbps peak (12,264): 30,173.02 - 8,176 = 21,997.02
    assert line == (
        "Cost per month: 30,173.02 CNY -> 21,997.02 CNY (saves 8,176.00 CNY per month); "
        f"traffic and peak as `llz cost` takes them: {prod} 2,400 GB, 120 Mbps "
        "(stacks/Pulumi.prod.yaml; the file does not record usage); "
        f"{other} traffic not included (no stacks/Pulumi.perf.yaml for stack 'perf')"
    )


def test_git_mode_prices_each_side_with_the_config_at_its_revision() -> None:
    from cli.cost.usage import revision_usage

    head = revision_usage(PROJECT_DIR, "prod", "HEAD", "prod@HEAD")
    assert head.source == "stacks/Pulumi.prod.yaml at HEAD" and head.note == ""
    assert head.usage is not None and head.usage.peak_mbps == Decimal(120)


def test_git_mode_falls_back_to_the_working_tree_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cli.cost.usage as usage

    missing = usage.revision_usage(PROJECT_DIR, "prod", "no-such-ref", "prod@x")
    assert missing.source == "stacks/Pulumi.prod.yaml"
    assert missing.note == (
        "the config at no-such-ref could not be read (git: no-such-ref: unknown revision "
        "(no such branch, tag or commit)); the working tree's is used"
    )
    monkeypatch.setattr(usage, "_show", lambda project_dir, relative, ref: b"config: [1]\n")
    invalid = usage.revision_usage(PROJECT_DIR, "prod", "HEAD", "prod@HEAD")
    assert invalid.usage is not None and invalid.source == "stacks/Pulumi.prod.yaml"
    assert invalid.note.startswith("the config at HEAD could not be read (")
    assert "(stacks/Pulumi.prod.yaml; the config at HEAD could not be read" in (
        invalid.describe()
    )


def test_deployments_are_priced_with_the_working_tree_config() -> None:
    from cli.commands.diff import usage_sides

    prod = shipped_plan("prod")
    sides = usage_sides(PROJECT_DIR, "version", ("prod",), (prod, prod),
                        ("prod@v1", "prod@v2"), None, None)
    assert [s.describe() for s in sides] == [
        f"prod@v{n} 2,400 GB, 120 Mbps (stacks/Pulumi.prod.yaml; a deployment's state does "
        "not record usage)"
        for n in (1, 2)
    ]


def test_docs_staging_prod_example_is_real_output() -> None:
    # docs/sections/diff.md shows `llz --no-color diff staging prod` elided only with [...]
    from tests.test_cost_cli import assert_excerpt

    doc = (PROJECT_DIR / "docs" / "sections" / "diff.md").read_text(encoding="utf-8")
    block = doc.split("$ llz --no-color diff staging prod\n", 1)[1].split("```", 1)[0]
    result = invoke_llz(["--no-color", "diff", "staging", "prod"])
    assert result.exit_code == 2, result.output
    assert_excerpt(block, result.stdout)
