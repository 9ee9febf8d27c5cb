"""The one error type for bad input: it names the file, the key and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    key: str
    reason: str

    def render(self, source: str) -> str:
        return f"{source}: {self.key}: {self.reason}" if self.key else f"{source}: {self.reason}"


class InputError(Exception):
    """Bad input (a config, a price file, a plan file, an argument).

    ``str(error)`` is the complete user-facing message: ``file: key: reason``, one line per
    problem. It never contains secret values: callers build reasons from key names and
    public values only.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render(source) for p in self.problems))

    @classmethod
    def single(cls, source: str, key: str, reason: str) -> InputError:
        return cls(source, [Problem(key, reason)])
