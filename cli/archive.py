"""Tamper-evident archive of audit report sets in an S3-compatible bucket (OSS, S3, moto).

Layout under ``s3://bucket/prefix``::

    objects/sha256/<hex>     every report, content-addressed (the key is its SHA-256)
    manifests/sha256/<hex>   one manifest per report set, content-addressed too
    HEAD                     the newest manifest's hash and sequence number

A manifest (canonical JSON: sorted keys, no spaces, UTF-8) records the stack, the
environment, the time, every file name with its SHA-256 and size, the sequence number
and the SHA-256 of the previous manifest. The manifests therefore form a hash chain:
editing or removing any report, any manifest or any link breaks a hash that
``verify_archive`` recomputes while walking from HEAD back to the first set.

Writes go objects -> manifest -> HEAD, and HEAD is written last, with a conditional
write (If-Match / If-None-Match) after re-reading it: an upload that fails midway leaves
the previous chain exactly as it was (plus unreferenced objects), and two uploads
racing cannot both move HEAD.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from cli.s3 import (
    S3Location,
    StorageError,
    check_endpoint_url,
    error_code,
    is_not_found,
    is_unsupported,
    make_client,
    parse_s3_url,
    storage_error,
    storage_exceptions,
)
from stacks.errors import InputError

MANIFEST_SCHEMA = "llz.archive-manifest/v1"
HEAD_SCHEMA = "llz.archive-head/v1"
HEAD_KEY = "HEAD"
OBJECTS = "objects/sha256"
MANIFESTS = "manifests/sha256"

_HEX = re.compile(r"^[0-9a-f]{64}$")
_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
# Answers of stores without S3 conditional writes (OSS documents its own
# x-oss-forbid-overwrite header instead): fall back to the re-read guard.
_NO_CONDITIONAL_CODES = frozenset({"InvalidArgument", "InvalidRequest", "400"})

T = TypeVar("T")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(data: Any) -> bytes:
    """The one byte form of a manifest: what its SHA-256 is computed over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ArchiveReceipt:
    """What one upload archived; keep ``manifest_sha256`` to check the chain later."""

    url: str
    endpoint_url: str | None
    stack: str
    environment: str
    created: str
    sequence: int
    manifest_sha256: str
    manifest_key: str
    previous_sha256: str | None
    files: tuple[ArchivedFile, ...]
    objects_uploaded: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "endpoint_url": self.endpoint_url,
            "stack": self.stack,
            "environment": self.environment,
            "created": self.created,
            "sequence": self.sequence,
            "manifest_sha256": self.manifest_sha256,
            "manifest_key": self.manifest_key,
            "previous_sha256": self.previous_sha256,
            "files": {f.name: {"sha256": f.sha256, "size": f.size} for f in self.files},
            "objects_uploaded": self.objects_uploaded,
        }


@dataclass(frozen=True)
class ArchivedSet:
    """One report set found while walking the chain."""

    sequence: int
    manifest_sha256: str
    stack: str
    environment: str
    created: str
    files: int


@dataclass
class VerifyResult:
    url: str
    head: str | None = None
    sets: list[ArchivedSet] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    objects_checked: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "intact": self.intact,
            "head": self.head,
            "sets": [
                {
                    "sequence": s.sequence,
                    "manifest_sha256": s.manifest_sha256,
                    "stack": s.stack,
                    "environment": s.environment,
                    "created": s.created,
                    "files": s.files,
                }
                for s in self.sets
            ],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "objects_checked": self.objects_checked,
        }


