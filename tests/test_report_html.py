"""The auditors' HTML report: content, escaping, secrecy, self-containment, determinism, and
what a real headless Chromium makes of it (screenshot + the DOM after the script ran)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cli.diffs import PlanDiff, PropertyChange, ResourceChange
from cli.findings import AuditResult, Finding, RuleInfo
from cli.plan import SECRET_SIG, SIG_KEY, Plan, PlannedResource
from cli.reports.html import render_html
from tests.conftest import shipped_plan

STAMP = "2026-11-24T12:00:00Z"
EVIL = '<script>alert("pwned")</script>'
PLAINTEXT = "hunter2-do-not-print-0f9a"
ENVELOPE = {SIG_KEY: SECRET_SIG, "value": PLAINTEXT}
BROWSER_TIMEOUT = 90  # seconds per Chromium run; a hung browser fails the test, never the suite


def _resource(plan: Plan, name: str) -> PlannedResource:
    return next(r for r in plan.resources if r.name == name)


def _finding(
    rule: RuleInfo, r: PlannedResource, message: str, suppressed: bool = False, why: str = ""
) -> Finding:
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity,
        enforcement=rule.enforcement,
        urn=r.urn,
        resource_name=r.name,
        resource_type=r.type,
        message=message,
        remediation=rule.remediation,
        suppressed=suppressed,
        justification=why or None,
    )


RULES = (
    RuleInfo(
        "LLZ-HA-001",
        "RDS standby in another zone",
        "critical",
        "A zone outage must not stop the leasing core.",
        "Set zoneIdSlaveA to a zone other than zoneId.",
        "mandatory",
    ),
    RuleInfo(
        "LLZ-NET-002",
        "No ingress from 0.0.0.0/0",
        "high",
        "Only the office networks may reach the systems.",
        "Restrict the source CIDR.",
        "mandatory",
    ),
    RuleInfo(
        "LLZ-TAG-001",
        "Resources carry env, owner and cost-center tags",
        "low",
        "Costs are charged back per cost center.",
        "Add the missing tags.",
        "advisory",
    ),
)


def audit_result(plan: Plan) -> AuditResult:
    ha, net, tag = RULES
    findings = (
        _finding(ha, _resource(plan, "prod-rds-mysql"), "standby zone equals primary zone"),
        _finding(net, _resource(plan, "prod-app-sg"), "ingress 0.0.0.0/0 on port 22"),
        _finding(
            tag,
            _resource(plan, "prod-app-1a"),
            "tag cost-center is missing",
            suppressed=True,
            why="Charged to the shared platform budget until 2027 (ticket FIN-204)",
        ),
        _finding(tag, _resource(plan, "prod-vpc"), "tag owner is missing"),
        replace(
            _finding(tag, _resource(plan, "prod-data-sg"), f"name was {EVIL}"),
            resource_name=EVIL,
        ),
    )
    return AuditResult(
        project=plan.project,
        stack=plan.stack,
        environment="prod",
        engine="offline",
        rules=RULES,
        findings=findings,
        resources_checked=sum(1 for _ in plan.custom_resources()),
    )


def plan_diff(plan: Plan) -> PlanDiff:
    rds = _resource(plan, "prod-rds-mysql")
    redis = _resource(plan, "prod-redis-redis")
    return PlanDiff(
        "staging",
        "prod",
        (
            ResourceChange(
                rds.urn,
                rds.type,
                rds.name,
                "change",
                (
                    PropertyChange("zoneIdSlaveA", "cn-shanghai-e", "cn-shanghai-f"),
                    PropertyChange("instanceStorage", 100, 500),
                    PropertyChange(f"tags.{EVIL}", None, "x"),
                ),
            ),
            ResourceChange(
                redis.urn,
                redis.type,
                redis.name,
                "replace",
                (PropertyChange("password", ENVELOPE, "[secret]"),),
            ),
            ResourceChange(
                "urn:pulumi:prod::llz::x::prod-extra", "random:index/x:X", "prod-extra", "add"
            ),
        ),
    )


@pytest.fixture(scope="module")
def prod() -> Plan:
    return shipped_plan("prod")


@pytest.fixture(scope="module")
def html(prod: Plan) -> str:
    return render_html(audit_result(prod), prod, plan_diff(prod), generated_at=STAMP)


class _Inline(HTMLParser):
    """Collects the text of inline <style>/<script> elements and the CSP meta tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: tuple[str, dict[str, str | None]] | None = None
        self.blocks: list[tuple[str, dict[str, str | None], str]] = []
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy":
            self.csp = attributes.get("content") or ""
        if tag in ("style", "script"):
            self.open = (tag, attributes)
            self.blocks.append((tag, attributes, ""))

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            tag, attributes, text = self.blocks[-1]
            self.blocks[-1] = (tag, attributes, text + data)

    def handle_endtag(self, tag: str) -> None:
        self.open = None


