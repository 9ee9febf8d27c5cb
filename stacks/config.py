"""From a stack's Pulumi config to a LandingZoneSpec.

Two ways in, one way through:

* ``read_stack_file`` reads ``stacks/Pulumi.<stack>.yaml`` as the offline engine and
  ``llz validate`` do: secure values are never decrypted, they become ``SECRET_PLACEHOLDER``.
* ``runtime_config`` reads the config the Pulumi runtime holds while the program runs
  (decrypted by the real engine, or set by the offline engine).

Both give a flat ``{"namespace:key": value}`` mapping that ``spec_from_config`` validates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stacks.errors import PLAIN_KEY, InputError, Problem, child_key, key_text, printable, shorten
from stacks.spec import LandingZoneSpec
from stacks.yaml_files import read_yaml_file

PROJECT = "llz"
SECRET_PLACEHOLDER = "[secret]"
SECRET_KEYS = frozenset({"llz:tlsPrivateKey", "llz:alarmWebhook"})
OTHER_KEYS = frozenset({"alicloud:region"})
# A stack file is a few KiB; parsing is pure Python (about 3 s per MiB here), so a bound
# keeps a wrong or hostile file quick to refuse.
STACK_FILE_MAX_BYTES = 256 * 1024
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
FILE_KEYS = frozenset({"config", "encryptionsalt", "secretsprovider", "encryptedkey"})


@dataclass(frozen=True)
class StackConfig:
    """A stack's config as the Pulumi runtime sees it: flat keys, secret keys named."""

    source: str
    values: Mapping[str, Any]
    secret_keys: frozenset[str]

    def runtime_values(self) -> dict[str, str]:
        """Values as strings, structured ones as JSON, the way the engine passes them."""
        return {
            key: value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            for key, value in self.values.items()
        }


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / "stacks" / f"Pulumi.{stack}.yaml"


def read_stack_file(project_dir: Path, stack: str) -> StackConfig:
    """Read a stack config file, replacing every secure value with a placeholder."""
    path = stack_file(project_dir, stack)
    source = printable(_display(path, project_dir))
    if not STACK_NAME.fullmatch(stack):
        raise InputError.single(
            source, "stack name", "may only contain letters, digits, '_', '.' and '-' (Pulumi)"
        )
    document = read_yaml_file(path, source, max_bytes=STACK_FILE_MAX_BYTES, stack_file=True)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InputError.single(source, "document", "must be a mapping with a 'config:' section")
    unknown = sorted(key_text(str(k)) for k in document if k not in FILE_KEYS)
    expected = ", ".join(sorted(FILE_KEYS))
    if unknown:
        raise InputError(
            source,
            _bounded([Problem(k, f"unknown top-level key (expected one of {expected})")
                      for k in unknown]),
        )
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InputError.single(source, "config", "must be a mapping of config keys")
    values: dict[str, Any] = {}
    secret_keys: set[str] = set()
    problems: list[Problem] = []
    for key, value in config.items():
        if not isinstance(key, str):
            problems.append(Problem("config", f"key {printable(repr(key))} must be a string"))
            continue
        if _is_secure(value):
            secret_keys.add(key)
            values[key] = SECRET_PLACEHOLDER
        else:
            nested = _nested_secure_path(value)
            if nested:
                problems.append(
                    Problem(key_text(key) + printable(nested),
                            "secrets are only accepted as whole keys: "
                            + ", ".join(sorted(SECRET_KEYS)))
                )
            values[key] = value
    if problems:
        raise InputError(source, _bounded(problems))
    return StackConfig(source, values, frozenset(secret_keys))


def runtime_config() -> StackConfig:
    """The config the running Pulumi program was given (either engine)."""
    import pulumi
    from pulumi.runtime import config as runtime

    # Both the offline engine and the language host's exec shim hand the whole config to
    # set_all_config; only a program started some other way has nothing but the environment.
    # Never mix the two: a PULUMI_CONFIG left in the shell must not leak into an offline plan.
    merged: dict[str, Any] = dict(runtime.CONFIG.get())
    if merged:
        secret = {k for k in merged if runtime.is_config_secret(k)}
    else:
        merged = dict(runtime.get_config_env())
        secret = set(runtime.get_config_secret_keys_env())
    values: dict[str, Any] = {}
    for key, value in merged.items():
        values[key] = _maybe_json(value) if key not in secret else value
    source = f"stacks/Pulumi.{pulumi.get_stack()}.yaml"
    return StackConfig(source, values, frozenset(secret))


