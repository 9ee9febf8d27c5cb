"""The price table: the shipped file, user overrides and every kind of error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cli.cost.prices import SHIPPED, load_prices
from stacks.errors import InputError


def shipped_document() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: object, name: str = "prices.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return str(error.value).splitlines()


def test_shipped_table_is_valid_and_every_figure_is_sourced() -> None:
    table = load_prices()
    region = table.region("cn-shanghai")
    assert region.currency == "CNY"
    assert table.version
    per_gb = region.required("eip", "payByTraffic", "perGb")
    assert per_gb.value == Decimal("0.8")
    free = region.required("eip", "payByTraffic", "freeGbPerMonth")
    assert free.value == 20 and not free.assumption and free.source.startswith("https://")
    sizes = [p.size_gb for p in region.plans]
    assert sizes == sorted(sizes) and Decimal(512) in sizes


# The sourced cn-shanghai figures as re-read on 2026-11-24 from the pages each one cites
# (AlibabaCloudDocs eip 按量付费, cbwp 按带宽计费 / 按增强型95计费, slb CLB 按量计费, the CDT
# overview): a changed figure must be re-checked against its page, not just edited.
DOCUMENTED = {
    ("eip", "configFeePerHour"): "0.02",
    ("eip", "payByTraffic", "perGb"): "0.8",
    ("eip", "payByTraffic", "freeGbPerMonth"): "20",
    ("eip", "payByBandwidth", "firstFiveMbpsPerMbpsDay"): "0.96",
    ("eip", "payByBandwidth", "aboveFiveMbpsPerMbpsDay"): "3.36",
    ("sharedPackage", "payByBandwidth", "perMbpsDay"): "3.36",
    ("sharedPackage", "payBy95", "perMbpsDay"): "3.36",
    ("loadBalancer", "specPerHour", "slb.s1.small"): "0.1",
    ("loadBalancer", "specPerHour", "slb.s2.small"): "0.32",
    ("loadBalancer", "specPerHour", "slb.s2.medium"): "0.63",
    ("loadBalancer", "specPerHour", "slb.s3.small"): "1.27",
    ("loadBalancer", "specPerHour", "slb.s3.medium"): "1.91",
    ("loadBalancer", "specPerHour", "slb.s3.large"): "3.18",
}
# 共享流量包 亚太通用-全时 月包 (AlibabaCloudDocs flowbag 计费说明): size GB -> CNY
DOCUMENTED_PLANS = {
    10: "7.5",
    50: "37",
    128: "95",
    512: "377",
    1024: "754",
    5120: "3727",
    10240: "7540",
    51200: "37270",
}


def test_sourced_figures_match_their_documentation() -> None:
    region = load_prices().region("cn-shanghai")
    for path, value in DOCUMENTED.items():
        figure = region.required(*path)
        assert figure.value == Decimal(value), path
        assert not figure.assumption and figure.source.startswith("https://"), path
    plans = {int(p.size_gb): p.price for p in region.plans}
    assert {size: str(f.value) for size, f in plans.items()} == DOCUMENTED_PLANS
    assert all(not f.assumption and "flowbag" in f.source for f in plans.values())


def test_every_assumption_in_the_shipped_file_has_a_note() -> None:
    regions = shipped_document()["regions"]

    def figures(node: object) -> list[dict]:
        if isinstance(node, dict) and "value" in node:
            return [node]
        if isinstance(node, dict):
            return [f for v in node.values() for f in figures(v)]
        if isinstance(node, list):
            return [f for v in node for f in figures(v)]
        return []

    found = figures(regions)
    assert len(found) > 20
    for figure in found:
        assert figure["source"] and figure["date"]
        if figure.get("assumption"):
            assert len(figure["note"]) > 20


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_prices(tmp_path / "nope.yaml")
    assert messages(error) == [f"{tmp_path / 'nope.yaml'}: file not found"]


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("regions: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert str(path) in str(error.value) and "not valid YAML" in str(error.value)


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_prices(write(tmp_path, ["a", "list"]))
    assert "a price file is a YAML mapping" in str(error.value)


def test_wrong_type_names_the_entry(tmp_path: Path) -> None:
    override = {
        "regions": {
            "cn-shanghai": {
                "eip": {
                    "payByTraffic": {
                        "perGb": {"value": "cheap", "source": "x", "date": "2026-11-24"}
                    }
                }
            }
        }
    }
    path = write(tmp_path, override)
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert messages(error) == [
        f"{path}: regions.cn-shanghai.eip.payByTraffic.perGb.value: must be a number"
    ]


def test_figure_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, {"regions": {"cn-shanghai": {"eip": {"payByTraffic": {"perGb": 0.5}}}}})
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert messages(error) == [
        f"{path}: regions.cn-shanghai.eip.payByTraffic.perGb: "
        "must be a mapping with value, source and date"
    ]


def test_negative_price(tmp_path: Path) -> None:
    override = {
        "regions": {
            "cn-shanghai": {
                "loadBalancer": {
                    "specPerHour": {
                        "slb.s1.small": {"value": -1, "source": "contract", "date": "2026-11-24"}
                    }
                }
            }
        }
    }
    path = write(tmp_path, override)
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert messages(error) == [
        f"{path}: regions.cn-shanghai.loadBalancer.specPerHour.slb.s1.small.value: "
        "must not be negative"
    ]


def test_missing_entry_when_replacing(tmp_path: Path) -> None:
    document = shipped_document()
    del document["regions"]["cn-shanghai"]["eip"]["payByTraffic"]["perGb"]
    path = write(tmp_path, document)
    with pytest.raises(InputError) as error:
        load_prices(path, replace=True)
    assert messages(error) == [
        f"{path}: regions.cn-shanghai.eip.payByTraffic.perGb: missing required entry"
    ]


def test_missing_source_date_and_assumption_note(tmp_path: Path) -> None:
    override = {
        "regions": {
            "cn-shanghai": {
                "eip": {
                    "configFeePerHour": {"value": 0.01, "date": "24/11/2026", "assumption": True}
                }
            }
        }
    }
    path = write(tmp_path, override)
    with pytest.raises(InputError) as error:
        load_prices(path)
    key = "regions.cn-shanghai.eip.configFeePerHour"
    assert messages(error) == [
        f"{path}: {key}.source: missing required entry",
        f"{path}: {key}.date: must be a date written YYYY-MM-DD",
        f"{path}: {key}.note: an assumption needs a note saying why",
    ]


def test_unknown_keys_and_bad_plan(tmp_path: Path) -> None:
    override = {
        "regions": {
            "cn-shanghai": {
                "eipp": {},
                "dataTransferPlans": [
                    {"sizeGb": True, "price": {"value": 1, "source": "s", "date": "2026-11-24"}}
                ],
            }
        }
    }
    path = write(tmp_path, override)
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert messages(error) == [
        f"{path}: regions.cn-shanghai.eipp: unknown key",
        f"{path}: regions.cn-shanghai.dataTransferPlans[0].sizeGb: must be a number",
    ]


def test_odd_keys_are_quoted_and_escaped_one_problem_per_line(tmp_path: Path) -> None:
    """A record separator is a line break to str.splitlines: echoed raw, it would split one
    problem over two lines (found by the plan-file fuzzer)."""
    path = tmp_path / "prices.json"
    path.write_text('{"\\u001e": null, "regions": {"cn-shanghai": {"eip x": {}}}}')
    with pytest.raises(InputError) as error:
        load_prices(path)
    assert messages(error) == [
        f"{path}: '\\x1e': unknown key",
        f"{path}: regions.cn-shanghai['eip x']: unknown key",
    ]


def test_merge_overrides_one_figure_and_keeps_the_rest(tmp_path: Path) -> None:
    override = {
        "version": "contract-2026",
        "regions": {
            "cn-shanghai": {
                "eip": {
                    "payByTraffic": {
                        "perGb": {"value": 0.5, "source": "Contract CHG-1", "date": "2026-11-01"}
                    }
                }
            }
        },
    }
    table = load_prices(write(tmp_path, override))
    region = table.region("cn-shanghai")
    figure = region.required("eip", "payByTraffic", "perGb")
    assert figure.value == Decimal("0.5") and not figure.assumption
    assert figure.source == "Contract CHG-1"
    assert region.required("eip", "payByTraffic", "freeGbPerMonth").value == 20
    assert table.version == "contract-2026"


def test_merge_adds_a_price_to_a_named_table(tmp_path: Path) -> None:
    override = {
        "regions": {
            "cn-shanghai": {
                "ecs": {
                    "instanceTypePerHour": {
                        "ecs.g7.8xlarge": {"value": 9, "source": "buy page", "date": "2026-11-24"}
                    }
                }
            }
        }
    }
    region = load_prices(write(tmp_path, override)).region("cn-shanghai")
    assert region.required("ecs", "instanceTypePerHour", "ecs.g7.8xlarge").value == 9
    assert region.required("ecs", "instanceTypePerHour", "ecs.g7.large").assumption


def test_replace_uses_the_user_file_alone(tmp_path: Path) -> None:
    document = shipped_document()
    document["regions"]["cn-hangzhou"] = document["regions"].pop("cn-shanghai")
    table = load_prices(write(tmp_path, document), replace=True)
    assert list(table.regions) == ["cn-hangzhou"]
    with pytest.raises(InputError) as error:
        table.region("cn-shanghai")
    assert "regions.cn-shanghai: no prices for this region (known: cn-hangzhou)" in str(error.value)
