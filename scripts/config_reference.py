"""Generate the configuration reference (docs/sections/configuration.md) from stacks/spec.py.

Every key of every ``llz:`` config section comes from the pydantic models: its camelCase
path, type, whether it is required, its default, the values it accepts and its
description (``Field(description=...)``). The example is stacks/Pulumi.dev.yaml verbatim.

    python scripts/config_reference.py           # (re)write the reference
    python scripts/config_reference.py --check   # exit 1 when the file is stale
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from stacks.config import PROJECT, SECRET_KEYS
from stacks.spec import LandingZoneSpec

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUTPUT = PROJECT_DIR / "docs" / "sections" / "configuration.md"
EXAMPLE = PROJECT_DIR / "stacks" / "Pulumi.dev.yaml"
# Spec fields that are not config keys: the loader fills them from the project and stack.
NOT_CONFIG = ("project", "stack")
# What the spec's value validators (AfterValidator functions) accept, for the reader.
VALIDATOR_NOTES = {
    "_cidr": "IPv4 CIDR",
    "_private_cidr": "private IPv4 CIDR (RFC 1918)",
    "_office_cidr": "IPv4 CIDR, not 0.0.0.0/0",
    "_name": "lower-case letters, digits and '-', starting with a letter, 2-31 characters",
    "_zone": "zone id such as cn-shanghai-e",
    "_non_empty": "not empty",
    "_one_line": "one line of printable text",
    "_backup_window": "one-hour UTC window like 02:00Z-03:00Z",
    "_email": "e-mail address",
    "_pem_certificate": "PEM certificate (-----BEGIN CERTIFICATE-----)",
    "_backend_url": "URL starting file://, s3://, http(s)://, azblob:// or gs://",
    "_distinct": "distinct",
    "_distinct_days": "distinct weekdays",
}


class ReferenceError(Exception):
    """The models cannot be documented completely (e.g. a field without a description)."""


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    required: bool
    default: str
    allowed: str
    description: str


@dataclass(frozen=True)
class TypeInfo:
    text: str
    allowed: tuple[str, ...] = ()
    model: type[BaseModel] | None = None
    is_list: bool = False


def describe(annotation: Any, metadata: list[Any]) -> TypeInfo:
    """The reader's view of a type: name, accepted values, nested model if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return describe(base, [*extra, *metadata])
    notes = _constraints(annotation, metadata)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) != 1:
            raise ReferenceError(f"cannot document the union {annotation!r}")
        return describe(options[0], metadata)
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        kind = "string" if all(isinstance(v, str) for v in values) else "integer"
        return TypeInfo(kind, (f"one of {', '.join(_code(v) for v in values)}", *notes))
    if origin is tuple:
        args = typing.get_args(annotation)
        inner = describe(args[0], [])
        count = "" if len(args) == 2 and args[1] is Ellipsis else f"{len(args)} "
        plural = "objects" if inner.model else f"{inner.text}s"
        allowed = tuple(f"each: {a}" for a in inner.allowed) + notes
        return TypeInfo(f"list of {count}{plural}", allowed, inner.model, is_list=True)
    if origin is dict:
        key, value = (describe(a, []) for a in typing.get_args(annotation))
        allowed = tuple(f"keys and values: {a}" for a in dict.fromkeys(key.allowed + value.allowed))
        return TypeInfo(f"map of {key.text} to {value.text}", allowed + notes)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return TypeInfo("object", notes, annotation)
    simple = {bool: "boolean", int: "integer", float: "number", str: "string",
              SecretStr: "secret string"}
    if annotation in simple:
        return TypeInfo(simple[annotation], notes)
    raise ReferenceError(f"cannot document the type {annotation!r}")


def _constraints(annotation: Any, metadata: list[Any]) -> tuple[str, ...]:
    notes: list[str] = []
    low: Any = None
    high: Any = None
    for item in metadata:
        if isinstance(item, FieldInfo):
            notes.extend(_constraints(annotation, list(item.metadata)))
        elif isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.MinLen):
            notes.append(f"at least {_count(item.min_length, annotation)}")
        elif isinstance(item, annotated_types.MaxLen):
            notes.append(f"at most {_count(item.max_length, annotation)}")
        elif getattr(item, "pattern", None):
            notes.append(f"matches `{item.pattern}`")
        elif hasattr(item, "func"):
            name = getattr(item.func, "__name__", "")
            if name.startswith("_multiple_of_"):
                notes.append(f"multiple of {name.removeprefix('_multiple_of_')}")
                continue
            if name not in VALIDATOR_NOTES:
                raise ReferenceError(f"add a note for the validator {name!r} to VALIDATOR_NOTES")
            notes.append(VALIDATOR_NOTES[name])
    if low is not None or high is not None:
        notes.insert(0, _range(low, high))
    return tuple(notes)