def _inline(html: str) -> _Inline:
    parser = _Inline()
    parser.feed(html)
    return parser


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# --- content --------------------------------------------------------------------------------


def test_summary_counts_and_verdict(html: str, prod: Plan) -> None:
    assert "FAIL: 2 mandatory finding(s) not suppressed" in html
    for fact in ("llz", "prod", "offline"):
        assert f"<td>{fact}</td>" in html
    checked = sum(1 for _ in prod.custom_resources())
    assert f"<td>{checked} (of {checked} in the plan)</td>" in html
    counts = re.search(r'id="severity-counts".*?</table>', html, re.S)
    assert counts is not None
    rows = re.findall(
        r'<tr class="sev-(\w+)"><td><span class="badge">\w+</span></td>'
        r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
        counts.group(0),
    )
    assert rows == [
        ("critical", "1", "1", "0"),
        ("high", "1", "1", "0"),
        ("medium", "0", "0", "0"),
        ("low", "2", "0", "1"),
    ]


def test_pass_verdict_without_mandatory_findings(prod: Plan) -> None:
    result = audit_result(prod)
    advisory = replace(result, findings=tuple(f for f in result.findings if not f.blocking))
    page = render_html(advisory, prod, generated_at=STAMP)
    assert "PASS with 2 advisory finding(s) (1 suppressed)" in page
    assert 'class="verdict pass"' in page
    quiet = replace(result, findings=tuple(f for f in result.findings if f.suppressed))
    assert "PASS: no findings (1 suppressed)" in render_html(quiet, prod, generated_at=STAMP)
    empty = render_html(replace(result, findings=()), prod, generated_at=STAMP)
    assert "PASS: no findings" in empty
    assert json.loads(_data_block(empty))["findings"] == []


def _data_block(html: str) -> str:
    found = re.search(
        r'<script type="application/json" id="findings-data">(.*?)</script>', html, re.S
    )
    assert found is not None
    return found.group(1)


def test_embedded_findings_data_is_complete_and_ordered(html: str, prod: Plan) -> None:
    data = json.loads(_data_block(html))
    findings = data["findings"]
    assert [f["id"] for f in findings] == ["F001", "F002", "F003", "F004", "F005"]
    assert [f["severity"] for f in findings] == ["critical", "high", "low", "low", "low"]
    assert findings[-1]["suppressed"] is True  # suppressed ones last in their severity
    assert findings[-1]["justification"].startswith("Charged to the shared platform budget")
    assert {f["resource_name"] for f in findings} == {
        "prod-rds-mysql",
        "prod-app-sg",
        "prod-app-1a",
        "prod-vpc",
        EVIL,
    }
    assert findings[0]["blocking"] is True and findings[0]["resource_type"] == "rds.Instance"


def test_noscript_fallback_lists_every_finding(html: str) -> None:
    fallback = html.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert fallback.count('<tr class="static-row') == 5
    for text in (
        "LLZ-HA-001",
        "prod-rds-mysql",
        "Set zoneIdSlaveA to a zone other than zoneId.",
        "mandatory (blocking)",
        "suppressed: Charged to the shared platform budget",
    ):
        assert text in fallback


