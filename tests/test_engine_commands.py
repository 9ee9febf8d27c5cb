"""The real-engine commands through the llz entry point, with recording Automation API fakes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pulumi.automation import Deployment, OutputValue
from pulumi.automation.events import EngineEvent

from cli import exit_codes
from cli.engines.events import EventCollector
from tests.conftest import PROJECT_DIR, invoke_llz, shipped_plan
from tests.test_engine_fakes import (
    SECRET_VALUE,
    FakeFactory,
    FakeStack,
    command_error,
    create_events,
    diagnostic_event,
    policy_event,
    same_events,
    secret,
    state,
    step_event,
    summary,
)

pytest_plugins = ["tests.test_engine_fakes"]  # fixtures fake_engine, no_pulumi

DEFAULT_BACKEND = f"file://{PROJECT_DIR / '.pulumi-state'}"
RDS = "alicloud:rds/instance:Instance"


def _changed_events(env: str = "dev") -> list[EngineEvent]:
    """One update (RDS whitelist) among unchanged resources."""
    plan = shipped_plan(env)
    events = same_events(replace(plan, resources=tuple(r for r in plan.resources
                                                        if r.type != RDS)))
    rds = next(r for r in plan.resources if r.type == RDS)
    ips = list(rds.inputs["securityIps"])
    new_inputs = {**rds.inputs, "securityIps": [*ips, "10.10.9.0/24"]}
    events.append(step_event(500, "update", rds, old=state(rds), new=state(rds, new_inputs),
                             detailed_diff={f"securityIps[{len(ips)}]": "add"}))
    return events


def _stack(factory: FakeFactory, env: str, **kwargs: object) -> FakeStack:
    stack = FakeStack(**kwargs)  # type: ignore[arg-type]
    factory.stacks[env] = stack
    return stack


@pytest.fixture
def interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.commands.engine._stdin_is_interactive", lambda: True)


# ---------------------------------------------------------------- missing CLI, bad input


@pytest.mark.parametrize(
    "args",
    [["preview", "dev"], ["deploy", "dev"], ["destroy", "dev", "--yes"], ["refresh", "staging"],
     ["outputs", "prod"]],
)
def test_missing_pulumi_cli_is_one_line_and_exit_1(no_pulumi: None, args: list[str]) -> None:
    result = invoke_llz(args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: the Pulumi CLI is not installed (needed by 'llz {args[0]}'); "
        f"for an offline plan without it run: llz plan {args[1]}\n"
    )


def test_stacks_without_cli_reports_unknown(no_pulumi: None) -> None:
    result = invoke_llz(["stacks", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["stacks"]
    assert [r["env"] for r in rows] == ["dev", "staging", "prod"]
    for row in rows:
        assert row["backend"] == DEFAULT_BACKEND
        assert row["status"] == "unknown" and row["note"] == "Pulumi CLI not installed"
    text = invoke_llz(["stacks"])
    assert text.stdout.count("unknown (Pulumi CLI not installed)") == 3


def test_missing_passphrase_is_one_clear_error(
    fake_engine: FakeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    result = invoke_llz(["preview", "dev"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: stack 'dev' uses the passphrase secrets provider: set PULUMI_CONFIG_PASSPHRASE "
        "or PULUMI_CONFIG_PASSPHRASE_FILE in your environment\n"
    )
    assert fake_engine.requests == []


def test_passphrase_file_is_accepted_and_never_passed_on(
    fake_engine: FakeFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    phrase = tmp_path / "phrase"
    phrase.write_text("correct horse")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(phrase))
    _stack(fake_engine, "dev", preview_events=same_events(shipped_plan("dev")))
    assert invoke_llz(["preview", "dev"]).exit_code == 0
    (request,) = fake_engine.requests
    assert "correct horse" not in repr(request)
    assert set(request.env_vars) == {"PULUMI_BACKEND_URL", "PULUMI_SKIP_UPDATE_CHECK"}


def test_invalid_target_is_a_usage_error(fake_engine: FakeFactory) -> None:
    result = invoke_llz(["preview", "dev", "--target", "dev-rds-mysql"])
    assert result.exit_code == 1
    assert "is not a resource URN" in result.stderr
    assert fake_engine.requests == []


@pytest.mark.parametrize("command", [["preview"], ["deploy"], ["destroy", "--yes"], ["refresh"]])
def test_a_target_of_another_stack_is_refused_before_anything_runs(
    fake_engine: FakeFactory, command: list[str]
) -> None:
    prod_rds = next(r for r in shipped_plan("prod").resources if r.type == RDS).urn
    result = invoke_llz([command[0], "dev", *command[1:], "--target", prod_rds])
    assert result.exit_code == 1
    assert "is not a resource of stack dev (its URNs start with urn:pulumi:dev::)" in (
        result.stderr
    )
    assert fake_engine.requests == []


# ---------------------------------------------------------------- preview


def test_preview_opens_the_stack_with_the_exact_request(fake_engine: FakeFactory) -> None:
    stack = _stack(fake_engine, "dev", preview_events=same_events(shipped_plan("dev")))
    result = invoke_llz(["--no-color", "preview", "dev"])
    assert result.exit_code == 0, result.stderr
    (request,) = fake_engine.requests
    assert request.stack_name == "dev"
    assert request.work_dir == PROJECT_DIR
    assert request.create is True
    assert request.secrets_provider == "passphrase"
    assert request.env_vars["PULUMI_BACKEND_URL"] == DEFAULT_BACKEND
    assert (PROJECT_DIR / ".pulumi-state").is_dir()
    kwargs = stack.kwargs("preview")
    assert kwargs["target"] is None and kwargs["refresh"] is False
    assert kwargs["color"] == "never"
    assert isinstance(kwargs["on_event"], EventCollector) and callable(kwargs["on_output"])
    assert kwargs["on_error"] is kwargs["on_output"]
    assert stack.names() == ["preview"]
    assert "No changes" in result.stdout
    assert "Previewing update (dev):" in result.stderr  # engine progress streams to stderr


def test_preview_exit_2_and_change_summary(fake_engine: FakeFactory) -> None:
    _stack(fake_engine, "dev", preview_events=_changed_events())
    result = invoke_llz(["--no-color", "preview", "dev"])
    assert result.exit_code == 2, result.stderr
    assert "~ update   rds.Instance" in result.stdout
    assert "dev-rds-mysql  (securityIps[2])" in result.stdout
    assert "0 to create, 1 to update, 0 to replace, 0 to delete" in result.stdout
    detail = invoke_llz(["--no-color", "preview", "dev", "--diff"])
    assert 'securityIps[2]: (none) -> "10.10.9.0/24"' in detail.stdout


def test_preview_json_has_plan_changes_and_summary(fake_engine: FakeFactory) -> None:
    _stack(fake_engine, "dev", preview_events=_changed_events())
    result = invoke_llz(["preview", "dev", "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert set(data) == {"plan", "changes", "summary", "policy_violations"}
    assert data["plan"]["format"] == "llz.plan/v1" and data["plan"]["engine"] == "pulumi"
    assert len(data["plan"]["resources"]) == len(shipped_plan("dev").resources)
    assert data["summary"]["update"] == 1 and data["summary"]["create"] == 0
    (change,) = data["changes"]
    assert change["action"] == "update" and change["type"] == RDS
    assert change["properties"] == [
        {"path": "securityIps[2]", "kind": "add", "old": None, "new": "10.10.9.0/24"}
    ]


def test_preview_passes_targets_refresh_and_policy_pack(
    fake_engine: FakeFactory, tmp_path: Path
) -> None:
    project = _copy_project(tmp_path)
    (project / "policy-pack" / "config").mkdir(parents=True)
    (project / "policy-pack" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (project / "policy-pack" / "config" / "staging.json").write_text("{}")
    stack = _stack(fake_engine, "staging", preview_events=[])
    urn = "urn:pulumi:staging::llz::llz:database:Database$alicloud:rds/instance:Instance::x"
    args = ["--project-dir", str(project), "preview", "staging", "--target", urn,
            "--target", urn + "2", "--refresh"]
    assert invoke_llz(args).exit_code == 0
    kwargs = stack.kwargs("preview")
    assert kwargs["target"] == [urn, urn + "2"]
    assert kwargs["refresh"] is True
    assert kwargs["policy_packs"] == [str(project / "policy-pack")]
    assert kwargs["policy_pack_configs"] == [str(project / "policy-pack" / "config/staging.json")]
    assert invoke_llz([*args, "--no-policy-pack"]).exit_code == 0
    last = stack.calls[-1][1]
    assert last["policy_packs"] is None and last["policy_pack_configs"] is None


def test_preview_failure_is_one_error_from_the_engine_diagnostics(fake_engine: FakeFactory) -> None:
    _stack(
        fake_engine, "dev",
        preview_events=[diagnostic_event(1, "error: alicloud: InvalidAccessKeyId.NotFound\n")],
        fail={"preview": command_error("error: preview failed\nmore noise")},
    )
    result = invoke_llz(["preview", "dev", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "error: preview of dev failed: error: alicloud: InvalidAccessKeyId.NotFound"
    )


def test_mandatory_policy_violation_is_named_in_the_failure(fake_engine: FakeFactory) -> None:
    rds = next(r for r in shipped_plan("dev").resources if r.type == RDS)
    _stack(
        fake_engine, "dev",
        preview_events=[
            policy_event(1, rds.urn, "RDS must force SSL", level="mandatory"),
            policy_event(2, rds.urn, "tag it", level="advisory"),
            diagnostic_event(3, "error: preview failed\n"),
        ],
        fail={"preview": command_error("error: preview failed")},
    )
    result = invoke_llz(["preview", "dev"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: preview of dev failed: mandatory policy llz-policies/llz-rds-ssl on "
        "dev-rds-mysql: RDS must force SSL; error: preview failed"
    )


# ---------------------------------------------------------------- deploy


def test_deploy_dev_runs_up_with_secrets_hidden(fake_engine: FakeFactory) -> None:
    stack = _stack(fake_engine, "dev", outputs_map={"ingressAddress": OutputValue("198.18.0.1",
                                                                                   False)})
    urn = "urn:pulumi:dev::llz::llz:network:Network::dev-network"
    result = invoke_llz(["deploy", "dev", "--target", urn, "--refresh", "--json"])
    assert result.exit_code == 0, result.stderr
    assert stack.names() == ["up"]
    kwargs = stack.kwargs("up")
    assert kwargs["show_secrets"] is False
    assert kwargs["target"] == [urn] and kwargs["refresh"] is True
    (request,) = fake_engine.requests
    assert request.create is True and request.stack_name == "dev"
    data = json.loads(result.stdout)
    assert data["operation"] == "update" and data["result"] == "succeeded"
    assert data["resource_changes"] == {"create": 3, "same": 70}
    assert data["outputs"] == {"ingressAddress": "198.18.0.1"}


def test_deploy_prod_without_terminal_or_yes_is_refused(fake_engine: FakeFactory) -> None:
    result = invoke_llz(["deploy", "prod"])
    assert result.exit_code == 1
    assert "refusing to deploy prod without --yes" in result.stderr
    assert fake_engine.requests == []  # nothing opened, nothing deployed


def test_deploy_prod_with_yes_skips_confirmation(fake_engine: FakeFactory) -> None:
    stack = _stack(fake_engine, "prod")
    result = invoke_llz(["deploy", "prod", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert stack.names() == ["up"]


def test_deploy_prod_confirmed_after_the_preview(
    fake_engine: FakeFactory, interactive: None
) -> None:
    stack = _stack(fake_engine, "prod", preview_events=_changed_events("prod"))
    result = invoke_llz(["--no-color", "deploy", "prod"], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert stack.names() == ["preview", "up"]
    preview_at = result.stderr.index('securityIps[3]: (none) -> "10.10.9.0/24"')
    assert preview_at < result.stderr.index("Deploy 1 change(s) to prod? [y/N]")
    assert stack.kwargs("up")["show_secrets"] is False


def test_deploy_prod_declined_deploys_nothing(fake_engine: FakeFactory, interactive: None) -> None:
    stack = _stack(fake_engine, "prod", preview_events=_changed_events("prod"))
    result = invoke_llz(["deploy", "prod"], input="n\n")
    assert result.exit_code == 1
    assert stack.names() == ["preview"]
    assert "aborted" in result.stderr


def test_deploy_prod_without_changes_does_not_ask(
    fake_engine: FakeFactory, interactive: None
) -> None:
    stack = _stack(fake_engine, "prod", preview_events=same_events(shipped_plan("prod")))
    result = invoke_llz(["deploy", "prod"])
    assert result.exit_code == 0
    assert stack.names() == ["preview"]
    assert "nothing to deploy" in result.stderr


# ---------------------------------------------------------------- destroy


def test_destroy_prod_is_refused_without_the_prod_flag(fake_engine: FakeFactory) -> None:
    result = invoke_llz(["destroy", "prod", "--yes"])
    assert result.exit_code == 1
    assert "refusing to destroy prod" in result.stderr
    assert "--i-really-mean-destroy-prod" in result.stderr
    assert fake_engine.requests == []


def test_destroy_prod_with_flag_still_needs_confirmation(fake_engine: FakeFactory) -> None:
    result = invoke_llz(["destroy", "prod", "--i-really-mean-destroy-prod"])
    assert result.exit_code == 1
    assert "refusing to destroy prod without --yes" in result.stderr
    assert fake_engine.requests == []


def test_destroy_protected_resources_stay_protected(fake_engine: FakeFactory) -> None:
    rds = "urn:pulumi:prod::llz::llz:database:Database$alicloud:rds/instance:Instance::prod-rds"
    export = Deployment(3, {"resources": [{"urn": rds, "protect": True},
                                          {"urn": "urn:pulumi:prod::llz::x::y", "protect": False}]})
    stack = _stack(fake_engine, "prod", export=export)
    result = invoke_llz(["destroy", "prod", "--i-really-mean-destroy-prod", "--yes"])
    assert result.exit_code == 1
    assert "1 protected resource(s)" in result.stderr and rds in result.stderr
    assert "never unprotects" in result.stderr and "nothing was destroyed" in result.stderr
    assert stack.names() == ["export_stack"]
    (request,) = fake_engine.requests
    assert request.create is False


def test_destroy_targets_only_refused_for_a_protected_target(fake_engine: FakeFactory) -> None:
    plan = shipped_plan("dev")
    rds = next(r for r in plan.resources if r.type == RDS)
    vpc = next(r for r in plan.resources if r.type == "alicloud:vpc/network:Network")
    export = Deployment(3, {"resources": [{"urn": rds.urn, "protect": True}]})
    stack = _stack(fake_engine, "dev", export=export,
                   destroy_events=[step_event(1, "delete", vpc, old=state(vpc))])
    refused = invoke_llz(["destroy", "dev", "--yes", "--target", rds.urn])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "error: the targets in dev include 1 protected resource(s);"
    ) and rds.urn in refused.stderr
    assert "destroy" not in stack.names() and "destroy_preview" not in stack.names()
    done = invoke_llz(["destroy", "dev", "--yes", "--target", vpc.urn, "--json"])
    assert done.exit_code == 0, done.stderr
    assert stack.kwargs("destroy")["target"] == [vpc.urn]  # exactly the URN given
    assert stack.kwargs("destroy")["exclude_protected"] is False
    assert json.loads(done.stdout)["protected"] == [rds.urn]  # reported, left alone


def test_destroy_exclude_protected_keeps_them(fake_engine: FakeFactory) -> None:
    plan = shipped_plan("prod")
    rds = next(r for r in plan.resources if r.type == RDS)
    export = Deployment(3, {"resources": [{"urn": rds.urn, "protect": True}]})
    vpc = next(r for r in plan.resources if r.type == "alicloud:vpc/network:Network")
    stack = _stack(fake_engine, "prod", export=export,
                   destroy_events=[step_event(1, "delete", vpc, old=state(vpc))])
    result = invoke_llz(["destroy", "prod", "--i-really-mean-destroy-prod", "--yes",
                         "--exclude-protected", "--json"])
    assert result.exit_code == 0, result.stderr
    assert stack.names() == ["export_stack", "destroy_preview", "destroy"]
    for name in ("destroy_preview", "destroy"):
        kwargs = stack.kwargs(name)
        assert kwargs["exclude_protected"] is True and kwargs["show_secrets"] is False
    assert "preview_only" not in stack.kwargs("destroy_preview")  # Stack.preview_destroy
    assert "preview_only" not in stack.kwargs("destroy")
    data = json.loads(result.stdout)
    assert data["protected"] == [rds.urn] and data["operation"] == "destroy"


def test_destroy_dev_confirmation(fake_engine: FakeFactory, interactive: None) -> None:
    vpc = next(r for r in shipped_plan("dev").resources
               if r.type == "alicloud:vpc/network:Network")
    stack = _stack(fake_engine, "dev", destroy_events=[step_event(1, "delete", vpc,
                                                                  old=state(vpc))])
    declined = invoke_llz(["destroy", "dev"], input="n\n")
    assert declined.exit_code == 1
    assert stack.names() == ["export_stack", "destroy_preview"]
    accepted = invoke_llz(["destroy", "dev"], input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert stack.names()[-1] == "destroy"
    assert "Destroy 1 resource(s) of dev? [y/N]" in accepted.stderr


def test_destroy_of_a_stack_never_deployed(fake_engine: FakeFactory) -> None:
    fake_engine.missing.add("staging")
    result = invoke_llz(["destroy", "staging", "--yes"])
    assert result.exit_code == 1
    assert "stack 'staging' does not exist in its backend yet" in result.stderr


# ---------------------------------------------------------------- refresh, outputs, stacks


def test_refresh(fake_engine: FakeFactory) -> None:
    stack = _stack(fake_engine, "staging")
    result = invoke_llz(["refresh", "staging", "--json"])
    assert result.exit_code == 0, result.stderr
    kwargs = stack.kwargs("refresh")
    assert kwargs["show_secrets"] is False and kwargs["target"] is None
    assert fake_engine.requests[0].create is False
    assert json.loads(result.stdout)["resource_changes"] == {"same": 81}
    text = invoke_llz(["refresh", "staging"])
    assert "refresh of staging: succeeded (same 81)" in text.stdout


def test_outputs_secrets_redacted_unless_asked(fake_engine: FakeFactory) -> None:
    _stack(fake_engine, "dev", outputs_map={
        "ingressAddress": OutputValue("198.18.0.1", False),
        "alarmWebhook": OutputValue(SECRET_VALUE, True),
        "database": OutputValue({"host": "rm-1.mysql", "password": secret(SECRET_VALUE)}, False),
    })
    result = invoke_llz(["outputs", "dev", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"stack": "dev", "outputs": {
        "alarmWebhook": "[secret]",
        "database": {"host": "rm-1.mysql", "password": "[secret]"},
        "ingressAddress": "198.18.0.1",
    }}
    text = invoke_llz(["outputs", "dev"])
    assert SECRET_VALUE not in text.output and "[secret]" in text.stdout
    assert "ingressAddress  198.18.0.1" in text.stdout  # strings unquoted, as pulumi prints
    shown = invoke_llz(["outputs", "dev", "--show-secrets", "--json"])
    assert json.loads(shown.stdout)["outputs"]["alarmWebhook"] == SECRET_VALUE


def test_stacks_with_history(fake_engine: FakeFactory) -> None:
    dev = _stack(fake_engine, "dev", history_entries=[summary("update", {"create": 81})])
    fake_engine.missing.add("staging")
    _stack(fake_engine, "prod", fail={"history": command_error("error: backend unreachable")})
    result = invoke_llz(["stacks", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["env"]: r for r in json.loads(result.stdout)["stacks"]}
    assert rows["dev"]["status"] == "deployed"
    assert rows["dev"]["last_update"] == {"kind": "update", "result": "succeeded",
                                          "start_time": "2026-11-24T20:00:00Z",
                                          "end_time": "2026-11-24T20:03:07Z"}
    assert dev.kwargs("history") == {"page_size": 1, "show_secrets": False}
    assert rows["staging"]["status"] == "never deployed"
    assert rows["prod"]["status"] == "unknown"
    assert "backend unreachable" in rows["prod"]["note"]
    assert all(not r.create for r in fake_engine.requests)
    text = invoke_llz(["stacks"])
    assert "2026-11-24T20:03:07Z update succeeded" in text.stdout


# ---------------------------------------------------------------- secrets never leak


def test_known_secret_never_reaches_stdout_stderr_or_json(
    fake_engine: FakeFactory, interactive: None
) -> None:
    plan = shipped_plan("dev")
    rds = next(r for r in plan.resources if r.type == RDS)
    old = {**rds.inputs, "password": secret("old-" + SECRET_VALUE)}
    new = {**rds.inputs, "password": secret(SECRET_VALUE),
           "tags": {**rds.inputs["tags"], "token": secret(SECRET_VALUE)}}
    events = [*create_events(replace(plan, resources=tuple(r for r in plan.resources
                                                           if r.type != RDS))),
              step_event(900, "update", rds, old=state(rds, old), new=state(rds, new),
                         detailed_diff={"password": "update", "tags.token": "add"})]
    outputs = {"webhook": OutputValue(SECRET_VALUE, True),
               "nested": OutputValue({"k": secret(SECRET_VALUE)}, False)}
    _stack(fake_engine, "dev", preview_events=events, outputs_map=outputs)
    _stack(fake_engine, "prod", preview_events=events, outputs_map=outputs)
    runs = [
        invoke_llz(["preview", "dev"]),
        invoke_llz(["preview", "dev", "--diff"]),
        invoke_llz(["preview", "dev", "--json"]),
        invoke_llz(["deploy", "dev", "--json"]),
        invoke_llz(["deploy", "dev"]),
        invoke_llz(["deploy", "prod"], input="y\n"),
        invoke_llz(["outputs", "dev"]),
        invoke_llz(["outputs", "dev", "--json"]),
    ]
    for run in runs:
        assert run.exit_code in (0, 2), run.stderr
        assert SECRET_VALUE not in run.stdout
        assert SECRET_VALUE not in run.stderr
    assert "password: [secret] -> [secret] (changed)" in runs[1].stdout


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    for env in ("dev", "staging", "prod"):
        name = f"Pulumi.{env}.yaml"
        (project / "stacks" / name).write_text((PROJECT_DIR / "stacks" / name).read_text())
    return project


def test_passphrase_never_printed_even_with_vv(
    fake_engine: FakeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    passphrase = "Passphrase-Needle-7f3a"
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", passphrase)
    _stack(fake_engine, "dev", preview_events=_changed_events(),
           fail={"preview": command_error("error: decrypting secret value: failed")})
    failed = invoke_llz(["-vv", "preview", "dev"])
    assert failed.exit_code == 1 and "decrypting secret value: failed" in failed.stderr
    _stack(fake_engine, "staging", fail={"preview": ValueError("a bug in llz")})
    crashed = invoke_llz(["-vv", "preview", "staging"])
    assert crashed.exit_code == 1 and "Traceback" in crashed.stderr  # -vv shows it...
    for run in (failed, crashed):
        assert passphrase not in run.stdout + run.stderr  # ...but never the passphrase
    assert all(passphrase not in json.dumps(dict(r.env_vars)) for r in fake_engine.requests)


def test_stacks_table_folds_a_long_backend_instead_of_cutting_the_status() -> None:
    """A deep project directory (as on a CI runner) must not truncate the LAST UPDATE column."""
    from rich.console import Console

    from cli.render_changes import render_stacks

    backend = "file:///" + "/".join(["a-rather-long-directory"] * 4) + "/.pulumi-state"
    rows = [
        {"env": env, "backend": backend, "last_update_text": "unknown (Pulumi CLI not installed)"}
        for env in ("dev", "staging", "prod")
    ]
    console = Console(width=80, no_color=True, record=True)
    render_stacks(rows, console)
    text = console.export_text()
    assert text.count("unknown (Pulumi CLI not installed)") == 3
    assert "…" not in text
    header, *lines = text.splitlines()
    start, end = header.index("BACKEND"), header.index("LAST UPDATE")
    staging_at = next(i for i, line in enumerate(lines) if line.startswith("staging"))
    first_row = lines[:staging_at]
    assert "".join(line[start:end].strip() for line in first_row) == backend


def test_deploy_interrupted_midway_says_part_may_have_changed(fake_engine: FakeFactory) -> None:
    """Ctrl-C during `up`: exit 130, and no false "nothing was changed"."""
    stack = _stack(fake_engine, "dev")
    stack.fail["up"] = KeyboardInterrupt()
    result = invoke_llz(["deploy", "dev", "--yes"])
    assert result.exit_code == exit_codes.INTERRUPTED == 130
    assert stack.names() == ["up"]
    assert "nothing was changed" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("interrupted: the Pulumi engine was stopped during 'deploy'")
    assert "run 'llz preview dev'" in last
