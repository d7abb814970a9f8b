"""Faults injected into XPM API calls, per endpoint, to test a client's error handling.

Kinds:
- `429`: a rate-limit refusal (empty body, Retry-After, X-Rate-Limit-Problem).
- `500`, `503`: gateway errors with a JSON problem-details body, nothing written.
- `slow`: wait `seconds` (a real asyncio sleep, so client timeouts fire), then answer.
- `drop`: close the connection without any response, nothing written.
- `drop_after`: perform the call (the write happens), then close the connection without
  a response: a crash between XPM's write and the client's commit.
- `malformed`: perform the call, then answer 200 with the XML cut in half.
- `drip`: perform the call, then send the answer a few bytes at a time, spread over
  `seconds`: every read is quick, the whole answer is late.
- `oversize`: perform the call, then answer 200 with `size` bytes (an answer padded with
  whitespace inside the envelope).
- `gzip_bomb`: perform the call, then answer 200 `Content-Encoding: gzip` with a few hundred
  kilobytes that inflate to `size` bytes.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass, field
from typing import Literal, get_args

from xpm_emulator.models import new_uuid

FaultKind = Literal[
    "429", "500", "503", "slow", "drop", "drop_after", "malformed", "drip", "oversize", "gzip_bomb"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class Fault:
    """A fault for calls whose path matches `path`.

    `path` is a glob on the path after the version (`staff.api/add`, `job.api/*`,
    `job.api/get/J000001`); a bare `resource.api/method` also matches that method with
    identifiers after it. `count`: how many calls it hits (None: until cleared). `rate`:
    the probability that a matching call is hit (1.0: all).
    """

    kind: FaultKind
    path: str
    count: int | None = 1
    rate: float = 1.0
    method: str | None = None
    seconds: float = 5.0
    size: int = 300_000_000
    retry_after: int = 1
    problem: str = "minute"
    id: str = field(default_factory=new_uuid)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path) or fnmatch.fnmatchcase(path, self.path + "/*")


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {FAULT_KINDS}")
        if not 0.0 <= fault.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._faults.append(fault)
        return fault

    def reseed(self, seed: int) -> None:
        """Start the draws that decide which calls a `rate` fault hits again, from `seed`."""
        self._random.seed(seed)

    def list(self) -> list[Fault]:
        return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) < before

    def clear(self) -> None:
        self._faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The first matching fault that fires for this call; it uses up one of its count."""
        for fault in self._faults:
            if not fault.matches(method, path) or self._random.random() >= fault.rate:
                continue
            fault.hits += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
            return fault
        return None