def test_suppressions_show_their_justification(html: str) -> None:
    section = html.split('id="suppressions"', 1)[1].split("</table>", 1)[0]
    assert "prod-app-1a" in section and "(ticket FIN-204)" in section


def test_diff_section_shows_actions_and_old_to_new(html: str) -> None:
    diff = html.split('<section id="diff">', 1)[1].split("</section>", 1)[0]
    assert "Changes: staging &rarr; prod" in diff
    assert "1 to add, 0 to remove, 1 to replace, 1 to change." in diff
    assert (
        '<span class="mono">zoneIdSlaveA</span>: <span class="mono old">&#34;cn-shanghai-e'
        '&#34;</span> &rarr; <span class="mono new">&#34;cn-shanghai-f&#34;</span>'
    ) in diff
    assert '<span class="mono old">100</span> &rarr; <span class="mono new">500</span>' in diff
    assert '<span class="mono old">(absent)</span>' in diff
    no_diff = render_html(
        audit_result(shipped_plan("prod")), shipped_plan("prod"), generated_at=STAMP
    )
    assert 'id="diff"' not in no_diff


def test_inventory_lists_every_resource_with_protect(html: str, prod: Plan) -> None:
    inventory = html.split('<section id="inventory">', 1)[1]
    for r in prod.custom_resources():
        assert f'title="{r.urn}">{r.name}</td><td>{"yes" if r.protect else "no"}</td>' in inventory
    for component in (r for r in prod.resources if not r.custom):
        assert f"<h3>{component.name} " in inventory


def test_topology_is_inlined_with_every_system_and_zone(html: str) -> None:
    section = html.split('<section id="topology">', 1)[1].split("</section>", 1)[0]
    assert '<svg class="topology"' in section
    for system in ("oa", "erp", "finance", "crm", "dashboard"):
        assert f">{system}</text>" in section
    for zone in ("cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"):
        assert f">zone {zone}</text>" in section


# --- safety ---------------------------------------------------------------------------------


def test_everything_is_escaped(html: str) -> None:
    assert EVIL not in html and html.count("<script") == 2
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html  # tables and diff
    assert "\\u003cscript\\u003e" in _data_block(html)  # JSON block cannot close its <script>
    tags = [(tag, attrs.get("type")) for tag, attrs, _ in _inline(html).blocks]
    assert tags == [("style", None), ("script", "application/json"), ("script", None)]


def test_secrets_never_reach_the_report(prod: Plan) -> None:
    rds = _resource(prod, "prod-rds-mysql")
    leaky = replace(rds, inputs={**rds.inputs, "engine": ENVELOPE, "zoneId": ENVELOPE})
    plan = Plan.build(
        prod.project, prod.stack, prod.engine, [leaky if r is rds else r for r in prod.resources]
    )
    page = render_html(audit_result(plan), plan, plan_diff(plan), generated_at=STAMP)
    assert PLAINTEXT not in page
    assert '<span class="mono old">&#34;[secret]&#34;</span>' in page  # the diff's envelope
    assert "zone [secret]" in page  # the topology's
    for stack_file in Path(__file__).parent.parent.glob("stacks/Pulumi.*.yaml"):
        for ciphertext in re.findall(r"secure: (v1:\S+)", stack_file.read_text()):
            assert ciphertext not in page


def test_the_page_loads_nothing_from_anywhere(html: str) -> None:
    assert "://" not in html and "//" not in html.replace("</", "")
    attribute = r"<[a-z][^>]*\s(src|href|xlink:href|srcset|action|poster|background)\s*="
    assert not re.search(attribute, html, re.I)
    assert "@import" not in html and "@font-face" not in html
    assert re.findall(r"url\(([^)]*)\)", html) == ["#llz-arrow"]
    for tag in ("<link", "<iframe", "<img", "<object", "<embed", "<base", "<form"):
        assert tag not in html