def spec_from_config(config: StackConfig, project: str, stack: str) -> LandingZoneSpec:
    """Validate a stack's config into a LandingZoneSpec, or raise one InputError."""
    problems: list[Problem] = []
    document: dict[str, Any] = {"project": project, "stack": stack}
    for key, value in sorted(config.values.items()):
        namespace, _, name = key.partition(":")
        shown = key_text(key)
        if key in SECRET_KEYS:
            if key not in config.secret_keys:
                problems.append(Problem(key, f"must be a secret: pulumi config set --secret {key}"))
                continue
            document[name] = value
        elif key in config.secret_keys:
            problems.append(Problem(shown, "is a secret but this key is not a secret setting"))
        elif key == "alicloud:region":
            document["region"] = value
        elif namespace == PROJECT:
            if name in ("project", "stack", "region"):
                problems.append(Problem(shown, "unknown key"))
                continue
            document[name] = value
        elif not name:
            problems.append(Problem(shown, "keys look like NAMESPACE:NAME, e.g. llz:network"))
        elif namespace == "alicloud":
            problems.append(Problem(shown, "only alicloud:region is read from stack config"))
        else:
            problems.append(Problem(shown, f"unknown config namespace {namespace!r:.60}"))
    if "region" not in document:
        problems.append(Problem("alicloud:region", "missing required key"))
    if problems:
        raise InputError(config.source, _bounded(problems))
    try:
        return LandingZoneSpec.model_validate(document)
    except ValidationError as exc:
        raise InputError(config.source, _bounded(list(_problems(exc)))) from None


def load_spec(project_dir: Path, stack: str) -> LandingZoneSpec:
    """Read and validate ``stacks/Pulumi.<stack>.yaml`` (secrets stay encrypted)."""
    return spec_from_config(read_stack_file(project_dir, stack), PROJECT, stack)


def _problems(exc: ValidationError) -> Iterable[Problem]:
    for error in exc.errors(include_url=False):
        key = _key(error["loc"])
        reason = str(error["msg"])
        # Only the input's type is looked at, never its value (it may be a secret).
        unquoted = isinstance(error.get("input"), int | float) and not isinstance(
            error.get("input"), bool
        )
        if error["type"] == "literal_error" and unquoted and "'" in reason:
            reason += " (a text value: quote it, e.g. \"8.0\")"
        elif error["type"] == "extra_forbidden":
            reason = "unknown key"
        elif error["type"] == "missing":
            reason = "missing required key"
        elif reason.startswith("Value error, "):
            reason = reason[len("Value error, ") :]
        if not error["loc"] and ": " in reason and not reason.startswith(" "):
            head, _, tail = reason.partition(": ")
            if " " not in head:
                key, reason = f"{PROJECT}:{head}", tail
        yield Problem(key or f"{PROJECT}:", printable(shorten(reason)))


def _key(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    first, *rest = loc
    head = str(first)
    if head == "region":
        name = "alicloud:region"
    elif PLAIN_KEY.fullmatch(head) and ":" not in head:
        name = f"{PROJECT}:{_camel(head)}"
    else:
        name = key_text(f"{PROJECT}:{head}")
    for part in rest:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            plain = PLAIN_KEY.fullmatch(part) and ":" not in part
            name = child_key(name, _camel(part) if plain else part)
    return printable(shorten(name))


MAX_PROBLEMS = 25


def _bounded(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS problems: a hostile file must not flood the terminal."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS + 1
    more = Problem("document", f"... and {rest} more problems (fix the ones above first)")
    return [*problems[: MAX_PROBLEMS - 1], more]


def _camel(name: str) -> str:
    first, *others = name.split("_")
    return first + "".join(o[:1].upper() + o[1:] for o in others)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _nested_secure_path(value: Any, path: str = "") -> str:
    if isinstance(value, dict):
        if _is_secure(value):
            return path
        for k, v in value.items():
            found = _nested_secure_path(v, f"{path}.{k}")
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _nested_secure_path(v, f"{path}[{i}]")
            if found:
                return found
    return ""


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _display(path: Path, project_dir: Path) -> str:
    try:
        return str(path.relative_to(project_dir))
    except ValueError:
        return str(path)
