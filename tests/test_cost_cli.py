"""`llz cost` end to end, the estimate of the shipped plans, the chart and the diff API."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cli.cost.api import CostDelta, monthly_cost_delta
from cli.cost.bandwidth import decide
from cli.cost.chart import render_chart
from cli.cost.estimate import Usage, estimate, region_of
from cli.cost.prices import load_prices
from cli.plan import Plan
from stacks.errors import InputError
from tests.conftest import invoke_llz, shipped_plan


def test_region_from_zone_ids() -> None:
    assert region_of(shipped_plan("dev"), "dev") == "cn-shanghai"


def test_region_missing_is_an_input_error() -> None:
    empty = Plan.build("llz", "x", "offline", [])
    with pytest.raises(InputError, match="use --region"):
        region_of(empty, "plan")


def test_estimate_of_dev_by_hand() -> None:
    prices = load_prices().region("cn-shanghai")
    result = estimate(shipped_plan("dev"), prices, Usage(Decimal(60), Decimal(10)))
    by_name = {c.name: c for c in result.resources}
    # ecs.g7.large 730 h x 0.56 + 40 GB ESSD x 0.0021/h x 730 h = 408.80 + 61.32 = 470.12
    assert by_name["dev-app-1a"].monthly == Decimal("470.12")
    # EIP bound to the SLB: 730 h x 0.02 config fee + (60 - 20) GB x 0.8 = 14.60 + 32 = 46.60
    assert by_name["dev-bandwidth-eip"].monthly == Decimal("46.60")
    assert by_name["dev-vpc"].status == "no charge"
    assert result.not_priced == ()
    assert result.total == sum(c.monthly or 0 for c in result.resources)


def test_unknown_instance_type_is_not_priced_never_zero() -> None:
    plan = shipped_plan("dev")
    resources = [
        r
        if r.name != "dev-app-1a"
        else type(r)(**{**r.__dict__, "inputs": {**r.inputs, "instanceType": "ecs.unknown.large"}})
        for r in plan.resources
    ]
    changed = Plan.build(plan.project, plan.stack, plan.engine, resources)
    result = estimate(changed, load_prices().region("cn-shanghai"), None)
    missing = {c.name: c for c in result.not_priced}
    assert list(missing) == ["dev-app-1a"]
    assert missing["dev-app-1a"].monthly is None
    assert "ecs.instanceTypePerHour.ecs.unknown.large" in missing["dev-app-1a"].notes[0]


def test_llz_cost_dev_table() -> None:
    result = invoke_llz(["--no-color", "cost", "dev"])
    assert result.exit_code == 0, result.output
    assert "Total" in result.stdout and "2,400.04 CNY" in result.stdout
    assert "the configured choice eip:PayByTraffic is the cheapest way to pay" in result.stdout
    assert "Assumed prices" in result.stdout


def test_llz_cost_prod_json_is_deterministic() -> None:
    first = invoke_llz(["cost", "prod", "--json"])
    second = invoke_llz(["cost", "prod", "--json"])
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["format"] == "llz.cost/v1"
    band = data["bandwidth"]
    assert band["configured"] == "sharedPackage:PayBy95"
    assert band["trafficGb"] == "2400" and band["peakMbps"] == "120"
    assert band["configuredIsCheapest"] is False
    assumed = {a["key"] for a in data["assumptions"]}
    assert "regions.cn-shanghai.ecs.instanceTypePerHour.ecs.g7.2xlarge" in assumed
    assert "regions.cn-shanghai.eip.payByTraffic.perGb" not in assumed  # sourced
    assert Decimal(data["estimate"]["total"]) > 0


def test_llz_cost_prod_explains_why_pay_by_traffic_is_cheaper() -> None:
    # 2400 GB / 328.5 GB per Mbps-month = 7.31 Mbps on average, 6.1% of the 120 Mbps billed;
    # 120 Mbps x 3.36 x 730 / 24 = 12264, so traffic is cheaper up to 20 + 12264 / 0.8 GB
    result = invoke_llz(["--no-color", "cost", "prod"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert (
        "Why: 2400 GB a month averages 7.31 Mbps, 6.1% of the 120 Mbps that"
        " sharedPackage:PayBy95 bills all month; eip:PayByTraffic is cheaper up to"
        " 15350.00 GB a month (46.73 Mbps, 38.9%), sharedPackage:PayBy95 above."
    ) in text
    assert "saves 10,425.20 CNY a month" in text


def test_infeasible_configured_choice_is_never_called_the_cheapest() -> None:
    # dev is configured eip:PayByTraffic; a 300 Mbps peak is above its 200 Mbps cap
    result = invoke_llz(["--no-color", "cost", "dev", "--peak-mbps", "300", "--traffic-gb", "100"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert (
        "Verdict: the configured choice eip:PayByTraffic is not possible (peak above the 200"
        " Mbps cap); EIP pay-by-bandwidth 300 Mbps would cost"
    ) in text
    assert "is the cheapest way to pay" not in text


def test_llz_cost_overrides_and_markdown() -> None:
    result = invoke_llz(
        ["cost", "prod", "--format", "markdown", "--traffic-gb", "50000", "--peak-mbps", "150"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("### Monthly cost of `prod`")
    assert "50000 GB a month, peak 150 Mbps" in result.stdout
    assert "| Option | Monthly |" in result.stdout


def _per_gb_price_file(tmp_path: Path, figure: dict[str, object]) -> Path:
    """A price file overriding only the EIP pay-by-traffic price per GB."""
    path = tmp_path / "p.yaml"
    document = {"regions": {"cn-shanghai": {"eip": {"payByTraffic": {"perGb": figure}}}}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_llz_cost_with_a_bad_price_file(tmp_path: Path) -> None:
    path = _per_gb_price_file(tmp_path, {"value": "x", "source": "s", "date": "2026-11-24"})
    result = invoke_llz(["cost", "dev", "--prices", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {path}: regions.cn-shanghai.eip.payByTraffic.perGb.value: must be a number"
    )
    assert "Traceback" not in result.output


def test_llz_cost_with_a_price_override(tmp_path: Path) -> None:
    path = _per_gb_price_file(tmp_path, {"value": 0.5, "source": "contract", "date": "2026-11-01"})
    result = invoke_llz(["cost", "dev", "--json", "--prices", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    eip = next(r for r in data["estimate"]["resources"] if r["name"] == "dev-bandwidth-eip")
    assert eip["monthly"] == "34.60"  # 14.60 + 40 GB x 0.5


def test_bad_chart_extension_is_refused(tmp_path: Path) -> None:
    result = invoke_llz(["cost", "dev", "--chart", str(tmp_path / "c.jpg")])
    assert result.exit_code == 1
    assert "--chart needs a file name ending in .png or .svg" in result.stderr


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_llz_cost_writes_the_chart(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"chart{suffix}"
    result = invoke_llz(["cost", "dev", "--json", "--chart", str(path)])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]


def test_chart_is_deterministic() -> None:
    prices = load_prices().region("cn-shanghai")
    decision = decide(prices, Usage(Decimal(2400), Decimal(120)), "sharedPackage:PayBy95")
    first = render_chart(decision, "t")
    second = render_chart(decision, "t")
    assert first["svg"] == second["svg"]
    assert first["png"] == second["png"]
    assert b"2400" in first["svg"] or b"expected" in first["svg"]


def test_monthly_cost_delta_dev_to_prod() -> None:
    delta = monthly_cost_delta(shipped_plan("dev"), shipped_plan("prod"))
    assert isinstance(delta, CostDelta)
    assert delta.currency == "CNY"
    assert delta.delta == delta.right_total - delta.left_total > 0
    rows = {urn: (old, new) for urn, old, new in delta.per_resource}
    app = next(u for u in rows if u.endswith("::<env>-app-1a"))
    # 408.80 + 61.32 -> 1635.20 + 61.32
    assert rows[app] == (Decimal("470.12"), Decimal("1696.52"))
    added = next(u for u in rows if u.endswith("::<env>-app-1b"))  # prod only
    assert rows[added][0] == 0
    assert delta.not_priced == ()
    assert json.loads(json.dumps(delta.to_dict()))["currency"] == "CNY"


def test_monthly_cost_delta_same_plan_is_zero() -> None:
    plan = shipped_plan("dev")
    delta = monthly_cost_delta(plan, plan)
    assert delta.delta == 0 and delta.per_resource == ()


def test_unknown_region_names_the_price_table() -> None:
    result = invoke_llz(["cost", "dev", "--region", "cn-beijing"])
    assert result.exit_code == 1
    assert "regions.cn-beijing: no prices for this region (known: cn-shanghai)" in result.stderr


def test_prices_replace_needs_prices() -> None:
    result = invoke_llz(["cost", "dev", "--prices-replace"])
    assert result.exit_code == 1
    assert "--prices-replace needs --prices FILE" in result.stderr


def test_out_writes_the_markdown_report(tmp_path: Path) -> None:
    path = tmp_path / "cost.md"
    result = invoke_llz(["cost", "dev", "--format", "markdown", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert path.read_text(encoding="utf-8").startswith("### Monthly cost of `dev`")
    assert f"wrote {path}" in result.stderr


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_docs_example_is_real_output(env: str) -> None:
    # docs/sections/cost.md shows excerpts of `llz --no-color cost ENV`: every line shown
    # (all but the "[...]" markers) must be a line of the real output, in the same order.
    doc = (Path(__file__).parent.parent / "docs" / "sections" / "cost.md").read_text()
    block = doc.split(f"$ llz --no-color cost {env}\n", 1)[1].split("```", 1)[0]
    shown = [line for line in block.splitlines() if not line.startswith("[...")]
    result = invoke_llz(["--no-color", "cost", env])
    assert result.exit_code == 0, result.output
    real = [line.rstrip() for line in result.stdout.splitlines()]
    position = 0
    for line in shown:
        assert line in real[position:], line
        position = real.index(line, position) + 1


def test_tiny_and_float_noisy_inputs_are_shown_plainly() -> None:
    # --traffic-gb 1e-9 once printed "1E-9 GB"; inputs are kept to a millionth
    result = invoke_llz(["--no-color", "cost", "dev", "--traffic-gb", "1e-9", "--peak-mbps", "0.3"])
    assert result.exit_code == 0, result.output
    assert "E-" not in result.stdout
    assert "Bandwidth: 0 GB a month outbound, peak 0.3 Mbps" in result.stdout
