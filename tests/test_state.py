"""Deployed state exports -> Plan, secret-change detection, and `pulumi stack export --version`."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from cli import state
from cli.plan import SECRET_SIG, SIG_KEY
from cli.state import changed_secrets, export_state_version, plan_from_state
from stacks.errors import InputError

STACK_URN = "urn:pulumi:prod::llz::pulumi:pulumi:Stack::llz-prod"
RDS_URN = "urn:pulumi:prod::llz::llz:database:Database$alicloud:rds/instance:Instance::prod-rds"
ACCT_URN = ("urn:pulumi:prod::llz::llz:database:Database$alicloud:rds/rdsAccount:RdsAccount"
            "::prod-rds-oa-account")
COMP_URN = "urn:pulumi:prod::llz::llz:database:Database::prod-db"
CIPHERTEXT = "v1:AAAAciphertextAAAA"


def envelope(ciphertext: str) -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "ciphertext": ciphertext}


def export(class_: str = "mysql.n2.large.2c", ciphertext: str = CIPHERTEXT,
           stack: str = "prod") -> dict[str, Any]:
    resources = [
        {"urn": STACK_URN, "type": "pulumi:pulumi:Stack", "custom": False},
        {"urn": "urn:pulumi:prod::llz::pulumi:providers:alicloud::default_4_0_0",
         "type": "pulumi:providers:alicloud", "custom": True, "id": "x", "inputs": {}},
        {"urn": COMP_URN, "type": "llz:database:Database", "custom": False,
         "parent": STACK_URN},
        {"urn": RDS_URN, "type": "alicloud:rds/instance:Instance", "custom": True,
         "protect": True, "id": "rm-123", "parent": COMP_URN,
         "inputs": {"__defaults": ["x"], "instanceType": class_, "instanceStorage": 100.0,
                    "securityIps": ["10.0.1.0/24"]},
         "outputs": {"connectionString": "rm-123.mysql"},
         "dependencies": [COMP_URN]},
        {"urn": ACCT_URN, "type": "alicloud:rds/rdsAccount:RdsAccount", "custom": True,
         "parent": COMP_URN, "inputs": {"accountName": "oa_app",
                                        "accountPassword": envelope(ciphertext)}},
    ]
    text = json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}})
    return json.loads(text.replace("urn:pulumi:prod::", f"urn:pulumi:{stack}::"))


def test_plan_from_state_reads_resources_and_skips_stack_and_providers() -> None:
    p = plan_from_state(export(), "a.json")
    assert (p.project, p.stack, p.engine) == ("llz", "prod", "pulumi")
    assert [r.urn for r in p.resources] == sorted([COMP_URN, RDS_URN, ACCT_URN])
    rds = p.by_urn()[RDS_URN]
    assert rds.name == "prod-rds" and rds.protect and rds.custom and rds.parent == COMP_URN
    assert dict(rds.inputs) == {"instanceType": "mysql.n2.large.2c", "instanceStorage": 100,
                                "securityIps": ["10.0.1.0/24"]}
    account = p.by_urn()[ACCT_URN]
    assert account.inputs["accountPassword"] == "[secret]"
    assert CIPHERTEXT not in p.to_json()


def test_pending_deletes_are_not_part_of_the_state() -> None:
    data = export()
    data["deployment"]["resources"][3]["delete"] = True
    assert RDS_URN not in plan_from_state(data, "a.json").by_urn()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: [], "a.json: a state export is a JSON object"),
        (lambda d: {**d, "version": 2}, "a.json: version: expected 3"),
        (lambda d: {"version": 3}, "a.json: deployment: must be an object"),
        (lambda d: {"version": 3, "deployment": {"resources": {}}},
         "a.json: deployment.resources: must be a list"),
    ],
)
def test_malformed_exports_name_the_key(mutate: Any, message: str) -> None:
    with pytest.raises(InputError) as error:
        plan_from_state(mutate(export()), "a.json")
    assert str(error.value).startswith(message)


def test_malformed_resources_name_the_index() -> None:
    data = export()
    del data["deployment"]["resources"][3]["urn"]
    data["deployment"]["resources"][4]["inputs"] = ["not", "a", "dict"]
    with pytest.raises(InputError) as error:
        plan_from_state(data, "a.json")
    assert str(error.value).splitlines() == [
        "a.json: deployment.resources[3].urn: must be a string",
        "a.json: deployment.resources[4].inputs: must be an object",
    ]


def test_empty_stack_is_an_empty_plan() -> None:
    assert plan_from_state({"version": 3, "deployment": {}}, "a.json").resources == ()


def test_changed_secret_is_told_by_its_ciphertext_only_within_one_stack() -> None:
    assert changed_secrets(export(), export()) == {}
    assert changed_secrets(export(), export(ciphertext="v1:other")) == {
        ACCT_URN: {"accountPassword"}
    }
    assert changed_secrets(export(), export(ciphertext="v1:other", stack="staging")) == {}


def completed(args: Sequence[str], code: int, out: str = "", err: str = "") -> Any:
    return subprocess.CompletedProcess(list(args), code, out, err)


def test_export_state_version_runs_pulumi_without_secrets(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def runner(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Any:
        calls.append(list(args))
        assert cwd == tmp_path
        assert env["PULUMI_BACKEND_URL"] == "s3://llz-state" and env["PATH"]
        return completed(args, 0, json.dumps(export()))

    data = export_state_version(
        tmp_path, "prod", 7, runner, engine_env={"PULUMI_BACKEND_URL": "s3://llz-state"}
    )
    assert data == export()
    assert calls == [["pulumi", "stack", "export", "--stack", "prod", "--version", "7"]]


def test_export_state_version_failure_is_one_line(tmp_path: Path) -> None:
    def runner(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Any:
        return completed(args, 255, err="warning: x\nerror: no version 99 of stack prod\n")

    with pytest.raises(InputError) as error:
        export_state_version(tmp_path, "prod", 99, runner)
    assert str(error.value) == (
        "prod@version 99: pulumi stack export failed: error: no version 99 of stack prod"
    )


def test_missing_pulumi_cli_points_to_state_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state.shutil, "which", lambda name: None)
    with pytest.raises(InputError) as error:
        export_state_version(tmp_path, "prod", 1)
    assert "--from-state/--to-state" in str(error.value)
    assert len(str(error.value).splitlines()) == 1


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_state_diff(tmp_path: Path) -> None:
    from tests.conftest import invoke_llz

    a = write(tmp_path / "a.json", export())
    b = write(tmp_path / "b.json", export(class_="mysql.n4.xlarge.2c", ciphertext="v1:new"))
    result = invoke_llz(["--no-color", "diff", "--from-state", str(a), "--to-state", str(b),
                         "--no-cost"])
    assert result.exit_code == 2, result.output
    assert '~ rds.Instance  prod-rds' in result.stdout
    assert 'instanceType: "mysql.n2.large.2c" -> "mysql.n4.xlarge.2c"' in result.stdout
    assert "accountPassword: [secret] -> [secret] (changed)" in result.stdout
    assert CIPHERTEXT not in result.output and "v1:new" not in result.output

    same = invoke_llz(["diff", "--from-state", str(a), "--to-state", str(a), "--json",
                       "--no-cost"])
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["differences"] is False


def test_cli_state_diff_accepts_plan_files(tmp_path: Path) -> None:
    from tests.conftest import invoke_llz

    plan = plan_from_state(export(), "a.json")
    a = tmp_path / "plan.json"
    a.write_text(plan.to_json(), encoding="utf-8")
    b = write(tmp_path / "b.json", export(class_="mysql.n4.xlarge.2c"))
    result = invoke_llz(["diff", "--from-state", str(a), "--to-state", str(b), "--json",
                         "--no-cost"])
    assert result.exit_code == 2, result.output
    (change,) = json.loads(result.stdout)["changes"]
    assert change["properties"][0]["path"] == "instanceType"


def test_cli_malformed_state_is_exit_1(tmp_path: Path) -> None:
    from tests.conftest import invoke_llz

    data = copy.deepcopy(export())
    data["deployment"]["resources"][2]["type"] = 5
    a = write(tmp_path / "a.json", export())
    bad = write(tmp_path / "bad.json", data)
    result = invoke_llz(["diff", "--from-state", str(a), "--to-state", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {bad}: deployment.resources[2].type: must be a string"
    missing = invoke_llz(["diff", "--from-state", str(a), "--to-state", str(tmp_path / "no")])
    assert missing.exit_code == 1 and "file not found" in missing.stderr


def test_cli_versions_without_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import invoke_llz

    monkeypatch.setattr(state.shutil, "which", lambda name: None)
    result = invoke_llz(["diff", "prod", "--from-version", "3", "--to-version", "4"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: pulumi: the Pulumi CLI is not installed")
    assert "Traceback" not in result.output


def test_cli_warns_when_a_protected_resource_would_be_replaced(tmp_path: Path) -> None:
    from tests.conftest import invoke_llz

    changed = export()
    changed["deployment"]["resources"][3]["inputs"]["engine"] = "PostgreSQL"
    a = write(tmp_path / "a.json", export())
    b = write(tmp_path / "b.json", changed)
    result = invoke_llz(["--no-color", "diff", "--from-state", str(a), "--to-state", str(b),
                         "--no-cost"])
    assert result.exit_code == 2, result.output
    assert "± rds.Instance  prod-rds   (replaced: engine cannot change in place)" in result.stdout
    assert ("warning: prod-rds (alicloud:rds/instance:Instance) is protected: Pulumi refuses "
            "to replace it until `protect` is lifted") in result.stdout
    data = json.loads(invoke_llz(["diff", "--from-state", str(a), "--to-state", str(b),
                                  "--json", "--no-cost"]).stdout)
    assert len(data["warnings"]) == 1


def test_cli_versions_from_the_stack_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PROJECT_DIR, invoke_llz

    exports = {"3": export(), "4": export(class_="mysql.n4.xlarge.2c", ciphertext="v1:new")}
    calls: list[list[str]] = []

    def run(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Any:
        calls.append(list(args))
        assert cwd == PROJECT_DIR
        # The stack's own backend (the project's file backend), not the user's login.
        assert env["PULUMI_BACKEND_URL"] == f"file://{PROJECT_DIR.resolve()}/.pulumi-state"
        return completed(args, 0, json.dumps(exports[args[-1]]))

    monkeypatch.setattr(state.shutil, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(state, "_run", run)
    result = invoke_llz(["--no-color", "diff", "prod", "--from-version", "3", "--to-version", "4",
                         "--no-cost"])
    assert result.exit_code == 2, result.output
    assert [c[-1] for c in calls] == ["3", "4"]
    assert all("--show-secrets" not in c for c in calls)
    assert result.stdout.startswith("llz diff: prod@v3 -> prod@v4\n")
    assert "accountPassword: [secret] -> [secret] (changed)" in result.stdout
    assert "v1:new" not in result.output and CIPHERTEXT not in result.output