class _Store:
    """The few storage calls the archive needs, each failure turned into a StorageError."""

    def __init__(self, client: Any, location: S3Location, endpoint_url: str | None) -> None:
        self.client = client
        self.location = location
        self.where = location.url + (f" at {endpoint_url}" if endpoint_url else "")
        self._errors = storage_exceptions()

    def key(self, *parts: str) -> str:
        return self.location.key(*parts)

    def _call(self, action: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except self._errors as error:
            raise storage_error(error, action, self.where) from None

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and ETag, or None when it does not exist."""

        def fetch() -> tuple[bytes, str] | None:
            try:
                response = self.client.get_object(Bucket=self.location.bucket, Key=key)
            except self._errors as error:
                if is_not_found(error):
                    return None
                raise
            return response["Body"].read(), str(response.get("ETag", ""))

        return self._call(f"reading {key}", fetch)

    def put(self, key: str, data: bytes, content_type: str, **conditions: str) -> None:
        self._call(
            f"writing {key}",
            lambda: self.client.put_object(
                Bucket=self.location.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                **conditions,
            ),
        )

    def list_keys(self, prefix: str) -> Iterator[str]:
        def listing() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", []))
            return keys

        yield from self._call(f"listing {prefix}", listing)


def _check_files(files: Mapping[str, bytes]) -> None:
    if not files:
        raise InputError.single("--archive", "", "there are no report files to archive")
    for name, data in files.items():
        if not isinstance(name, str) or not name or any(ord(c) < 32 for c in name):
            raise InputError.single("--archive", repr(name), "is not a valid report file name")
        if not isinstance(data, bytes | bytearray):
            raise InputError.single("--archive", name, "report content must be bytes")


def _parse_head(data: bytes) -> tuple[str, int] | str:
    """(manifest hash, sequence) of a HEAD object, or the reason it is invalid."""
    try:
        head = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "HEAD is not JSON"
    if not isinstance(head, dict) or head.get("schema") != HEAD_SCHEMA:
        return f"HEAD is not an {HEAD_SCHEMA} record"
    manifest, sequence = head.get("manifest"), head.get("sequence")
    if not isinstance(manifest, str) or not _HEX.match(manifest):
        return "HEAD names no valid manifest hash"
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        return "HEAD has no valid sequence number"
    return manifest, sequence


def _manifest_problem(manifest: Any) -> str | None:
    """Why a decoded manifest is malformed, or None."""
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        return f"is not an {MANIFEST_SCHEMA} document"
    sequence = manifest.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        return "has no valid sequence number"
    previous = manifest.get("previous")
    if previous is not None and (not isinstance(previous, str) or not _HEX.match(previous)):
        return "has an invalid previous-manifest hash"
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return "lists no files"
    for name, entry in files.items():
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not _HEX.match(entry["sha256"])
            or not isinstance(entry.get("size"), int)
        ):
            return f"has an invalid entry for {name!r}"
    return None


def _manifest_sequence(data: bytes) -> int | None:
    """The sequence number of a well-formed manifest, else None."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return None if _manifest_problem(manifest) else int(manifest["sequence"])


def archive_reports(
    url: str,
    files: Mapping[str, bytes],
    *,
    endpoint_url: str | None,
    stack: str,
    environment: str,
    client: Any = None,
) -> ArchiveReceipt:
    """Upload one report set to ``url`` and append it to the archive's hash chain."""
    location = parse_s3_url(url, "--archive")
    endpoint = check_endpoint_url(endpoint_url)
    _check_files(files)
    store = _Store(client if client is not None else make_client(endpoint), location, endpoint)

    head_key = store.key(HEAD_KEY)
    head_before = store.get(head_key)
    previous: str | None = None
    sequence = 1
    if head_before is not None:
        parsed = _parse_head(head_before[0])
        if isinstance(parsed, str):
            raise StorageError(
                f"{store.where}: {parsed}; refusing to extend a damaged chain "
                "(run `llz audit verify` on it)"
            )
        previous, previous_sequence = parsed
        found = store.get(store.key(MANIFESTS, previous))
        if found is None or sha256_hex(found[0]) != previous:
            raise StorageError(
                f"{store.where}: the newest manifest {previous} is missing or altered; "
                "refusing to extend a damaged chain (run `llz audit verify` on it)"
            )
        if _manifest_sequence(found[0]) != previous_sequence:
            raise StorageError(
                f"{store.where}: HEAD says sequence {previous_sequence} but the newest "
                "manifest does not; refusing to extend a damaged chain "
                "(run `llz audit verify` on it)"
            )
        sequence = previous_sequence + 1

    entries: list[ArchivedFile] = []
    uploaded: set[str] = set()
    for name in sorted(files):
        data = bytes(files[name])
        digest = sha256_hex(data)
        entries.append(ArchivedFile(name, digest, len(data)))
        if digest not in uploaded:
            store.put(store.key(OBJECTS, digest), data, "application/octet-stream")
            uploaded.add(digest)

    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "stack": stack,
        "environment": environment,
        "created": created,
        "sequence": sequence,
        "previous": previous,
        "files": {f.name: {"sha256": f.sha256, "size": f.size} for f in entries},
    }
    manifest_bytes = canonical_json(manifest)
    manifest_hash = sha256_hex(manifest_bytes)
    manifest_key = store.key(MANIFESTS, manifest_hash)
    store.put(manifest_key, manifest_bytes, "application/json")

    head_bytes = canonical_json(
        {"schema": HEAD_SCHEMA, "manifest": manifest_hash, "sequence": sequence}
    )
    _move_head(store, head_key, head_before, head_bytes)
    return ArchiveReceipt(
        url=location.url,
        endpoint_url=endpoint,
        stack=stack,
        environment=environment,
        created=created,
        sequence=sequence,
        manifest_sha256=manifest_hash,
        manifest_key=manifest_key,
        previous_sha256=previous,
        files=tuple(entries),
        objects_uploaded=len(uploaded),
    )


def _move_head(
    store: _Store, head_key: str, before: tuple[bytes, str] | None, new_head: bytes
) -> None:
    """Write HEAD only if nobody moved it since we read it (re-read + conditional write)."""
    moved = StorageError(
        f"{store.where}: another upload moved HEAD while this one ran; nothing was lost "
        "(this report set is stored but not chained): run the archive again"
    )
    now = store.get(head_key)
    if (now is None) != (before is None) or (now and before and now[0] != before[0]):
        raise moved
    conditions: dict[str, str] = {"IfNoneMatch": "*"}
    if before is not None:
        conditions = {"IfMatch": before[1]} if before[1] else {}
    try:
        store.client.put_object(
            Bucket=store.location.bucket,
            Key=head_key,
            Body=new_head,
            ContentType="application/json",
            **conditions,
        )
    except storage_exceptions() as error:
        if error_code(error) in _CONFLICT_CODES:
            raise moved from None
        if not (is_unsupported(error) or error_code(error) in _NO_CONDITIONAL_CODES):
            raise storage_error(error, f"writing {head_key}", store.where) from None
        # The endpoint has no conditional writes: the re-read above is the guard.
        store.put(head_key, new_head, "application/json")


