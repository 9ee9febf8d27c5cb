"""Break-even arithmetic and the ranking of bandwidth options, against hand-computed cases."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.cost.bandwidth import (
    Option,
    build_options,
    cheapest_at,
    crossings,
    decide,
    switches,
)
from cli.cost.estimate import Usage
from cli.cost.prices import DataTransferPlan, Figure, RegionPrices


def fig(key: str, value: str) -> Figure:
    return Figure(key, D(value), "test", "2026-11-24")


def prices(
    per_gb: str = "0.8", free: str = "20", plans: dict[int, str] | None = None
) -> RegionPrices:
    figures = {
        "eip": {
            "configFeePerHour": fig("cfg", "0.02"),
            "payByTraffic": {"perGb": fig("perGb", per_gb), "freeGbPerMonth": fig("free", free)},
            # per Mbps per day; x 730 / 24 days a month: 1.2 -> 36.5, 2.4 -> 73
            "payByBandwidth": {
                "firstFiveMbpsPerMbpsDay": fig("first5", "1.2"),
                "aboveFiveMbpsPerMbpsDay": fig("above", "2.4"),
            },
        },
        "sharedPackage": {
            "payByBandwidth": {"perMbpsDay": fig("pkg", "2.4")},
            "payBy95": {"perMbpsDay": fig("p95", "1.2")},
        },
    }
    plan_list = tuple(
        DataTransferPlan(D(size), fig(f"plan{size}", price))
        for size, price in sorted((plans or {}).items())
    )
    return RegionPrices("cn-test", "CNY", figures, plan_list)


def option(key: str, fixed: str, rate: str = "0", allowance: str = "0") -> Option:
    return Option(key, key, D(fixed), D(rate), D(allowance), ())


def test_fixed_against_metered_break_even() -> None:
    # 0.8 * (T - 20) = 600  ->  T = 20 + 600 / 0.8 = 770
    traffic = option("traffic", "0", "0.8", "20")
    fixed = option("fixed", "600")
    assert crossings(traffic, fixed) == [D("770.00")]
    assert crossings(fixed, traffic) == [D("770.00")]


def test_plan_against_pay_by_traffic_break_even() -> None:
    # plan 100 GB for 70: 0.8 * (T - 20) = 70 -> T = 107.5 (inside [20, 120])
    traffic = option("traffic", "0", "0.8", "20")
    plan = option("plan", "70", "0.8", "120")
    assert crossings(traffic, plan) == [D("107.50")]


def test_plan_that_never_pays_off() -> None:
    # 100 GB for 90 at 0.8/GB: saving at most 80 < 90, so no break-even
    traffic = option("traffic", "0", "0.8", "0")
    plan = option("plan", "90", "0.8", "100")
    assert crossings(traffic, plan) == []


def test_two_fixed_options_never_cross() -> None:
    assert crossings(option("a", "10"), option("b", "20")) == []


def test_options_for_a_peak_of_12_mbps() -> None:
    options = {o.key: o for o in build_options(prices(plans={100: "60"}), Usage(D(500), D(12)))}
    # EIP pay-by-bandwidth: 5 * 36.5 + 7 * 73 = 693.5
    assert options["eip:PayByBandwidth"].fixed == D("693.5")
    # shared package pay-by-bandwidth: 12 * 73 = 876
    assert options["sharedPackage:PayByBandwidth"].fixed == D(876)
    # 95th percentile: max(12, 20% of 12) * 36.5 = 438
    assert options["sharedPackage:PayBy95"].fixed == D(438)
    # pay-by-traffic at 500 GB: (500 - 20) * 0.8 = 384; with a 100 GB plan: 60 + 380 * 0.8
    assert options["eip:PayByTraffic"].cost(D(500)) == D("384.0")
    assert options["eip:PayByTraffic+plan:100GB"].cost(D(500)) == D("364.0")


def test_pay_by_95_bills_at_least_the_minimum_ratio() -> None:
    options = {o.key: o for o in build_options(prices(), Usage(D(10), D(10)), package_mbps=D(200))}
    # max(10, 20% of 200 = 40) * 36.5 = 1460
    assert options["sharedPackage:PayBy95"].fixed == D(1460)


def test_ranking_and_verdict_at_low_traffic() -> None:
    decision = decide(prices(plans={100: "60"}), Usage(D(60), D(10)), "sharedPackage:PayBy95")
    ranking = [o.key for o in decision.ranking()]
    assert ranking[0] == "eip:PayByTraffic"  # (60 - 20) * 0.8 = 32
    assert decision.monthly(decision.cheapest) == D("32.00")
    assert not decision.configured_is_cheapest
    # 95th percentile: 10 * 36.5 = 365 -> saving 333
    assert decision.saving == D("333.00")


def test_ranking_at_high_traffic_prefers_fixed_bandwidth() -> None:
    # 20 000 GB: traffic costs 15 984; 95th percentile at 100 Mbps costs 3 650
    decision = decide(prices(), Usage(D(20000), D(100)), "sharedPackage:PayBy95")
    assert decision.cheapest.key == "sharedPackage:PayBy95"
    assert decision.configured_is_cheapest
    assert decision.saving == 0


def test_traffic_option_is_infeasible_above_200_mbps() -> None:
    decision = decide(prices(), Usage(D(10), D(300)), "eip:PayByTraffic")
    traffic = next(o for o in decision.options if o.key == "eip:PayByTraffic")
    assert not traffic.feasible
    assert decision.cheapest.key != "eip:PayByTraffic"
    # cheaper on paper (0 a month within the free quota) but not possible: never "cheapest"
    assert decision.monthly(traffic) < decision.monthly(decision.cheapest)
    assert not decision.configured_is_cheapest
    assert decision.why() is None
    assert decision.to_dict()["configuredIsPossible"] is False


def test_break_evens_are_explained_with_the_formula() -> None:
    decision = decide(prices(), Usage(D(60), D(10)), "eip:PayByTraffic")
    found = {(b.left, b.right): b for b in decision.break_evens}
    be = found[("eip:PayByTraffic", "sharedPackage:PayBy95")]
    # 10 Mbps at 36.5 = 365: T = 20 + 365 / 0.8 = 476.25
    assert be.traffic_gb == D("476.25")
    assert be.explanation == "T = 20 + (365 - 0) / 0.8 = 476.25 GB"
    none = found[("eip:PayByBandwidth", "sharedPackage:PayByBandwidth")]
    assert none.traffic_gb is None and none.explanation.startswith("none")


def test_switches_follow_the_cheapest_option() -> None:
    # traffic -> plan 100 (60) at 20 + 60/0.8 = 95; plan -> 95th (365) at 120 + 305/0.8 = 501.25
    opts = build_options(prices(plans={100: "60"}), Usage(D(60), D(10)))
    found = [(s.traffic_gb, s.cheaper_below, s.cheaper_above) for s in switches(opts)]
    assert found == [
        (D("95.00"), "eip:PayByTraffic", "eip:PayByTraffic+plan:100GB"),
        (D("501.25"), "eip:PayByTraffic+plan:100GB", "sharedPackage:PayBy95"),
    ]


def test_a_plan_on_top_of_the_configured_charge_type_keeps_it_the_cheapest() -> None:
    # 60 GB: pay-by-traffic (60 - 20) * 0.8 = 32; with a 10 GB plan for 7.5: 7.5 + 30 * 0.8 = 31.5
    decision = decide(prices(plans={10: "7.5"}), Usage(D(60), D(10)), "eip:PayByTraffic")
    assert decision.cheapest.key == "eip:PayByTraffic+plan:10GB"
    assert decision.configured_is_cheapest
    assert decision.saving == D("0.50")


def test_why_compares_average_utilisation_with_the_configured_fixed_option() -> None:
    # prod-like: 2400 GB, 95th percentile of a 200 Mbps package billed at the 120 Mbps peak:
    # 120 * 36.5 = 4380 a month, the cheapest fixed option (EIP 5 * 36.5 + 115 * 73 = 8577.5,
    # package 120 * 73 = 8760), so traffic is cheaper up to 20 + 4380 / 0.8 = 5495 GB.
    # 2400 GB / 328.5 GB per Mbps-month = 7.31 Mbps = 6.1% of 120; 5495 -> 16.73 Mbps, 13.9%
    decision = decide(prices(), Usage(D(2400), D(120)), "sharedPackage:PayBy95", D(200))
    assert decision.why() == (
        "2,400 GB a month averages 7.31 Mbps, 6.1% of the 120 Mbps that sharedPackage:PayBy95"
        " bills all month for 4,380.00 CNY (the cheapest fixed option). Paying by traffic is"
        " cheaper up to 5,495.00 GB a month (16.73 Mbps, 13.9%; eip:PayByTraffic just below"
        " it), sharedPackage:PayBy95 above, as in the cheapest option by traffic. Alibaba"
        " Cloud's EIP pricing page: pay-by-traffic suits an average utilisation below 20%,"
        " fixed bandwidth above 35%."
    )
    assert decision.to_dict()["why"] == decision.why()
    assert [(s.traffic_gb, s.cheaper_above) for s in decision.switches] == [
        (D("5495.00"), "sharedPackage:PayBy95")
    ]


def test_why_uses_the_cheapest_fixed_option_when_pay_by_traffic_is_configured() -> None:
    # 10 Mbps: EIP 5 * 36.5 + 5 * 73 = 547.5, package 730, 95th percentile 365 (cheapest);
    # 20 + 365 / 0.8 = 476.25 GB; 60 GB = 0.18 Mbps = 1.8% of 10 Mbps
    decision = decide(prices(), Usage(D(60), D(10)), "eip:PayByTraffic")
    why = decision.why() or ""
    assert why.startswith(
        "60 GB a month averages 0.18 Mbps, 1.8% of the 10 Mbps that "
        "sharedPackage:PayBy95 bills all month for 365.00 CNY (the cheapest fixed option). "
        "Paying by traffic is cheaper up to 476.25 GB a month (1.45 Mbps, 14.5%;"
    )


def test_why_names_the_fixed_option_the_switch_list_names_and_the_configured_one() -> None:
    # The configured fixed option is not the cheapest fixed option, and a data transfer plan
    # moves the switch: 12 Mbps, package of 100 Mbps billed by 95th percentile at 40%:
    # EIP 5 * 36.5 + 7 * 73 = 693.5; package 12 * 73 = 876; 95th max(12, 40) * 36.5 = 1460.
    # Plan 500 GB for 300: 300 + 0.8 * (T - 520) = 693.5 -> T = 520 + 393.5 / 0.8 = 1011.875
    # (1011.88 GB); without it 0.8 * (T - 20) = 693.5 -> T = 20 + 866.875 = 886.875 (886.88).
    decision = decide(
        prices(plans={500: "300"}), Usage(D(100), D(12)), "sharedPackage:PayBy95", D(100), D(40)
    )
    assert [(s.traffic_gb, s.cheaper_below, s.cheaper_above) for s in decision.switches][-1] == (
        D("1011.88"), "eip:PayByTraffic+plan:500GB", "eip:PayByBandwidth"
    )
    why = decision.why() or ""
    # 1011.875 GB / 328.5 = 3.08 Mbps, 25.7% of 12 Mbps
    assert "cheaper up to 1,011.88 GB a month (3.08 Mbps, 25.7%; eip:PayByTraffic+plan:500GB" in why
    assert "eip:PayByBandwidth above" in why
    assert "eip:PayByTraffic without a data transfer plan breaks even with eip:PayByBandwidth" \
        " at 886.88 GB." in why
    assert "The configured sharedPackage:PayBy95 (1,460.00 CNY) costs more than" \
        " eip:PayByBandwidth at any traffic: it is never the cheapest." in why


def test_break_even_and_switch_figures_are_grouped_like_money() -> None:
    # 0.8 * (T - 20) = 8577.5 (EIP 120 Mbps) -> T = 10741.875 -> "10,741.88 GB"
    decision = decide(prices(), Usage(D(2400), D(120)), "eip:PayByTraffic")
    found = {(b.left, b.right): b for b in decision.break_evens}
    assert found[("eip:PayByTraffic", "eip:PayByBandwidth")].explanation == (
        "T = 20 + (8577.5 - 0) / 0.8 = 10,741.88 GB"
    )


@pytest.mark.parametrize("traffic", ["0", "19.99", "20"])
def test_free_quota(traffic: str) -> None:
    options = {o.key: o for o in build_options(prices(), Usage(D(traffic), D(1)))}
    assert options["eip:PayByTraffic"].cost(D(traffic)) == 0


money_values = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)
rates = st.decimals(min_value="0.01", max_value=5, places=2, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(money_values, rates, money_values, money_values, rates, money_values)
def test_crossings_are_where_costs_meet(
    fixed_a: D, rate_a: D, allow_a: D, fixed_b: D, rate_b: D, allow_b: D
) -> None:
    a = Option("a", "a", fixed_a, rate_a, allow_a, ())
    b = Option("b", "b", fixed_b, rate_b, allow_b, ())
    for t in crossings(a, b):
        # equal at T (up to the 0.01 GB rounding of T) and the order flips across T
        assert abs(a.cost(t) - b.cost(t)) <= max(rate_a, rate_b) * D("0.01")
        before, after = t - D("0.02"), t + D("0.02")
        assert (a.cost(before) - b.cost(before)) * (a.cost(after) - b.cost(after)) <= 0


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=0, max_value=60_000, places=1, allow_nan=False))
def test_cheapest_option_is_never_beaten(traffic: D) -> None:
    options = build_options(prices(plans={100: "60", 1024: "700"}), Usage(traffic, D(50)))
    best = cheapest_at(options, traffic)
    assert all(best.cost(traffic) <= o.cost(traffic) for o in options if o.feasible)