def test_csp_admits_exactly_the_inline_style_and_script(html: str) -> None:
    page = _inline(html)
    style = next(text for tag, _, text in page.blocks if tag == "style")
    script = next(text for tag, attrs, text in page.blocks if tag == "script" and not attrs)
    assert page.csp == (
        f"default-src 'none'; style-src '{_sha(style)}'; script-src '{_sha(script)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def test_output_is_deterministic(prod: Plan, html: str) -> None:
    result = audit_result(prod)
    shuffled = replace(
        result, findings=tuple(reversed(result.findings)), rules=tuple(reversed(result.rules))
    )
    assert render_html(shuffled, prod, plan_diff(prod), generated_at=STAMP) == html
    undated = render_html(result, prod, generated_at=None)
    assert "Generated by llz from the offline plan of stack prod." in undated
    assert undated == render_html(shuffled, prod, generated_at=None)
    assert f"Generated at {STAMP} by llz" in html


# --- a real browser -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    html: str
    png: Path
    dom: str


def _chromium(binary: str, profile: Path, *args: str) -> str:
    """Run headless Chromium in its own process group; kill the group if it hangs."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,2400",
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "HOME": str(profile)},
    )
    try:
        out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT}s: {' '.join(args)}")
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {err[-2000:]}"
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, html: str) -> Iterator[Rendered]:
    binary = shutil.which("chromium")
    if binary is None:
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("LLZ_REQUIRE_BROWSER") == "1":  # CI (.ci/run) must not skip it
            pytest.fail(reason + " but LLZ_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("browser")
    page = root / "report.html"
    page.write_text(html, encoding="utf-8")
    png = root / "report.png"
    _chromium(binary, root / "profile", f"--screenshot={png}", page.as_uri())
    dom = _chromium(binary, root / "profile", "--dump-dom", page.as_uri())
    yield Rendered(html, png, dom)


@pytest.mark.browser
def test_screenshot_is_a_real_picture_of_the_page(rendered: Rendered) -> None:
    from PIL import Image

    data = rendered.png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1280, 2400)
    assert len(data) > 50_000
    with Image.open(rendered.png) as image:
        image.load()
        top = image.convert("RGB").crop((0, 0, 1280, 1200)).resize((320, 300))
        colours = top.getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 50  # text, badges, tables: not a blank page


@pytest.mark.browser
def test_the_script_rendered_every_finding_row(rendered: Rendered) -> None:
    rows = re.findall(
        r'<tr class="finding sev-(\w+)[^"]*" data-finding="(F\d+)" data-rule="([^"]+)"'
        r' data-resource="([^"]+)">',
        rendered.dom,
    )
    assert rows == [
        ("critical", "F001", "LLZ-HA-001", "prod-rds-mysql"),
        ("high", "F002", "LLZ-NET-002", "prod-app-sg"),
        ("low", "F003", "LLZ-TAG-001", "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"),
        ("low", "F004", "LLZ-TAG-001", "prod-vpc"),
        ("low", "F005", "LLZ-TAG-001", "prod-app-1a"),
    ]
    assert 'data-finding="' not in rendered.html  # only the script creates these rows
    assert 'id="render-status" data-rendered="5">5 finding(s) rendered' in rendered.dom
    assert '<table id="findings-table">' in rendered.dom  # un-hidden by the script
    assert "suppressed: Charged to the shared platform budget" in rendered.dom
    assert "<td>mandatory (blocking)</td>" not in rendered.dom  # it has a class
    assert '<td class="enforcement">mandatory (blocking)</td>' in rendered.dom


@pytest.mark.browser
def test_the_browser_shows_hostile_names_as_text(rendered: Rendered) -> None:
    body = rendered.dom.split("<noscript>", 1)[0] + rendered.dom.split("</noscript>", 1)[1]
    assert EVIL not in body
    shown = re.findall(r'<td class="resource" title="[^"]+">([^<]*)<div class="type">', body)
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt;' in shown
    assert "prod-rds-mysql" in shown
    assert body.count("<script") == 2