def verify_archive(
    url: str,
    *,
    endpoint_url: str | None,
    client: Any = None,
    expect: Sequence[str] = (),
) -> VerifyResult:
    """Walk the chain from HEAD to the first set, recomputing every hash.

    ``expect``: manifest hashes from earlier receipts that must still be in the chain
    (this catches a HEAD moved back to an older set, which no hash inside the store can).
    """
    location = parse_s3_url(url)
    endpoint = check_endpoint_url(endpoint_url)
    for wanted in expect:
        if not _HEX.match(wanted):
            raise InputError.single("--expect", wanted, "is not a SHA-256 hex digest")
    store = _Store(client if client is not None else make_client(endpoint), location, endpoint)
    result = VerifyResult(url=location.url)
    visited: set[str] = set()

    head = store.get(store.key(HEAD_KEY))
    broken = True  # the walk from HEAD did not reach the first set
    if head is None:
        result.problems.append(f"no {HEAD_KEY} at {location.url}: nothing is archived here")
    else:
        parsed = _parse_head(head[0])
        if isinstance(parsed, str):
            result.problems.append(parsed)
        else:
            result.head = parsed[0]
            broken = not _walk(store, result, parsed[0], parsed[1], visited)

    for wanted in expect:
        if wanted not in visited:
            result.problems.append(f"manifest {wanted} (from a receipt) is not in the chain")
    for key in store.list_keys(store.key(MANIFESTS) + "/"):
        name = key.rsplit("/", 1)[-1]
        if name in visited:
            continue
        if broken:
            # Most likely a set below the break: it cannot be checked through the chain.
            result.warnings.append(
                f"manifest {name} cannot be reached from HEAD because the chain is broken "
                "(see the problems above); its reports were not checked"
            )
        else:
            result.warnings.append(
                f"manifest {name} is not in the chain (left by an interrupted or raced "
                "upload, or HEAD was moved back)"
            )
    return result


def _walk(
    store: _Store, result: VerifyResult, start: str, sequence: int, visited: set[str]
) -> bool:
    """Follow the chain from ``start``; True when it reached the first set (#1)."""
    checked: dict[str, str | None] = {}  # object hash -> problem (None = fine)
    current: str | None = start
    expected = sequence
    while current is not None:
        label = f"set #{expected} (manifest {current})"
        if current in visited:
            result.problems.append(f"{label}: the chain loops back on itself")
            return False
        visited.add(current)
        found = store.get(store.key(MANIFESTS, current))
        if found is None:
            result.problems.append(f"{label}: the manifest is missing; the chain is broken here")
            return False
        data = found[0]
        actual = sha256_hex(data)
        if actual != current:
            result.problems.append(f"{label}: the manifest was edited (it hashes to {actual})")
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            result.problems.append(f"{label}: the manifest is not JSON")
            return False
        malformed = _manifest_problem(manifest)
        if malformed:
            result.problems.append(f"{label}: the manifest {malformed}")
            return False
        if manifest["sequence"] != expected:
            result.problems.append(
                f"{label}: the manifest says sequence {manifest['sequence']}; "
                "a link of the chain is broken"
            )
        set_name = f"set #{manifest['sequence']} ({manifest.get('environment')}, "
        set_name += f"{manifest.get('created')})"
        for name, entry in sorted(manifest["files"].items()):
            digest = entry["sha256"]
            if digest not in checked:
                checked[digest] = _check_object(store, digest, entry["size"])
                result.objects_checked += 1
            problem = checked[digest]
            if problem:
                result.problems.append(f"{set_name}: report {name!r} {problem}")
        result.sets.append(
            ArchivedSet(
                sequence=manifest["sequence"],
                manifest_sha256=current,
                stack=str(manifest.get("stack")),
                environment=str(manifest.get("environment")),
                created=str(manifest.get("created")),
                files=len(manifest["files"]),
            )
        )
        current = manifest["previous"]
        if current is None and manifest["sequence"] != 1:
            result.problems.append(
                f"{set_name} claims to be the first set but sets 1 to "
                f"{manifest['sequence'] - 1} are gone"
            )
            return False
        expected = manifest["sequence"] - 1
    return True


def _check_object(store: _Store, digest: str, size: int) -> str | None:
    key = store.key(OBJECTS, digest)
    found = store.get(key)
    if found is None:
        return f"is missing ({key})"
    actual = sha256_hex(found[0])
    if actual != digest:
        return f"was edited ({key} now hashes to {actual})"
    if len(found[0]) != size:
        return f"has {len(found[0])} bytes, the manifest says {size}"
    return None
