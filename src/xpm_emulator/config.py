"""Emulator settings: limits, token lifetimes, strictness, seed and snapshot file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SeedName = Literal["demo", "none"]
AnswerForm = Literal["3.1", "3.0"]
ANSWER_FORMS = ("3.1", "3.0")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator instance can be tuned with (see also PATCH /_emulator/config)."""

    # Xero's documented limits (developer.xero.com/documentation/oauth2/limits).
    concurrent_limit: int = 5
    minute_limit: int = 60
    day_limit: int = 5000
    app_minute_limit: int = 10_000
    # Token lifetimes, in seconds of emulator time (FAQ: 30 min access, 60 days refresh,
    # 30 min grace during which a rotated refresh token still works).
    access_token_ttl: int = 1800
    refresh_token_ttl: int = 60 * 86_400
    refresh_grace: int = 1800
    auth_code_ttl: int = 300
    # XPM does not say whether staff must be on a job before being put on one of its
    # tasks. Strict (the default) refuses; lenient adds them to the job as well.
    strict_task_assignment: bool = True
    # "3.1": records carry `<UUID>`s, as documented. "3.0": integer `<ID>`s, as every real
    # recording shows (a client's `<UUID>` comes last; a job has no `<UUID>`).
    answer_form: AnswerForm = "3.1"
    # Whether client.api/update and job.api/update blank the optional fields a message
    # leaves out (True) or keep them (False). XPM does not document which it does.
    strict_update: bool = False
    # The OAuth client every emulator accepts out of the box (any loopback redirect_uri).
    default_client_id: str = "practicelink-demo"
    default_client_secret: str = "demo-secret"
    seed: SeedName = "none"
    # Where to load the store from at startup and save it at shutdown (None: memory only).
    state_path: str | None = None

    def __post_init__(self) -> None:
        if self.answer_form not in ANSWER_FORMS:
            raise ValueError(f"answer_form must be one of {ANSWER_FORMS}, not {self.answer_form!r}")