def _count(number: int, annotation: Any) -> str:
    unit = "character" if annotation is str else "item"
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _range(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f">= {low}" if low is not None else f"<= {high}"


def _code(value: Any) -> str:
    text = _yaml(value)
    return f"`{text}`"


def _yaml(value: Any) -> str:
    """A default value as it would be written in the stack file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        plain = value and value[0].isalpha() and not any(c in value for c in ":#{}[],&*!|>'\"%@`")
        needs_quotes = not plain or value in ("true", "false", "null", "yes", "no")
        return f'"{value}"' if needs_quotes else value
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml(k)}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return "see keys below"
    return _code(value)


def _description(owner: str, name: str, field: FieldInfo) -> str:
    if not field.description:
        raise ReferenceError(f"{owner}.{name} has no description (Field(description=...))")
    return field.description


def rows(prefix: str, model: type[BaseModel]) -> Iterator[Row]:
    """One row per key of ``model`` (recursively), paths prefixed with ``prefix``."""
    for name, field in model.model_fields.items():
        key = f"{prefix}.{field.alias or name}"
        yield from field_rows(key, model.__name__, name, field)


def field_rows(key: str, owner: str, name: str, field: FieldInfo) -> Iterator[Row]:
    info = describe(field.annotation, list(field.metadata))
    yield Row(
        key=key,
        type=info.text,
        required=field.is_required(),
        default=_default(field),
        allowed="; ".join(info.allowed),
        description=_description(owner, name, field),
    )
    if info.model is not None:
        yield from rows(f"{key}[]" if info.is_list else key, info.model)


@dataclass(frozen=True)
class Section:
    key: str
    rows: tuple[Row, ...]
    secret: bool


def sections() -> list[Section]:
    """The config keys in the order of LandingZoneSpec, as the stack files list them."""
    found = []
    for name, field in LandingZoneSpec.model_fields.items():
        if name in NOT_CONFIG:
            continue
        key = "alicloud:region" if name == "region" else f"{PROJECT}:{field.alias or name}"
        found.append(
            Section(key, tuple(field_rows(key, "LandingZoneSpec", name, field)),
                    key in SECRET_KEYS)
        )
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in body]
    return lines


INTRO = """\
## Configuration

Each environment is one Pulumi stack, configured by an ordinary Pulumi stack config file:
`stacks/Pulumi.<env>.yaml` (`stacks/Pulumi.dev.yaml`, `stacks/Pulumi.staging.yaml`,
`stacks/Pulumi.prod.yaml`; `Pulumi.yaml` sets `stackConfigDir: stacks`). The landing zone's
settings are structured config under the `llz:` namespace, plus `alicloud:region`.

The file is loaded into a typed, validated, immutable spec before anything runs. Unknown
keys, wrong types, invalid or overlapping CIDRs, both HA zones the same, a data-tier
whitelist outside the app tier, prod without protection and the other rules below give one
clear error per problem, naming the file, the key and the reason, and exit code 1
(here with `vpcCidr: 8.8.0.0/16`):

```
$ llz validate dev
error: stacks/Pulumi.dev.yaml: llz:network.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range
```

Check a file with `llz validate <env>`. Secrets are never written in plain text: set them
with Pulumi so the file holds a `secure:` ciphertext, for example
`pulumi config set --secret llz:tlsPrivateKey --stack prod < key.pem` and
`pulumi config set --secret llz:alarmWebhook --stack prod`. A plain value for a secret key,
or a `secure:` value for any other key, is an error.

The file is read the way the Pulumi CLI reads it (Go's yaml.v2): `yes`/`no`, `on`/`off`
and `y`/`n` are booleans, and a version such as `8.0` must be quoted (`"8.0"`) to stay a
string; an unquoted one is refused as a number.

"Required" means required within its section (or list item); a section that is not
required may be left out entirely and then uses its defaults. Lists of objects are shown
with `[]`, e.g. `llz:systems[].name` is the `name` of every item of `llz:systems`.
This reference is generated from `stacks/spec.py` by `python scripts/config_reference.py`.
"""


def render(example: str) -> str:
    found = sections()
    lines = [INTRO.rstrip("\n"), "", "### Example: `stacks/Pulumi.dev.yaml`", "", "```yaml"]
    lines += example.rstrip("\n").split("\n")
    lines += ["```", "", "### Top-level keys", ""]
    lines += _table(
        ("Key", "Type", "Required", "Allowed values", "Description"),
        [(f"`{s.key}`", s.rows[0].type, _yes(s.rows[0].required), s.rows[0].allowed,
          s.rows[0].description) for s in found if not s.secret],
    )
    for section in found:
        if section.secret or len(section.rows) == 1:
            continue
        lines += ["", f"### `{section.key}`", "", section.rows[0].description, ""]
        lines += _table(
            ("Key", "Type", "Required", "Default", "Allowed values", "Description"),
            [(f"`{r.key}`", r.type, _yes(r.required), r.default, r.allowed, r.description)
             for r in section.rows[1:]],
        )
    lines += ["", "### Secret keys", "",
              "Set with `pulumi config set --secret KEY`; stored as `secure:` values.", ""]
    lines += _table(
        ("Key", "Type", "Description"),
        [(f"`{s.key}`", s.rows[0].type, s.rows[0].description) for s in found if s.secret],
    )
    missing = sorted(SECRET_KEYS - {s.key for s in found if s.secret})
    if missing:
        raise ReferenceError(f"secret keys without a spec field: {', '.join(missing)}")
    return "\n".join(lines) + "\n"


def _yes(required: bool) -> str:
    return "yes" if required else "no"


def main(argv: list[str] | None = None, write: Callable[[Path, str], None] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file differs from what would be generated")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write or check")
    args = parser.parse_args(argv)
    text = render(EXAMPLE.read_text(encoding="utf-8"))
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != text:
            print(f"{output} is stale: run python scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    if write is None:
        from cli.files import write_atomic

        write = write_atomic
    write(output, text)
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
