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


def test_llz_cost_prod_why_and_cheapest_by_traffic_by_hand() -> None:
    # By hand from cli/data/prices.yaml (cn-shanghai) and stacks/Pulumi.prod.yaml
    # (2400 GB a month, peak 120 Mbps, a 200 Mbps package billed PayBy95, 20% minimum).
    # A month is 730 h = 730 / 24 days: 0.96 per Mbps-day -> 29.2, 3.36 -> 102.2 a month.
    #   EIP pay-by-bandwidth 120 Mbps: 5 x 29.2 + 115 x 102.2 = 146 + 11753 = 11899.00
    #   shared package pay-by-bandwidth: 120 x 102.2 = 12264.00
    #   shared package PayBy95: max(120, 20% of 200 = 40) x 102.2 = 12264.00 (configured)
    # so EIP pay-by-bandwidth is the cheapest fixed option, and PayBy95 is never the cheapest.
    # Pay-by-traffic: 0.8 x max(T - 20, 0); against 11899: T = 20 + 11899 / 0.8 = 14893.75.
    # With the 10240 GB plan (7540): 7540 + 0.8 x (T - 10260) = 11899
    #   -> T = 10260 + 4359 / 0.8 = 10260 + 5448.75 = 15708.75, where the plan costs 11899 and
    #   plain traffic 0.8 x 15688.75 = 12551, the 5120 GB plan 3727 + 0.8 x 10568.75 = 12182:
    #   the cheapest option switches from the 10240 GB plan to EIP pay-by-bandwidth there.
    # Averages: 2400 / 328.5 = 7.31 Mbps = 6.1% of 120; 15708.75 / 328.5 = 47.82 Mbps = 39.8%.
    result = invoke_llz(["--no-color", "cost", "prod"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert (
        "Why: 2,400 GB a month averages 7.31 Mbps, 6.1% of the 120 Mbps that"
        " eip:PayByBandwidth bills all month for 11,899.00 CNY (the cheapest fixed option)."
        " Paying by traffic is cheaper up to 15,708.75 GB a month (47.82 Mbps, 39.8%;"
        " eip:PayByTraffic+plan:10240GB just below it), eip:PayByBandwidth above, as in the"
        " cheapest option by traffic. eip:PayByTraffic without a data transfer plan breaks"
        " even with eip:PayByBandwidth at 14,893.75 GB. The configured sharedPackage:PayBy95"
        " (12,264.00 CNY) costs more than eip:PayByBandwidth at any traffic: it is never the"
        " cheapest."
    ) in text
    assert (
        "at 15,708.75 GB: eip:PayByTraffic+plan:10240GB -> eip:PayByBandwidth"
        " Break-even traffic:"
    ) in text
    assert "eip:PayByTraffic vs eip:PayByBandwidth: T = 20 + (11899 - 0) / 0.8 = 14,893.75 GB" in (
        text
    )
    assert "EIP pay-by-bandwidth 120 Mbps │ 11,899.00 CNY" in text
    assert "saves 10,425.20 CNY a month" in text
    data = json.loads(invoke_llz(["cost", "prod", "--json"]).stdout)["bandwidth"]
    assert data["switches"][-1] == {
        "trafficGb": "15708.75",
        "cheaperBelow": "eip:PayByTraffic+plan:10240GB",
        "cheaperAbove": "eip:PayByBandwidth",
    }
    monthly = {o["key"]: o["monthly"] for o in data["options"]}
    assert monthly["eip:PayByBandwidth"] == "11899.00"
    assert monthly["sharedPackage:PayBy95"] == monthly["sharedPackage:PayByBandwidth"] == (
        "12264.00"
    )


def test_why_and_the_switch_list_never_disagree() -> None:
    # For any traffic, the fixed option the Why line names above the break-even is the one
    # the cheapest-by-traffic list switches to, at the same traffic.
    for traffic in ("0", "500", "2400", "20000"):
        result = invoke_llz(["cost", "prod", "--json", "--traffic-gb", traffic])
        band = json.loads(result.stdout)["bandwidth"]
        last = band["switches"][-1]
        shown = f"{Decimal(last['trafficGb']):,.2f} GB a month"
        assert f"cheaper up to {shown}" in band["why"]
        assert f"{last['cheaperAbove']} above" in band["why"]


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
    assert "50,000 GB a month, peak 150 Mbps" in result.stdout
    assert "Cheapest option by traffic:" in result.stdout
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


def test_monthly_cost_delta_with_each_sides_usage_matches_llz_cost() -> None:
    from cli.cost.report import build_report
    from cli.cost.usage import UsageSource, working_tree_usage
    from tests.conftest import PROJECT_DIR

    staging = working_tree_usage(PROJECT_DIR, "staging", "staging")
    prod = working_tree_usage(PROJECT_DIR, "prod", "prod")
    assert staging.usage == Usage(Decimal(250), Decimal(30))
    assert prod.usage == Usage(Decimal(2400), Decimal(120))
    delta = monthly_cost_delta(shipped_plan("staging"), shipped_plan("prod"), sides=(staging, prod))
    table = load_prices()
    for total, env, side in ((delta.left_total, "staging", staging),
                             (delta.right_total, "prod", prod)):
        assert side.usage is not None
        report = build_report(shipped_plan(env), env, table, side.usage, "eip:PayByTraffic")
        assert total == report.estimate.total
    # by hand: 5,861.56 and 30,173.02 CNY, as `llz cost staging` / `llz cost prod` print
    assert (delta.left_total, delta.right_total) == (Decimal("5861.56"), Decimal("30173.02"))
    assert delta.to_dict()["usage"][1]["traffic_gb"] == "2400"
    none = UsageSource("x", None, None, "no config")
    blind = monthly_cost_delta(shipped_plan("prod"), shipped_plan("prod"), sides=(none, none))
    assert blind.usage_note == "traffic not included (x: no config; x: no config)"
    # without usage: no traffic, PayBy95 at its 40 Mbps minimum: 30,173.02 - 80 x 102.2
    assert blind.right_total == Decimal("21997.02")


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
    # must be the next line of the real output, unless a "[...]" line says some are left out.
    doc = (Path(__file__).parent.parent / "docs" / "sections" / "cost.md").read_text()
    block = doc.split(f"$ llz --no-color cost {env}\n", 1)[1].split("```", 1)[0]
    result = invoke_llz(["--no-color", "cost", env])
    assert result.exit_code == 0, result.output
    assert_excerpt(block, result.stdout)


def assert_excerpt(block: str, output: str) -> None:
    """Every line of ``block`` follows the previous one in ``output`` (from its first
    line), except across a line starting "[..." that marks lines left out."""
    real = [line.rstrip() for line in output.splitlines()]
    position, skipping = 0, False
    for line in block.splitlines():
        if line.startswith("[..."):
            skipping = True
            continue
        if skipping:
            assert line in real[position:], line
            position = real.index(line, position)
        else:
            assert position < len(real) and real[position] == line, (
                f"{line!r} is not the next line ({real[position:position + 1]!r});"
                " mark left-out lines with [...]"
            )
        position += 1
        skipping = False
    if not skipping:
        assert position == len(real), f"{len(real) - position} lines at the end not marked"


def test_tiny_and_float_noisy_inputs_are_shown_plainly() -> None:
    # --traffic-gb 1e-9 once printed "1E-9 GB"; inputs are kept to a millionth
    result = invoke_llz(["--no-color", "cost", "dev", "--traffic-gb", "1e-9", "--peak-mbps", "0.3"])
    assert result.exit_code == 0, result.output
    assert "E-" not in result.stdout
    assert "Bandwidth: 0 GB a month outbound, peak 0.3 Mbps" in result.stdout


def test_traffic_figures_use_thousands_separators() -> None:
    result = invoke_llz(["--no-color", "cost", "dev", "--traffic-gb", "12345.5"])
    assert result.exit_code == 0, result.output
    assert "Bandwidth: 12,345.5 GB a month outbound, peak 10 Mbps" in result.stdout
    # (12345.5 - 20) GB billed on the EIP
    assert "outbound traffic: 12,325.5 GB x 0.8" in " ".join(result.stdout.split())
